//! How a [`crate::Converter`] converts: one plain options struct.

use std::time::Duration;

use diagram_overlay::OverlayOptions;
use diagram_raster::{PngOptions, Renderer};
use diagram_svg_writer::PageLayerMode;

/// Which outputs each page gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Formats {
    /// Write the page PNG. Default: `true`.
    pub png: bool,
    /// Write the interactive page SVG. Default: `true`.
    pub svg: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Self { png: true, svg: true }
    }
}

/// Limits that keep one hostile or huge input from costing the whole job.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// A file with more pages fails (the hosted service's limit). Default: 50.
    pub max_pages: usize,
    /// A page with more pixels is scaled down to fit, with a warning. Default: 100000000.
    pub max_pixels: u64,
    /// The most bytes an image decoder may allocate for one page of a PNG, JPEG or TIFF
    /// input. Default: 2 GiB (2147483648).
    pub max_image_bytes: u64,
    /// A page that takes longer to convert (render, highlights, PNG and SVG) is abandoned
    /// and fails with an error; `None` waits for ever. Default: 120 s.
    ///
    /// With a limit, each page runs on its own thread while the worker waits for it. An
    /// abandoned page keeps that thread, and its memory, until the renderer returns by
    /// itself: neither hayro nor pdfium can be interrupted from outside. With pdfium,
    /// which renders one page at a time behind a lock, a page stuck in pdfium also
    /// holds that lock, so the next pdfium pages wait and may run out of time too;
    /// hayro pages are independent of each other.
    pub page_time_limit: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pages: 50,
            max_pixels: 100_000_000,
            max_image_bytes: 2 << 30,
            page_time_limit: Some(Duration::from_secs(120)),
        }
    }
}

/// Everything a [`crate::Converter`] can be told. Write the fields you need and take
/// the rest from `..Default::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertOptions {
    /// Pixels per inch for PDF pages. Default: 150.
    pub dpi: f64,
    /// If set, PDF pages are scaled to this width in pixels, overriding `dpi`.
    /// Default: `None`.
    pub target_width: Option<u32>,
    /// Output pixels per image pixel for PNG, JPEG and TIFF inputs. Default: 1.
    pub image_scale: f64,
    /// The PDF renderer. Default: [`Renderer::Hayro`].
    pub renderer: Renderer,
    /// Worker threads; 0 means one per available core. Default: 0.
    pub threads: usize,
    /// Which outputs to write. Default: PNG and SVG.
    pub formats: Formats,
    /// Draw the highlights onto the PNG as well (the hosted service's PNG has none).
    /// Default: `false`.
    pub annotate_png: bool,
    /// Whether the SVG's page layer is vector, raster, or chosen per page.
    /// Default: [`PageLayerMode::Auto`].
    pub svg_page_layer: PageLayerMode,
    /// Overrides the request's `grayscale` flag when set. Default: `None` (the request's
    /// flag, itself `true` when absent).
    pub grayscale: Option<bool>,
    /// The limits. Default: [`Limits::default`].
    pub limits: Limits,
    /// How highlights look. Default: [`OverlayOptions::default`].
    pub overlay: OverlayOptions,
    /// How PNGs are compressed. Default: [`PngOptions::default`].
    pub png: PngOptions,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self {
            dpi: 150.0,
            target_width: None,
            image_scale: 1.0,
            renderer: Renderer::Hayro,
            threads: 0,
            formats: Formats::default(),
            annotate_png: false,
            svg_page_layer: PageLayerMode::Auto,
            grayscale: None,
            limits: Limits::default(),
            overlay: OverlayOptions::default(),
            png: PngOptions::default(),
        }
    }
}

impl ConvertOptions {
    /// The number of worker threads this resolves to (at least 1).
    pub fn worker_threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }
    }
}
