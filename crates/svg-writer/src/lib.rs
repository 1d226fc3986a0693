//! The interactive SVG of diagram-convert: per page, a page layer (the PDF's own vector
//! drawing, or the page PNG) plus one clickable group per annotation, drawn from the
//! same overlay [`Scene`] as the PNG.
//!
//! ```
//! use std::sync::Arc;
//! use diagram_core::{Annotation, ColorMode, Deadline, Limits, Region, ShapeKind, Vertex};
//! use diagram_overlay::{OverlayOptions, Scene};
//! use diagram_raster::{Document, PageContent, PngOptions, RenderOptions};
//! use diagram_svg_writer::{write_svg, LayerKind, SvgOptions};
//!
//! // A 40 x 20 scan: its page layer is the page's PNG.
//! let mut png = Vec::new();
//! image::GrayImage::from_pixel(40, 20, image::Luma([255]))
//!     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
//!     .unwrap();
//! let doc = Document::open(Arc::from(png), &Limits::default()).unwrap();
//! let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
//! let page = doc.render(&plan, ColorMode::Gray, Deadline::NONE).unwrap();
//! let content = PageContent::new(&doc, page, PngOptions::default(), Deadline::NONE);
//!
//! let v = |x, y| Vertex { x, y };
//! let annotations = vec![Annotation {
//!     text: "21-PT-1019".into(),
//!     confidence: Some(0.93),
//!     region: Region {
//!         shape: ShapeKind::Rectangle,
//!         page: 1,
//!         vertices: vec![v(0.25, 0.5), v(0.75, 0.5), v(0.75, 0.75), v(0.25, 0.75)],
//!     },
//!     entities: None,
//! }];
//! let scene = Scene::build(&annotations, 1, content.frame(), ColorMode::Gray,
//!     &OverlayOptions::default());
//! let page = write_svg(&scene, &content, &SvgOptions::default()).unwrap();
//! assert_eq!(page.layer, LayerKind::Raster);
//! let svg = String::from_utf8(page.svg).unwrap();
//! assert!(svg.contains(r#"<rect class="highlight" x="10" y="10" width="20" height="5""#));
//! ```
//!
//! The document:
//! - root `<svg>` with `width`/`height` = the page PNG's pixels and `viewBox="0 0 W H"`,
//!   `xmlns` and `xmlns:xlink` declared on it;
//! - a `<style>` giving the hover effect (no script, no `on*` attribute anywhere);
//! - `<g id="page" class="page-layer" data-layer="vector|raster">`: the PDF page drawn in
//!   pixel coordinates at 2 decimals, by the same transform as the page's PNG
//!   ([`PageFrame::content_transform`](diagram_core::PageFrame::content_transform)), or
//!   `<image xlink:href="data:image/png;base64,…">` holding the page's PNG;
//! - `<g id="annotations">` with, per annotation in request order,
//!   `<g id="annotation-N" class="annotation" data-text data-confidence data-page>`
//!   holding `<title>`, `<metadata><id>TEXT</id><entities><entity><field name="KEY">`
//!   (array values as repeated `<value>`)…`</metadata>`, one `<rect>` or `<polygon>`
//!   `class="highlight"` in root pixel coordinates at 3 decimals (no transform on it or
//!   any ancestor), and the tag text as a transparent `<text class="tag-text">`.
//!
//! Every request string goes through one escaping writer; characters XML 1.0 forbids
//! (C0 controls other than tab, LF and CR, U+FFFE, U+FFFF) become U+FFFD.

#![forbid(unsafe_code)]

mod annotations;
#[cfg(test)]
mod budget_tests;
mod num;
mod vector;
mod xml;

use std::fmt::Write as _;

use base64::Engine as _;
use diagram_core::PixelSize;
use diagram_overlay::Scene;
use diagram_raster::{encode_png, fit_frame, EncodeError, PageContent, PageSource, RasterError};
use hayro::hayro_interpret::InterpreterCache;

use crate::vector::{vector_layer, VectorLayer, VectorSettings};
use crate::xml::Xml;

pub use crate::vector::SCAN_COVERAGE;

/// Which page layer to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum PageLayerMode {
    /// Vector for vector PDF pages within the size budget, raster for scans, images and
    /// pages past the budget (with a warning saying why). The default.
    #[default]
    Auto,
    /// Vector for every PDF page, whatever its size; images are still raster.
    Vector,
    /// The page PNG for every page.
    Raster,
}

/// The page layer a page got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    /// The PDF's paths, glyph outlines and images.
    Vector,
    /// The page PNG, embedded.
    Raster,
}

/// How SVGs are written. The colours are the scene's: on a gray page the vector layer's
/// colours become their BT.601 luminance and its images 8-bit gray; the raster layer is
/// the page's PNG, gray already.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SvgOptions {
    /// Which page layer. Default: [`PageLayerMode::Auto`].
    pub page_layer: PageLayerMode,
    /// The largest vector page layer `auto` keeps, in bytes; past it the layer is written
    /// again at one decimal fewer (unless the first pass shows it cannot fit either), then
    /// replaced by the page PNG. A pass stops writing as soon as it passes this size; a
    /// first pass that may be retried reads the rest of the page only to count its calls
    /// and check it for scans and unsupported features, and the last pass stops reading
    /// there too. Default: 6 MiB
    /// (6,291,456), which on the Valhall set keeps every vector sheet but the dense A4
    /// one vector, with a median SVG under 2 MB.
    pub max_vector_bytes: usize,
    /// The thinnest stroke of the vector layer, in output pixels, as rasterisers force a
    /// visible minimum (PDF hairlines are 0.1 pt or 0). Default: `1.0`.
    pub min_stroke_px: f64,
    /// Decimals of the vector layer's coordinates in pixels. Default: `2`.
    pub decimals: u32,
    /// The most pixels of the image a raster layer embeds ([`DEFAULT_MAX_RASTER_PIXELS`],
    /// 100 million, by default): a larger page is embedded scaled down to fit, still
    /// drawn over the whole page, since browsers cannot decode or show much larger
    /// images (an A0 sheet at 600 DPI has 558 M pixels). The page PNG itself keeps its
    /// size.
    #[serde(default = "default_max_raster_pixels")]
    pub max_raster_pixels: u64,
}

/// The default [`SvgOptions::max_raster_pixels`]: 100 million, an A0 sheet at 400 DPI.
pub const DEFAULT_MAX_RASTER_PIXELS: u64 = 100_000_000;

fn default_max_raster_pixels() -> u64 {
    DEFAULT_MAX_RASTER_PIXELS
}

impl Default for SvgOptions {
    fn default() -> Self {
        Self {
            page_layer: PageLayerMode::Auto,
            max_vector_bytes: 6 * 1024 * 1024,
            min_stroke_px: 1.0,
            decimals: 2,
            max_raster_pixels: DEFAULT_MAX_RASTER_PIXELS,
        }
    }
}

/// One written SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct SvgPage {
    /// The document, UTF-8.
    pub svg: Vec<u8>,
    /// The page layer it got.
    pub layer: LayerKind,
    /// What a user should know (why the page layer is raster, what it approximates).
    pub warnings: Vec<String>,
}

/// Why an SVG could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SvgError {
    /// The scene was built for another page frame than the content's.
    #[error("the highlights were placed on a {scene} page but the page is {content} pixels")]
    FrameMismatch {
        /// The scene's size.
        scene: PixelSize,
        /// The content's size.
        content: PixelSize,
    },
    /// The page PNG for the raster layer could not be encoded.
    #[error("the page image for the SVG could not be encoded: {0}")]
    Png(#[source] EncodeError),
    /// [`assemble`] was given a raster layer without the page PNG.
    #[error("the SVG's raster layer needs the page PNG, which was not given")]
    MissingPng,
    /// The page's deadline passed while its vector layer was written.
    #[error("writing the SVG stopped at the time limit")]
    TimedOut,
    /// The vector layer needed a buffer over the page's memory budget
    /// ([`RasterError::OverBudget`], the error the render would give).
    #[error(transparent)]
    OverBudget(RasterError),
}

/// Writes the SVG of a page: its page layer from `content`, then one group per shape of
/// `scene` (which carries each annotation's text, confidence and entities).
///
/// The raster layer is [`PageContent::png`], the page's PNG without highlights, so an
/// engine that also writes that PNG encodes it once. An engine that renders pages in
/// bands calls [`page_layer`] before rendering, so that it knows whether the SVG needs
/// the PNG, then [`assemble`].
pub fn write_svg(
    scene: &Scene,
    content: &PageContent<'_>,
    options: &SvgOptions,
) -> Result<SvgPage, SvgError> {
    let layer = page_layer(scene, &content.source(), options)?;
    if layer.kind() == LayerKind::Vector {
        return assemble(scene, layer, None);
    }
    let size = content.frame().size();
    let embedded = fit_frame(content.frame(), options.max_raster_pixels).size();
    if embedded == size {
        return assemble(scene, layer, Some(content.png().map_err(SvgError::Png)?));
    }
    let png = encode_png(&content.image().resized(embedded), content.png_options())
        .map_err(SvgError::Png)?;
    let mut svg = assemble(scene, layer, Some(&png))?;
    svg.warnings.push(raster_scaled_warning(embedded, options));
    Ok(svg)
}

/// The warning of an SVG whose raster layer embeds the page scaled down to `embedded`.
pub fn raster_scaled_warning(embedded: PixelSize, options: &SvgOptions) -> String {
    format!(
        "the SVG embeds the page image at {embedded} px, within its limit of {} pixels for \
         browsers; the PNG has the full size",
        options.max_raster_pixels
    )
}

/// The page layer of one SVG, chosen from the page's content before its pixels are
/// needed: the vector markup, or the word that the page PNG is embedded.
#[derive(Debug, Clone, PartialEq)]
pub struct PageLayer {
    size: PixelSize,
    /// The vector markup; `None` for the raster layer.
    markup: Option<String>,
    warnings: Vec<String>,
}

impl PageLayer {
    /// Which layer it is: for [`LayerKind::Raster`], [`assemble`] needs the page PNG.
    pub fn kind(&self) -> LayerKind {
        match self.markup {
            Some(_) => LayerKind::Vector,
            None => LayerKind::Raster,
        }
    }

    /// Why the layer is what it is, for the user (e.g. that the page is embedded as an
    /// image because its vector drawing is over the size limit).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Chooses and writes the page layer of a page's SVG: vector for a PDF page within the
/// options' budget, raster for images, scans and pages past it (see [`PageLayerMode`]).
pub fn page_layer(
    scene: &Scene,
    source: &PageSource<'_>,
    options: &SvgOptions,
) -> Result<PageLayer, SvgError> {
    let size = source.frame().size();
    if scene.size() != size {
        return Err(SvgError::FrameMismatch { scene: scene.size(), content: size });
    }
    let mut warnings = Vec::new();
    let markup = vector_markup(scene, source, options, &mut warnings)?;
    Ok(PageLayer { size, markup, warnings })
}

/// Writes the SVG of a page from its [`page_layer`] and the annotation groups of
/// `scene`; `png` is the page PNG without highlights, which a raster layer embeds (and
/// a vector layer ignores).
pub fn assemble(scene: &Scene, layer: PageLayer, png: Option<&[u8]>) -> Result<SvgPage, SvgError> {
    let size = layer.size;
    if scene.size() != size {
        return Err(SvgError::FrameMismatch { scene: scene.size(), content: size });
    }
    let PageLayer { markup, warnings, .. } = layer;
    let (kind, markup) = match markup {
        Some(markup) => (LayerKind::Vector, markup),
        None => (LayerKind::Raster, raster_markup(size, png.ok_or(SvgError::MissingPng)?)),
    };

    let (w, h) = (size.width(), size.height());
    let mut xml = Xml::new();
    xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    xml.start("svg");
    xml.attr_raw("xmlns", "http://www.w3.org/2000/svg");
    xml.attr_raw("xmlns:xlink", "http://www.w3.org/1999/xlink");
    xml.attr_raw("width", &w.to_string());
    xml.attr_raw("height", &h.to_string());
    xml.attr_raw("viewBox", &format!("0 0 {w} {h}"));
    xml.start("style");
    xml.text(annotations::STYLE);
    xml.end();
    xml.start("g");
    xml.attr_raw("id", "page");
    xml.attr_raw("class", "page-layer");
    xml.attr_raw(
        "data-layer",
        match kind {
            LayerKind::Vector => "vector",
            LayerKind::Raster => "raster",
        },
    );
    xml.raw(&markup);
    drop(markup);
    xml.end();
    xml.start("g");
    xml.attr_raw("id", "annotations");
    annotations::write_annotations(&mut xml, scene);
    xml.end();
    xml.end();
    Ok(SvgPage { svg: xml.finish().into_bytes(), layer: kind, warnings })
}

/// The vector layer's markup, or `None` for the raster layer.
fn vector_markup(
    scene: &Scene,
    source: &PageSource<'_>,
    options: &SvgOptions,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, SvgError> {
    let page = match (options.page_layer, source.pdf_page()) {
        (PageLayerMode::Raster, _) | (_, None) => return Ok(None),
        (_, Some(page)) => page,
    };
    let frame = source.frame();
    let deadline = source.deadline();
    let auto = options.page_layer == PageLayerMode::Auto;
    let may_retry = may_retry(options);
    let settings = |decimals, stop_at_budget| VectorSettings {
        frame: *frame,
        decimals,
        grayscale: scene.colors().is_gray(),
        min_stroke_px: options.min_stroke_px,
        budget: if auto { options.max_vector_bytes } else { usize::MAX },
        stop_at_budget,
        detect_scan: auto,
    };
    // Fonts and images parsed by the first pass serve the retry too.
    let cache = InterpreterCache::new();
    // Under the page's memory budget, as the render: interpreting the page decodes the
    // same streams and images.
    // Each pass records the interpreter's reports anew in the source's report, if it has
    // one (the engine's, to skip the render of a page that needs no pixels).
    let pass = |decimals, stop_at_budget| {
        source.clear_report();
        let sink = source.warning_sink();
        source
            .within_budget(|| {
                vector_layer(page, settings(decimals, stop_at_budget), &cache, deadline, sink)
            })
            .map_err(SvgError::OverBudget)?
            .ok_or(SvgError::TimedOut)
    };
    let mut layer: VectorLayer = pass(options.decimals, first_pass_stops_at_budget(options))?;
    if layer.scan {
        // The page is essentially one image: the PNG is that image, rendered.
        return Ok(None);
    }
    if may_retry && layer.over_budget && !retry_hopeless(&layer, options) {
        let first = layer;
        layer = pass(options.decimals - 1, true)?;
        if layer.stopped {
            // The first pass read the whole page: what it found unsupported holds.
            layer.unsupported = first.unsupported;
        }
    }
    let approximated: Vec<&str> = layer.unsupported.iter().copied().collect();
    if auto && !approximated.is_empty() {
        warnings.push(format!(
            "the page is embedded as an image because its vector drawing uses {}",
            approximated.join(" and ")
        ));
        return Ok(None);
    }
    if layer.over_budget {
        warnings.push(format!(
            "the page is embedded as an image because its vector drawing is larger than \
             the {:.1} MB limit for SVG page layers",
            options.max_vector_bytes as f64 / 1e6
        ));
        return Ok(None);
    }
    if !approximated.is_empty() {
        warnings.push(format!(
            "the SVG page layer approximates {} (shown in flat gray or unmasked)",
            approximated.join(" and ")
        ));
    }
    Ok(Some(layer.markup))
}

/// Whether a vector layer over the budget may be written again at one decimal fewer:
/// in `auto` (the only mode with a budget), after a first pass at more than 0 decimals.
fn may_retry(options: &SvgOptions) -> bool {
    options.page_layer == PageLayerMode::Auto && options.decimals > 0
}

/// Whether the first vector pass stops reading the page at the budget: when no retry may
/// follow, since the page PNG then replaces the layer whatever the rest holds; a pass
/// that may be retried reads on, to count the calls the retry's estimate extrapolates
/// from.
fn first_pass_stops_at_budget(options: &SvgOptions) -> bool {
    !may_retry(options)
}

/// The share of its size (0.6) that a vector layer keeps, at most, when written at one
/// decimal fewer, as [`retry_hopeless`] assumes. Measured on the Valhall set, one decimal
/// fewer keeps 93.6% (PH-25578-P-4110006-001, the dense A4 sheet), 89.1%
/// (PH-25578-P-4110010-001) and 85% (PH-ME-P-0003-001, PH-ME-P-0004-001) of the SVG; 0.6
/// leaves room for pages that shrink far more and for the error of the estimate.
const ONE_DECIMAL_FEWER_KEEPS: f64 = 0.6;

/// Whether a layer cut off at the budget is so far over it that the same page at one
/// decimal fewer cannot fit either, so the retry is skipped (it would interpret the whole
/// page again only to fall back to the raster layer).
///
/// The full size is extrapolated from the bytes written per drawing call before the cut,
/// since the calls past it are counted but not written.
fn retry_hopeless(layer: &VectorLayer, options: &SvgOptions) -> bool {
    if layer.written == 0 {
        // Not even the first call fitted: the page's own background rectangle is over.
        return true;
    }
    let estimated = layer.markup.len() as f64 * layer.calls as f64 / layer.written as f64;
    estimated * ONE_DECIMAL_FEWER_KEEPS > options.max_vector_bytes as f64
}

fn raster_markup(size: PixelSize, png: &[u8]) -> String {
    let mut s = String::with_capacity(png.len() * 4 / 3 + 200);
    let _ = write!(
        s,
        "<image width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
         xlink:href=\"data:image/png;base64,",
        size.width(),
        size.height()
    );
    base64::engine::general_purpose::STANDARD.encode_string(png, &mut s);
    s.push_str("\"/>");
    s
}
