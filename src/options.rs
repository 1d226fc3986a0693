//! How a [`crate::Converter`] converts: one plain options struct with the options of each
//! stage nested in it, each default written once, in its stage's crate.

use diagram_core::Limits;
use diagram_overlay::OverlayOptions;
use diagram_raster::{DziOptions, PngOptions, RenderOptions};
use diagram_svg_writer::SvgOptions;

use crate::output::OutputFormat;
use crate::worker::Isolation;

/// Everything a [`crate::Converter`] can be told. Write the fields you need and take the
/// rest from `..Default::default()`; a stage's options are its crate's own struct:
///
/// ```
/// use diagram_convert::{ConvertOptions, OutputFormat, RenderOptions};
///
/// let options = ConvertOptions {
///     formats: vec![OutputFormat::Svg],
///     render: RenderOptions { dpi: 300.0, ..Default::default() },
///     ..Default::default()
/// };
/// assert_eq!(options.svg.decimals, 2);
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConvertOptions {
    /// Worker threads (and, with [`Isolation::Workers`], worker processes); 0 means one
    /// per available core, and more than [`ConvertOptions::MAX_THREADS`] fails the job.
    /// Default: 0.
    pub threads: usize,
    /// Which outputs each page gets; repeats are ignored and an empty list fails the job.
    /// Default: PNG and SVG.
    pub formats: Vec<OutputFormat>,
    /// Overrides the request's `grayscale` flag when set. Default: `None` (the request's
    /// flag, itself `true` when absent). The job decides its
    /// [`ColorMode`](diagram_core::ColorMode) once from these; every page's render, scene
    /// and SVG follow it.
    pub grayscale: Option<bool>,
    /// Draw the highlights onto the PNG as well (the hosted service's PNG has none).
    /// Default: `false`.
    pub annotate_png: bool,
    /// How pages are rendered: resolution and PDF engine. Default:
    /// [`RenderOptions::default`] (150 DPI, hayro).
    pub render: RenderOptions,
    /// How highlights look. Default: [`OverlayOptions::default`].
    pub overlay: OverlayOptions,
    /// How PNGs are compressed (the PNG output and the SVG's raster layer). Default:
    /// [`PngOptions::default`].
    pub png: PngOptions,
    /// How SVGs are written. Default: [`SvgOptions::default`].
    pub svg: SvgOptions,
    /// How tile pyramids ([`OutputFormat::Dzi`]) are cut and compressed. Default:
    /// [`DziOptions::default`] (254-pixel tiles, overlap 1, zlib level 1).
    #[serde(default)]
    pub dzi: DziOptions,
    /// The limits, of the request and of each file and page. Default:
    /// [`Limits::default`].
    pub limits: Limits,
    /// Where pages are converted: in this process, or in worker processes that no input
    /// can take down (see [`Isolation`]). Not serialised (it names a program of this
    /// machine). Default: [`Isolation::InProcess`].
    #[serde(skip)]
    pub isolation: Isolation,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self {
            threads: 0,
            formats: vec![OutputFormat::Png, OutputFormat::Svg],
            grayscale: None,
            annotate_png: false,
            render: RenderOptions::default(),
            overlay: OverlayOptions::default(),
            png: PngOptions::default(),
            svg: SvgOptions::default(),
            dzi: DziOptions::default(),
            limits: Limits::default(),
            isolation: Isolation::default(),
        }
    }
}

impl ConvertOptions {
    /// The most worker threads a converter starts: 256. More fails the job rather than
    /// exhausting the system's threads or processes.
    pub const MAX_THREADS: usize = 256;

    /// The number of worker threads this resolves to (at least 1).
    pub fn worker_threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }
    }
}
