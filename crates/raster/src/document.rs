//! An opened input file and the rendering of its pages.

use std::sync::Arc;

use diagram_core::{ColorMode, Deadline, Limits, PageFrame, PageGeometry};

use crate::images::{ImageFile, ImageKind};
use crate::pdf::PdfFile;
use crate::{size, sniff, InputKind, PageImage, RasterError, RenderOptions, Renderer};

/// What a page will look like before it is rendered: which page, its pixel frame, the
/// engine that will draw it, and why its size differs from the asked one, if it does.
#[derive(Debug, Clone, PartialEq)]
pub struct PagePlan {
    /// The page, from 0.
    pub index: usize,
    /// The page's frame: geometry, exact pixel size and the scale it was rounded from.
    pub frame: PageFrame,
    /// The engine for a PDF page (images are always decoded by the image crates).
    pub renderer: Renderer,
    /// hayro's band budget in bytes, [`RenderOptions::band_bytes`].
    pub band_bytes: usize,
    /// Notes for the page result, e.g. that the page was scaled down to fit
    /// [`Limits::max_pixels`].
    pub warnings: Vec<String>,
}

/// One rendered page.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPage {
    /// The page, from 0.
    pub index: usize,
    /// The opaque pixels; their size is the frame's.
    pub image: PageImage,
    /// The page's frame; [`PageFrame::content_transform`] maps user space onto these
    /// pixels as the renderer drew them.
    pub frame: PageFrame,
    /// The plan's warnings, then the renderer's (e.g. a font that could not be loaded).
    pub warnings: Vec<String>,
}

enum Inner {
    Pdf(PdfFile),
    Image(ImageFile),
}

/// An opened input file: a PDF, or a PNG, JPEG or TIFF image.
///
/// Opening checks the whole file (type, structure, page count); each page then renders
/// independently through `&self`, so one `Document` in an `Arc` serves many threads.
pub struct Document {
    bytes: Arc<[u8]>,
    kind: InputKind,
    inner: Inner,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("kind", &self.kind)
            .field("pages", &self.page_count())
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Document {
    /// Opens a file, recognising its type from the bytes.
    ///
    /// Errors here concern the whole file: unsupported type, damaged or truncated PDF,
    /// password protection, no pages or more than [`Limits::max_pages`], unreadable image
    /// header. Image decoding later runs under [`Limits::max_image_bytes`], PDF pages
    /// under [`Limits::max_page_bytes`] (the budget given here is the one their renders
    /// use).
    pub fn open(bytes: Arc<[u8]>, limits: &Limits) -> Result<Document, RasterError> {
        let kind = sniff(&bytes)?;
        let image = |kind| {
            ImageFile::open(&bytes, kind, limits.max_pages, limits.max_image_bytes)
                .map(Inner::Image)
        };
        let inner = match kind {
            InputKind::Pdf => {
                Inner::Pdf(PdfFile::open(&bytes, limits.max_pages, limits.max_page_bytes)?)
            }
            InputKind::Png => image(ImageKind::Png)?,
            InputKind::Jpeg => image(ImageKind::Jpeg)?,
            InputKind::Tiff => image(ImageKind::Tiff)?,
        };
        Ok(Document { bytes, kind, inner })
    }

    /// The detected type of the file.
    pub fn kind(&self) -> InputKind {
        self.kind
    }

    /// The number of pages, at least 1.
    pub fn page_count(&self) -> usize {
        match &self.inner {
            Inner::Pdf(p) => p.page_count(),
            Inner::Image(i) => i.page_count(),
        }
    }

    /// The frame of page `index` (from 0): its geometry and exact pixel size, without
    /// rendering.
    ///
    /// PDF pages get `dpi / 72` pixels per point, or the scale that makes their width
    /// [`target_width`](RenderOptions::target_width); images get
    /// [`image_scale`](RenderOptions::image_scale) pixels per pixel. Sides are rounded to
    /// the nearest pixel. A page above [`Limits::max_pixels`] or with a side above 65280
    /// pixels is scaled down to fit, with a warning.
    pub fn plan(
        &self,
        index: usize,
        options: &RenderOptions,
        limits: &Limits,
    ) -> Result<PagePlan, RasterError> {
        options.validate()?;
        if limits.max_pixels == 0 {
            return Err(RasterError::InvalidOptions("max_pixels must be at least 1".into()));
        }
        self.check_index(index)?;
        let (geometry, scale) = match &self.inner {
            Inner::Pdf(p) => {
                let geometry = p.geometry(index)?;
                let scale = match options.target_width {
                    Some(w) => w as f64 / geometry.displayed_size_pt().0,
                    None => options.dpi / 72.0,
                };
                (geometry, scale)
            }
            Inner::Image(i) => {
                let (w, h) = i.dimensions(index);
                let geometry = PageGeometry::image(w, h)
                    .map_err(|source| RasterError::BadGeometry { page: index + 1, source })?;
                (geometry, options.image_scale)
            }
        };
        let (frame, warning) = size::fit(geometry, scale, limits.max_pixels).ok_or_else(|| {
            RasterError::InvalidOptions(format!("the scale {scale} is not a positive number"))
        })?;
        let mut warnings = match &self.inner {
            Inner::Pdf(p) => p.geometry_warnings(index),
            Inner::Image(_) => Vec::new(),
        };
        warnings.extend(warning);
        Ok(PagePlan {
            index,
            frame,
            renderer: options.renderer,
            band_bytes: options.band_bytes,
            warnings,
        })
    }

    /// Renders a planned page onto an opaque white page of the plan's size, in the job's
    /// colours.
    ///
    /// `deadline` is checked between content operators while a PDF page is interpreted
    /// by hayro and before and after each step; past it the page fails with
    /// [`RasterError::TimedOut`]. Errors here concern this page only.
    pub fn render(
        &self,
        plan: &PagePlan,
        colors: ColorMode,
        deadline: Deadline,
    ) -> Result<RenderedPage, RasterError> {
        let index = plan.index;
        self.check_index(index)?;
        let frame = plan.frame;
        let timed_out = || RasterError::TimedOut { page: index + 1 };
        if deadline.passed() {
            return Err(timed_out());
        }
        let mut warnings = plan.warnings.clone();
        let image = match &self.inner {
            Inner::Pdf(p) => match plan.renderer {
                Renderer::Hayro => {
                    let (image, more) =
                        p.render(index, &frame, colors, plan.band_bytes, deadline)?;
                    warnings.extend(more);
                    image
                }
                // The displayed page at the exact scale, drawn from the corner as hayro
                // draws it (see `PageFrame::content_transform`).
                Renderer::Pdfium => self.render_pdfium(index, &frame, colors)?,
            },
            Inner::Image(i) => i.render(&self.bytes, index, frame.size(), colors)?,
        };
        if deadline.passed() {
            return Err(timed_out());
        }
        Ok(RenderedPage { index, image, frame, warnings })
    }

    #[cfg(feature = "pdfium")]
    fn render_pdfium(
        &self,
        index: usize,
        frame: &PageFrame,
        colors: ColorMode,
    ) -> Result<PageImage, RasterError> {
        crate::pdfium::render_page(&self.bytes, index, frame.size(), frame.exact_size(), colors)
    }

    #[cfg(not(feature = "pdfium"))]
    fn render_pdfium(
        &self,
        _: usize,
        _: &PageFrame,
        _: ColorMode,
    ) -> Result<PageImage, RasterError> {
        Err(RasterError::PdfiumUnavailable(crate::pdfium::NO_PDFIUM.to_string()))
    }

    /// hayro's parsed page `index` (from 0), for drawing it as vectors (also when the
    /// pages are rendered by pdfium); `None` for images and pages past the last.
    pub(crate) fn pdf_page(&self, index: usize) -> Option<&hayro::hayro_syntax::page::Page<'_>> {
        match &self.inner {
            Inner::Pdf(p) => p.pdf().pages().get(index),
            Inner::Image(_) => None,
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &Arc<[u8]> {
        &self.bytes
    }

    fn check_index(&self, index: usize) -> Result<(), RasterError> {
        let count = self.page_count();
        if index >= count {
            return Err(RasterError::NoSuchPage { page: index + 1, count });
        }
        Ok(())
    }
}
