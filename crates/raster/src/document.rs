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
    /// Threads that help the calling thread render a page drawn by hayro; 0, as planned,
    /// renders it on the calling thread alone. With `n > 0` the page gets a pool of `n`
    /// threads: they turn its paths into strips while the calling thread interprets the
    /// page, then rasterize and convert its bands while the calling thread takes the
    /// rows. The pixels are the same whatever the number. A scheduler gives a page the
    /// threads that would otherwise idle, e.g. to the last page of a job; pdfium and the
    /// image decoders ignore it.
    pub helper_threads: u16,
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

/// One page rendered row by row by [`Document::render_rows`]: what it says besides its
/// pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamedPage {
    /// The page, from 0.
    pub index: usize,
    /// The page's frame, as in [`RenderedPage::frame`].
    pub frame: PageFrame,
    /// The plan's warnings, then the renderer's.
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

    /// The displayed area of page `index` (from 0), without rendering: square points
    /// (user units applied) for a PDF page, pixels for an image. The pages of one file
    /// share the unit, so this orders them by the work they take at one scale; a page
    /// whose geometry is unusable has area 0. `None` when there is no page `index`.
    pub fn page_area(&self, index: usize) -> Option<f64> {
        self.check_index(index).ok()?;
        Some(match &self.inner {
            Inner::Pdf(p) => p.geometry(index).map_or(0.0, |g| {
                let (w, h) = g.displayed_size_pt();
                w * h
            }),
            Inner::Image(i) => {
                let (w, h) = i.dimensions(index);
                w as f64 * h as f64
            }
        })
    }

    /// [`Document::page_area`] of every page, in page order, each a finite number (an area
    /// too large for an `f64` counts as 0, as an unusable geometry does), so that the
    /// list can be sent as JSON and sorted.
    pub fn page_areas(&self) -> Vec<f64> {
        (0..self.page_count())
            .map(|i| self.page_area(i).filter(|a| a.is_finite()).unwrap_or(0.0))
            .collect()
    }

    /// The frame of page `index` (from 0): its geometry and exact pixel size, without
    /// rendering.
    ///
    /// PDF pages get `dpi / 72` pixels per point, or the scale that makes their width
    /// [`target_width`](RenderOptions::target_width); images get
    /// [`image_scale`](RenderOptions::image_scale) pixels per pixel. Sides are rounded to
    /// the nearest pixel. A page above [`Limits::max_pixels`] (or, when pdfium renders
    /// it as one whole image, [`Limits::max_whole_pixels`]) or with
    /// a side above 65280 pixels is scaled down to fit, with a warning.
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
        // hayro renders in bands and images stream row by row; pdfium holds the whole
        // page image.
        let whole = match &self.inner {
            Inner::Pdf(_) => options.renderer == Renderer::Pdfium,
            Inner::Image(_) => false,
        };
        let max_pixels = match whole {
            true => limits.max_pixels.min(limits.max_whole_pixels.max(1)),
            false => limits.max_pixels,
        };
        let (frame, warning) = size::fit(geometry, scale, max_pixels).ok_or_else(|| {
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
            helper_threads: 0,
            warnings,
        })
    }

    /// What a vector backend reads of a planned page, to be done by `deadline`.
    pub fn source(&self, plan: &PagePlan, deadline: Deadline) -> crate::PageSource<'_> {
        crate::PageSource::new(self, plan.index, plan.frame, deadline)
    }

    /// [`Document::source`] whose reader records the interpreter's reports in `report`
    /// (through [`PageSource::warning_sink`](crate::PageSource::warning_sink)), for
    /// [`Document::outcome_unrendered`].
    pub fn source_reporting<'a>(
        &'a self,
        plan: &PagePlan,
        deadline: Deadline,
        report: &'a crate::PageReport,
    ) -> crate::PageSource<'a> {
        self.source(plan, deadline).reporting(report)
    }

    /// What [`Document::render`] would report about a planned PDF page (the plan's and the
    /// render's warnings, or why it fails: a content stream or images that cannot be
    /// decoded),
    /// from the `report` that a vector backend's full reading of the page recorded,
    /// without rasterizing it. For a job whose only output of the page is a vector
    /// drawing, which needs no pixels. An image page has no such checks: its decoding is
    /// its render.
    ///
    /// Images that the backend did not decode (wholly off the page, say) are not
    /// checked.
    pub fn outcome_unrendered(
        &self,
        plan: &PagePlan,
        report: &crate::PageReport,
    ) -> Result<Vec<String>, RasterError> {
        self.check_index(plan.index)?;
        let mut warnings = plan.warnings.clone();
        if let Inner::Pdf(p) = &self.inner {
            warnings.extend(p.outcome_unrendered(plan.index, &report.seen())?);
        }
        Ok(warnings)
    }

    /// Renders a planned page onto an opaque white page of the plan's size, in the job's
    /// colours.
    ///
    /// `deadline` is checked between content operators while a PDF page is interpreted
    /// by hayro and before and after each step; past it the page fails with
    /// [`RasterError::TimedOut`]. Errors here concern this page only.
    ///
    /// This holds the whole page image; [`Document::render_rows`] hands the rows on as
    /// they are rendered instead.
    pub fn render(
        &self,
        plan: &PagePlan,
        colors: ColorMode,
        deadline: Deadline,
    ) -> Result<RenderedPage, RasterError> {
        let size = plan.frame.size();
        let row_bytes = size.width() as usize * colors.channels();
        let mut collected = Vec::new();
        let mut collect = |y0: u32, rows: &mut [u8]| {
            debug_assert_eq!(collected.len(), y0 as usize * row_bytes, "rows in order");
            if collected.is_empty() {
                collected.reserve_exact(row_bytes * size.height() as usize);
            }
            collected.extend_from_slice(rows);
        };
        let (whole, warnings) = self.render_page(plan, colors, deadline, &mut collect)?;
        let image = match whole {
            Some(image) => image,
            None => PageImage::from_rows(size.width(), size.height(), collected, colors),
        };
        Ok(RenderedPage { index: plan.index, image, frame: plan.frame, warnings })
    }

    /// Whether [`Document::render_rows`] hands `plan`'s rows to its sink on the page's
    /// helper threads (a rayon pool of [`PagePlan::helper_threads`]): hayro pages with
    /// two or more. There, work the sink does on the current rayon pool (a
    /// [`PngStream::parallel`](crate::PngStream::parallel) encoder) shares those threads;
    /// elsewhere the sink runs on the calling thread.
    pub fn rows_on_helpers(&self, plan: &PagePlan) -> bool {
        matches!(self.inner, Inner::Pdf(_))
            && plan.renderer == Renderer::Hayro
            && plan.helper_threads > 1
    }

    /// Renders a planned page like [`Document::render`], but hands its rows to `sink` as
    /// they are done instead of returning an image: `sink(y0, rows)` gets whole rows of
    /// the page from row `y0` on, top to bottom without gaps or overlap, one byte per
    /// pixel for [`ColorMode::Gray`] and three for [`ColorMode::Rgb`]. The sink may
    /// change the rows (e.g. draw on them); they are not read again.
    ///
    /// A PDF page drawn by hayro is rasterized in bands of
    /// [`RenderOptions::band_bytes`], so memory does not grow with the page: this is how
    /// the engine writes PNGs of any size. PNG, JPEG and TIFF inputs stream too, in
    /// bands of the same height: non-interlaced PNGs and stripped TIFFs are decoded a row
    /// or a strip at a time and resampled as they go, the others decoded whole first.
    /// pdfium produces the whole image first and hands it on in bands.
    ///
    /// On an error the sink may have had some rows already; they must be discarded.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use diagram_core::{ColorMode, Deadline, Limits};
    /// use diagram_raster::{Document, RenderOptions};
    ///
    /// let mut png = Vec::new();
    /// image::GrayImage::from_pixel(3, 2, image::Luma([9]))
    ///     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    ///     .unwrap();
    /// let doc = Document::open(Arc::from(png), &Limits::default()).unwrap();
    /// let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
    /// let mut seen = Vec::new();
    /// doc.render_rows(&plan, ColorMode::Gray, Deadline::NONE, &mut |y0, rows| {
    ///     seen.push((y0, rows.to_vec()));
    /// })
    /// .unwrap();
    /// assert_eq!(seen, [(0, vec![9; 6])]);
    /// ```
    pub fn render_rows(
        &self,
        plan: &PagePlan,
        colors: ColorMode,
        deadline: Deadline,
        sink: &mut (dyn FnMut(u32, &mut [u8]) + Send),
    ) -> Result<StreamedPage, RasterError> {
        let (whole, warnings) = self.render_page(plan, colors, deadline, sink)?;
        if let Some(mut image) = whole {
            let width = image.width();
            let row_bytes = width as usize * image.channels();
            let band = row_bytes * crate::pdf::band_rows(width, plan.band_bytes).max(1) as usize;
            for (i, rows) in image.as_bytes_mut().chunks_mut(band).enumerate() {
                sink((i * (band / row_bytes)) as u32, rows);
            }
        }
        Ok(StreamedPage { index: plan.index, frame: plan.frame, warnings })
    }

    /// Renders a page: hayro and the image inputs stream their rows into `sink` and give
    /// no image; pdfium gives the whole image and leaves the sink alone.
    fn render_page(
        &self,
        plan: &PagePlan,
        colors: ColorMode,
        deadline: Deadline,
        sink: &mut (dyn FnMut(u32, &mut [u8]) + Send),
    ) -> Result<(Option<PageImage>, Vec<String>), RasterError> {
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
                    let bands = crate::pdf::Bands {
                        bytes: plan.band_bytes,
                        helper_threads: plan.helper_threads,
                    };
                    let more = p.render(index, &frame, colors, bands, deadline, sink)?;
                    warnings.extend(more);
                    None
                }
                // The displayed page at the exact scale, drawn from the corner as hayro
                // draws it (see `PageFrame::content_transform`).
                Renderer::Pdfium => Some(self.render_pdfium(index, &frame, colors)?),
            },
            Inner::Image(i) => {
                i.render_rows(&self.bytes, plan, colors, deadline, sink)?;
                None
            }
        };
        if deadline.passed() {
            return Err(timed_out());
        }
        Ok((image, warnings))
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

    /// Runs `f` under page `index`'s memory budget (see [`crate::PageSource::within_budget`]);
    /// images have none of hayro's buffers, so `f` just runs.
    pub(crate) fn within_budget<R>(
        &self,
        index: usize,
        f: impl FnOnce() -> R,
    ) -> Result<R, RasterError> {
        match &self.inner {
            Inner::Pdf(p) => p.within_budget(index, f),
            Inner::Image(_) => Ok(f()),
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
