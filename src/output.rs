//! The output formats and their writers: each page's scene and content in, a list of
//! artifacts out.
//!
//! To add a format: one [`OutputFormat`] variant (its name and file name), one writer
//! function below, and its arm in [`write_page`]. Sinks store any artifact without
//! knowing its format; `job.json` names it in `otherUrls` unless the hosted shape has a
//! field for it.

use diagram_overlay::{draw, Channels, Scene};
use diagram_raster::{encode_png, PageContent, PageImage};
use diagram_svg_writer::write_svg;

use crate::error::PageError;
use crate::options::ConvertOptions;

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
}

impl OutputFormat {
    /// Every format, in the order of this list.
    pub const ALL: [OutputFormat; 2] = [OutputFormat::Png, OutputFormat::Svg];

    /// The format's name: the CLI's `--format` value, and its key in `otherUrls`.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Svg => "svg",
        }
    }

    /// The format of a name given by [`OutputFormat::name`], any ASCII case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The file of page `page` (from 1) in its file's folder, which the page's URL names:
    /// `page-<n>.png`, `page-<n>.svg`.
    pub fn page_file(self, page: u32) -> String {
        format!("page-{page}.{}", self.extension())
    }

    /// The extension of [`OutputFormat::page_file`], without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Svg => "svg",
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

/// Runs every format's writer on one page and returns the artifacts in the order of
/// `formats`, and the writers' warnings.
///
/// Writers that read the page as rendered run first, in order; the annotated PNG draws
/// the highlights onto the page's own pixels, so it runs last, when nothing else needs
/// them (no copy of the page is made).
pub(crate) fn write_page(
    formats: &[OutputFormat],
    scene: &Scene,
    content: PageContent<'_>,
    options: &ConvertOptions,
) -> Result<(Vec<Artifact>, Vec<String>), PageError> {
    let page = scene.page();
    let mut artifacts = Vec::with_capacity(formats.len());
    let mut warnings = Vec::new();
    let mut annotated_png = false;
    for &format in formats {
        if content.deadline().passed() {
            return Err(PageError::timed_out(&options.limits));
        }
        match format {
            OutputFormat::Png if options.annotate_png => annotated_png = true,
            OutputFormat::Png => artifacts.push(png(page, &content)?),
            OutputFormat::Svg => artifacts.push(svg(scene, &content, options, &mut warnings)?),
        }
    }
    if annotated_png {
        if content.deadline().passed() {
            return Err(PageError::timed_out(&options.limits));
        }
        let png_options = *content.png_options();
        let mut image = content.into_rendered().image;
        artifacts.push(highlighted_png(scene, &mut image, &png_options)?);
    }
    artifacts.sort_by_key(|a| formats.iter().position(|&f| f == a.format));
    Ok((artifacts, warnings))
}

/// The page PNG without highlights; the SVG's raster layer shares its encoding.
fn png(page: u32, content: &PageContent<'_>) -> Result<Artifact, PageError> {
    let bytes = content.png().map_err(PageError::Png)?.to_vec();
    Ok(Artifact::single(OutputFormat::Png, page, bytes))
}

/// The page PNG with the scene's highlights drawn on its pixels.
fn highlighted_png(
    scene: &Scene,
    image: &mut PageImage,
    png_options: &diagram_raster::PngOptions,
) -> Result<Artifact, PageError> {
    let channels = match image {
        PageImage::Gray(_) => Channels::Gray,
        PageImage::Rgb(_) => Channels::Rgb,
    };
    draw(scene, image.as_bytes_mut(), scene.size(), channels).map_err(PageError::Draw)?;
    let bytes = encode_png(image, png_options).map_err(PageError::Png)?;
    Ok(Artifact::single(OutputFormat::Png, scene.page(), bytes))
}

/// The interactive SVG.
fn svg(
    scene: &Scene,
    content: &PageContent<'_>,
    options: &ConvertOptions,
    warnings: &mut Vec<String>,
) -> Result<Artifact, PageError> {
    let svg = write_svg(scene, content, &options.svg)
        .map_err(|e| PageError::from_svg(e, &options.limits))?;
    warnings.extend(svg.warnings);
    Ok(Artifact::single(OutputFormat::Svg, scene.page(), svg.svg))
}
