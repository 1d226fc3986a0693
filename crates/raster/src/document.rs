//! An opened input file and the rendering of its pages.

use std::sync::Arc;

use diagram_core::{PageGeometry, PixelSize};

use crate::images::ImageFile;
use crate::pdf::PdfFile;
use crate::{size, sniff, InputKind, OpenOptions, PageImage, RasterError, RenderOptions, Renderer};

/// What a page will look like before it is rendered: its geometry, its pixel size and
/// why that size differs from the asked one, if it does.
#[derive(Debug, Clone, PartialEq)]
pub struct PagePlan {
    /// The page's geometry (for an image, its pixel size with one unit per pixel).
    pub geometry: PageGeometry,
    /// The exact size of the rendered image.
    pub size: PixelSize,
    /// Notes for the page result, e.g. that the page was scaled down to fit `max_pixels`.
    pub warnings: Vec<String>,
}

/// One rendered page.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPage {
    /// The opaque pixels; its size is the plan's [`PagePlan::size`].
    pub image: PageImage,
    /// The page's geometry; [`PageGeometry::user_to_pixels`] with the image's size maps
    /// user space onto these pixels.
    pub geometry: PageGeometry,
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
    renderer: Renderer,
    inner: Inner,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("kind", &self.kind)
            .field("renderer", &self.renderer)
            .field("pages", &self.page_count())
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Document {
    /// Opens a file, recognising its type from the bytes.
    ///
    /// Errors here concern the whole file: unsupported type, damaged or truncated PDF,
    /// password protection, no pages or more than
    /// [`max_pages`](OpenOptions::max_pages), unreadable image header.
    pub fn open(bytes: Arc<[u8]>, options: &OpenOptions) -> Result<Document, RasterError> {
        let kind = sniff(&bytes)?;
        let inner = match kind {
            InputKind::Pdf => Inner::Pdf(PdfFile::open(&bytes, options.max_pages)?),
            kind => Inner::Image(ImageFile::open(
                &bytes,
                kind,
                options.max_pages,
                options.max_image_bytes,
            )?),
        };
        Ok(Document { bytes, kind, renderer: options.renderer, inner })
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

    /// The geometry and exact pixel size of page `index` (from 0), without rendering.
    ///
    /// PDF pages get `dpi / 72` pixels per point, or the scale that makes their width
    /// [`target_width`](RenderOptions::target_width); images get
    /// [`image_scale`](RenderOptions::image_scale) pixels per pixel. Sides are rounded to
    /// the nearest pixel. A page above [`max_pixels`](RenderOptions::max_pixels) or with a
    /// side above 65280 pixels is scaled down to fit, with a warning.
    pub fn plan(&self, index: usize, options: &RenderOptions) -> Result<PagePlan, RasterError> {
        self.plan_at(index, options).map(|(plan, _)| plan)
    }

    /// [`Document::plan`] and the scale the size was rounded from (pixels per point, or
    /// per image pixel).
    fn plan_at(
        &self,
        index: usize,
        options: &RenderOptions,
    ) -> Result<(PagePlan, f64), RasterError> {
        options.validate()?;
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
        let (size, scale, warning) = size::fit(&geometry, scale, options.max_pixels);
        Ok((PagePlan { geometry, size, warnings: warning.into_iter().collect() }, scale))
    }

    /// Renders page `index` (from 0) at the size [`Document::plan`] gives, onto an
    /// opaque white page, in gray or RGB.
    ///
    /// Errors here concern this page only (see [`RasterError::is_file_level`]).
    pub fn render(
        &self,
        index: usize,
        options: &RenderOptions,
    ) -> Result<RenderedPage, RasterError> {
        let (PagePlan { geometry, size, mut warnings }, scale) = self.plan_at(index, options)?;
        let image = match &self.inner {
            Inner::Pdf(p) => match self.renderer {
                Renderer::Hayro => {
                    let (image, more) = p.render(index, size, scale, options.grayscale)?;
                    warnings.extend(more);
                    image
                }
                Renderer::Pdfium => {
                    // The displayed page at the exact scale, drawn from the corner as hayro
                    // draws it (see `pdf::content_transform`).
                    let (w, h) = geometry.displayed_size_pt();
                    self.render_pdfium(index, size, (w * scale, h * scale), options.grayscale)?
                }
            },
            Inner::Image(i) => i.render(&self.bytes, index, size, options.grayscale)?,
        };
        Ok(RenderedPage { image, geometry, warnings })
    }

    #[cfg(feature = "pdfium")]
    fn render_pdfium(
        &self,
        index: usize,
        size: PixelSize,
        exact: (f64, f64),
        grayscale: bool,
    ) -> Result<PageImage, RasterError> {
        crate::pdfium::render_page(&self.bytes, index, size, exact, grayscale)
    }

    #[cfg(not(feature = "pdfium"))]
    fn render_pdfium(
        &self,
        _: usize,
        _: PixelSize,
        _: (f64, f64),
        _: bool,
    ) -> Result<PageImage, RasterError> {
        Err(RasterError::PdfiumUnavailable(
            "this build has no pdfium support; rebuild diagram-raster with the `pdfium` feature"
                .to_string(),
        ))
    }

    /// hayro's parsed PDF, for drawing the page as vectors (also when the pages are
    /// rendered by pdfium); `None` for images.
    pub fn pdf(&self) -> Option<&hayro::hayro_syntax::Pdf> {
        match &self.inner {
            Inner::Pdf(p) => Some(p.pdf()),
            Inner::Image(_) => None,
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &Arc<[u8]> {
        &self.bytes
    }

    /// The renderer chosen when opening.
    pub fn renderer(&self) -> Renderer {
        self.renderer
    }

    fn check_index(&self, index: usize) -> Result<(), RasterError> {
        let count = self.page_count();
        if index >= count {
            return Err(RasterError::NoSuchPage { page: index + 1, count });
        }
        Ok(())
    }
}
