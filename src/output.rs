//! The output formats and their writers: each page's scene and content in, a list of
//! artifacts out.
//!
//! To add a format: one [`OutputFormat`] variant (its name and file name), one writer
//! function below, and its arm in [`write_page`]. Sinks store any artifact without
//! knowing its format; `job.json` names it in `otherUrls` unless the hosted shape has a
//! field for it.

use diagram_core::{Deadline, PixelSize};
use diagram_overlay::{draw_rows, Channels, Scene};
use diagram_raster::{
    dzi_descriptor, fit_frame, Document, DziStream, PagePlan, PageReport, PngStream, StreamedPage,
};
use diagram_svg_writer::{assemble, page_layer, raster_scaled_warning, LayerKind};

use crate::error::PageError;
use crate::options::ConvertOptions;
use crate::page::PageSettings;

/// An output a page can get.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum OutputFormat {
    /// The page PNG (`pngUrl`): 8-bit gray or RGB, without highlights unless
    /// [`ConvertOptions::annotate_png`] is set.
    Png,
    /// The interactive page SVG (`svgUrl`): a page layer and one clickable group per
    /// annotation.
    Svg,
    /// A Deep Zoom tile pyramid (`otherUrls.dzi`, the URL of its descriptor), the layout
    /// `vips dzsave` writes and OpenSeadragon reads: `page-<n>.dzi` and the tiles
    /// `page-<n>_files/<level>/<col>_<row>.png`, in the page's colours, without
    /// highlights unless [`ConvertOptions::annotate_png`] is set; cut and compressed as
    /// [`ConvertOptions::dzi`] says (see [`diagram_raster::DziStream`]).
    Dzi,
}

impl OutputFormat {
    /// Every format, in the order of this list.
    pub const ALL: [OutputFormat; 3] = [OutputFormat::Png, OutputFormat::Svg, OutputFormat::Dzi];

    /// The format's name: the CLI's `--format` value, and its key in `otherUrls`.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Svg => "svg",
            OutputFormat::Dzi => "dzi",
        }
    }

    /// The format of a name given by [`OutputFormat::name`], any ASCII case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The file of page `page` (from 1) in its file's folder, which the page's URL names:
    /// `page-<n>.png`, `page-<n>.svg`, `page-<n>.dzi` (whose tiles are in
    /// `page-<n>_files/`).
    pub fn page_file(self, page: u32) -> String {
        format!("page-{page}.{}", self.extension())
    }

    /// The extension of [`OutputFormat::page_file`], without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Svg => "svg",
            OutputFormat::Dzi => "dzi",
        }
    }
}

impl std::fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One file of an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutputFile {
    /// The path relative to the file's output folder (its key), `/`-separated, e.g.
    /// `page-1.png`.
    pub path: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl OutputFile {
    /// A file at `path` (relative to the file's output folder) holding `bytes`.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self { path: path.into(), bytes }
    }
}

/// What one format produced for one page: one or more files, the first of which its URL
/// names (a PNG or an SVG is one file; a tile pyramid would be its descriptor, then its
/// tiles).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Artifact {
    /// The format.
    pub format: OutputFormat,
    /// The files, the main one first; never empty.
    pub files: Vec<OutputFile>,
}

impl Artifact {
    /// An artifact of one file: `format`'s page file of `page` holding `bytes`.
    pub fn single(format: OutputFormat, page: u32, bytes: Vec<u8>) -> Self {
        Self { format, files: vec![OutputFile::new(format.page_file(page), bytes)] }
    }

    /// The main file, the one the page's URL for this format names.
    pub fn main(&self) -> &OutputFile {
        &self.files[0]
    }
}

/// The formats of `options` without repeats, in the order given.
pub(crate) fn formats(options: &ConvertOptions) -> Vec<OutputFormat> {
    let mut out: Vec<OutputFormat> = Vec::with_capacity(options.formats.len());
    for &f in &options.formats {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Converts one planned page into every format's artifact, in the order of `formats`,
/// with the page's warnings: the renderer's (the plan's first), the scene's, then the
/// writers'.
///
/// The page is rendered once, in bands: each band's rows go into the PNG encoders and
/// the tile pyramid as they come (the plain ones, then the annotated ones after the
/// scene's highlights are drawn on the rows), so no whole page image is held. The SVG's
/// page layer is chosen first, so the plain PNG is encoded only when it is an output or
/// the SVG embeds it.
/// The page is rendered even when no PNG is needed, since rendering is what finds a
/// damaged page. `after_render` runs once the page is rendered (fault injection).
pub(crate) fn write_page(
    doc: &Document,
    plan: &PagePlan,
    scene: &Scene,
    settings: &PageSettings,
    deadline: Deadline,
    after_render: impl FnOnce(),
) -> Result<(Vec<Artifact>, Vec<String>), PageError> {
    let options = &settings.options;
    let formats = &settings.formats;
    let colors = settings.colors;
    let timed_out = || PageError::timed_out(&options.limits);
    let page = scene.page();

    // What interpreting the page for the SVG reports, so that a page whose outputs need
    // no pixels is checked without rendering it.
    let report = PageReport::new();
    let mut layer = match formats.contains(&OutputFormat::Svg) {
        true => {
            let source = doc.source_reporting(plan, deadline, &report);
            let layer = page_layer(scene, &source, &options.svg)
                .map_err(|e| PageError::from_svg(e, &options.limits))?;
            Some(layer)
        }
        false => None,
    };
    let size = plan.frame.size();
    let png_wanted = formats.contains(&OutputFormat::Png);
    let svg_raster = layer.as_ref().is_some_and(|l| l.kind() == LayerKind::Raster);
    // A raster layer past its pixel limit embeds a smaller render of its own.
    let svg_scaled = svg_raster && size.area() > options.svg.max_raster_pixels;
    let need_plain = (png_wanted && !options.annotate_png) || (svg_raster && !svg_scaled);
    let need_annotated = png_wanted && options.annotate_png;
    let dzi_wanted = formats.contains(&OutputFormat::Dzi);
    let draw = options.annotate_png && (png_wanted || dzi_wanted);
    if deadline.passed() {
        return Err(timed_out());
    }

    // On a page's helper threads the encoders' segments are compressed in parallel.
    let parallel = doc.rows_on_helpers(plan);
    let stream = || {
        PngStream::new(size.width(), size.height(), colors, &options.png)
            .map(|s| s.parallel(parallel))
    };
    let mut plain = need_plain.then(stream).transpose().map_err(PageError::Png)?;
    let mut annotated = need_annotated.then(stream).transpose().map_err(PageError::Png)?;
    let mut dzi = match dzi_wanted {
        true => Some(DziStream::new(size, colors, &options.dzi).map_err(PageError::Png)?),
        false => None,
    };
    let channels = if colors.is_gray() { Channels::Gray } else { Channels::Rgb };
    // A vector SVG alone needs no pixels: its reading of the page checked it (content,
    // images, fonts), and the render would only repeat that and draw pixels nobody keeps.
    let need_pixels = plain.is_some() || annotated.is_some() || dzi.is_some() || svg_scaled;
    let streams = (&mut plain, &mut annotated, &mut dzi);
    let render_warnings = match need_pixels {
        true => render_all(doc, plan, scene, settings, deadline, streams, channels, draw)?,
        false => doc
            .outcome_unrendered(plan, &report)
            .map_err(|e| PageError::from_render(e, &options.limits))?,
    };
    after_render();
    let mut warnings = render_warnings;
    warnings.extend(scene.warning());
    if deadline.passed() {
        return Err(timed_out());
    }
    let mut plain = plain.map(PngStream::finish).transpose().map_err(PageError::Png)?;
    let mut annotated = annotated.map(PngStream::finish).transpose().map_err(PageError::Png)?;
    let mut dzi = dzi.map(DziStream::finish).transpose().map_err(PageError::Png)?;

    let svg_png = match svg_scaled {
        true => Some(scaled_png(doc, plan, settings, deadline)?),
        false => None,
    };
    let svg_embeds_plain = svg_raster && !svg_scaled;
    let mut artifacts = Vec::with_capacity(formats.len());
    for &format in formats {
        match format {
            OutputFormat::Png => {
                let bytes = match options.annotate_png {
                    true => annotated.take(),
                    false if svg_embeds_plain => plain.clone(),
                    false => plain.take(),
                };
                let bytes = bytes.expect("the PNG was encoded");
                artifacts.push(Artifact::single(OutputFormat::Png, page, bytes));
            }
            OutputFormat::Svg => {
                let layer = layer.take().expect("the layer was chosen");
                warnings.extend(layer.warnings().iter().cloned());
                if let Some((_, embedded)) = &svg_png {
                    warnings.push(raster_scaled_warning(*embedded, &options.svg));
                }
                let png = svg_png.as_ref().map(|(png, _)| png.as_slice()).or(plain.as_deref());
                let svg = assemble(scene, layer, png)
                    .map_err(|e| PageError::from_svg(e, &options.limits))?;
                artifacts.push(Artifact::single(OutputFormat::Svg, page, svg.svg));
            }
            OutputFormat::Dzi => {
                let tiles = dzi.take().expect("the pyramid was built");
                artifacts.push(dzi_artifact(page, size, tiles, settings));
            }
        }
    }
    Ok((artifacts, warnings))
}

/// Renders the page, streaming its rows into the plain and annotated PNGs and the
/// pyramid that are wanted (drawing the highlights onto the rows in between when `draw`);
/// the render's warnings.
#[allow(clippy::too_many_arguments)]
fn render_all(
    doc: &Document,
    plan: &PagePlan,
    scene: &Scene,
    settings: &PageSettings,
    deadline: Deadline,
    (plain, annotated, dzi): Streams<'_>,
    channels: Channels,
    draw: bool,
) -> Result<Vec<String>, PageError> {
    let options = &settings.options;
    let rendered = render_rows(doc, plan, settings, deadline, |y0, rows| {
        if let Some(png) = plain.as_mut() {
            png.write_rows(rows).map_err(PageError::Png)?;
        }
        if let Some(dzi) = dzi.as_mut().filter(|_| !options.annotate_png) {
            dzi.write_rows(rows).map_err(PageError::Png)?;
        }
        if draw {
            // The plain outputs have had these rows: the highlights go onto them in place.
            draw_rows(scene, rows, y0, channels).map_err(PageError::Draw)?;
            if let Some(png) = annotated.as_mut() {
                png.write_rows(rows).map_err(PageError::Png)?;
            }
            if let Some(dzi) = dzi.as_mut() {
                dzi.write_rows(rows).map_err(PageError::Png)?;
            }
        }
        Ok(())
    })?;
    Ok(rendered.warnings)
}

/// The outputs a page's rows stream into: the plain PNG, the annotated PNG, the pyramid.
type Streams<'a> =
    (&'a mut Option<PngStream>, &'a mut Option<PngStream>, &'a mut Option<DziStream>);

/// Renders a planned page in the job's colours, handing each band's rows to `band`; the
/// first error `band` returns fails the page (the bands after it are not handed on).
fn render_rows(
    doc: &Document,
    plan: &PagePlan,
    settings: &PageSettings,
    deadline: Deadline,
    mut band: impl FnMut(u32, &mut [u8]) -> Result<(), PageError> + Send,
) -> Result<StreamedPage, PageError> {
    let mut failure = None;
    let rendered = doc
        .render_rows(plan, settings.colors, deadline, &mut |y0, rows| {
            if failure.is_none() {
                failure = band(y0, rows).err();
            }
        })
        .map_err(|e| PageError::from_render(e, &settings.options.limits))?;
    match failure {
        Some(e) => Err(e),
        None => Ok(rendered),
    }
}

/// The page PNG, without highlights, rendered again at the size an SVG raster layer may
/// embed ([`SvgOptions::max_raster_pixels`](diagram_svg_writer::SvgOptions)), and that
/// size.
fn scaled_png(
    doc: &Document,
    plan: &PagePlan,
    settings: &PageSettings,
    deadline: Deadline,
) -> Result<(Vec<u8>, PixelSize), PageError> {
    let options = &settings.options;
    let frame = fit_frame(&plan.frame, options.svg.max_raster_pixels);
    let small = PagePlan { frame, warnings: Vec::new(), ..plan.clone() };
    let size = frame.size();
    let mut png = PngStream::new(size.width(), size.height(), settings.colors, &options.png)
        .map_err(PageError::Png)?;
    render_rows(doc, &small, settings, deadline, |_, rows| {
        png.write_rows(rows).map_err(PageError::Png)
    })?;
    Ok((png.finish().map_err(PageError::Png)?, size))
}

/// The pyramid's artifact: the descriptor `page-<n>.dzi` (its main file), then each
/// tile at `page-<n>_files/<level>/<col>_<row>.png`.
fn dzi_artifact(
    page: u32,
    size: PixelSize,
    tiles: Vec<diagram_raster::DziTile>,
    settings: &PageSettings,
) -> Artifact {
    let format = OutputFormat::Dzi;
    let descriptor = dzi_descriptor(size, &settings.options.dzi).into_bytes();
    let mut files = Vec::with_capacity(tiles.len() + 1);
    files.push(OutputFile::new(format.page_file(page), descriptor));
    let folder = format!("page-{page}_files");
    files.extend(
        tiles.into_iter().map(|t| OutputFile::new(format!("{folder}/{}", t.path()), t.png)),
    );
    Artifact { format, files }
}
