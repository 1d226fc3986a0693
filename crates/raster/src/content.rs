//! The page content handle: what every backend draws a page from.

use std::cell::OnceCell;
use std::sync::{Arc, Mutex};

use hayro::hayro_interpret::WarningSinkFn;

use diagram_core::{ColorMode, Deadline, PageFrame};

use crate::pdf::Seen;
use crate::{encode_png, Document, EncodeError, PageImage, PngOptions, RenderedPage};

/// One rendered page of a [`Document`], handed to the backends (the PNG and SVG
/// writers): its pixels and frame, its PNG encoding (made at most once, whoever asks
/// first), and for PDF pages the parsed page for a vector backend.
///
/// Backends are functions of (page scene, page content, their options); they need no
/// knowledge of which renderer drew the pixels.
///
/// ```
/// use std::sync::Arc;
/// use diagram_core::{ColorMode, Deadline, Limits};
/// use diagram_raster::{Document, PageContent, PngOptions, RenderOptions};
///
/// let mut png = Vec::new();
/// image::GrayImage::from_pixel(3, 2, image::Luma([9]))
///     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
///     .unwrap();
/// let doc = Document::open(Arc::from(png), &Limits::default()).unwrap();
/// let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
/// let page = doc.render(&plan, ColorMode::Gray, Deadline::NONE).unwrap();
/// let content = PageContent::new(&doc, page, PngOptions::default(), Deadline::NONE);
/// assert!(content.pdf_page().is_none()); // an image has no vector content
/// let first = content.png().unwrap().as_ptr();
/// assert_eq!(content.png().unwrap().as_ptr(), first); // encoded once
/// ```
pub struct PageContent<'a> {
    doc: &'a Document,
    index: usize,
    page: RenderedPage,
    png_options: PngOptions,
    png: OnceCell<Vec<u8>>,
    deadline: Deadline,
}

impl std::fmt::Debug for PageContent<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageContent")
            .field("index", &self.index)
            .field("frame", &self.page.frame)
            .field("png_options", &self.png_options)
            .finish_non_exhaustive()
    }
}

/// What a vector backend reads of a page before (or without) its pixels: the frame, the
/// parsed PDF page and the deadline. [`Document::source`] gives it for a planned page,
/// [`PageContent::source`] for a rendered one.
#[derive(Clone, Copy)]
pub struct PageSource<'a> {
    doc: &'a Document,
    index: usize,
    frame: PageFrame,
    deadline: Deadline,
    report: Option<&'a PageReport>,
}

/// What the interpreter reported while a vector backend read a page (font problems,
/// undecodable images, annotations without appearance), so that a page that needs no
/// pixels need not be rendered to be checked: [`Document::outcome_unrendered`] turns it
/// into the warnings or the error [`Document::render`] would give. A
/// [`Document::source_reporting`] source hands its sink to the backend through
/// [`PageSource::warning_sink`].
#[derive(Debug, Clone, Default)]
pub struct PageReport {
    seen: Arc<Mutex<Seen>>,
}

impl PageReport {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets what was recorded: a backend that interprets the page again (at another
    /// precision, say) starts the report anew, so nothing is counted twice.
    pub fn clear(&self) {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Seen::default();
    }

    pub(crate) fn seen(&self) -> Seen {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn sink(&self) -> WarningSinkFn {
        let seen = self.seen.clone();
        Arc::new(move |w| seen.lock().unwrap_or_else(|e| e.into_inner()).record(w))
    }
}

impl std::fmt::Debug for PageSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageSource")
            .field("index", &self.index)
            .field("frame", &self.frame)
            .finish_non_exhaustive()
    }
}

impl<'a> PageSource<'a> {
    pub(crate) fn new(
        doc: &'a Document,
        index: usize,
        frame: PageFrame,
        deadline: Deadline,
    ) -> Self {
        Self { doc, index, frame, deadline, report: None }
    }

    pub(crate) fn reporting(self, report: &'a PageReport) -> Self {
        Self { report: Some(report), ..self }
    }

    /// The interpreter's warning sink for a vector backend that reads the page: it
    /// records into the source's [`PageReport`] when it has one (and ignores warnings
    /// otherwise). A backend that interprets the page more than once calls
    /// [`PageSource::clear_report`] before each pass.
    pub fn warning_sink(&self) -> WarningSinkFn {
        match self.report {
            Some(report) => report.sink(),
            None => Arc::new(|_| {}),
        }
    }

    /// Clears the source's [`PageReport`], if it has one, before the page is read again.
    pub fn clear_report(&self) {
        if let Some(report) = self.report {
            report.clear();
        }
    }

    /// The page's frame.
    pub fn frame(&self) -> &PageFrame {
        &self.frame
    }

    /// The deadline of the page's conversion; backends that can stop early check it.
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// hayro's parsed page, for a vector backend (also when the pixels are drawn by
    /// pdfium); `None` for images.
    pub fn pdf_page(&self) -> Option<&'a hayro::hayro_syntax::page::Page<'a>> {
        self.doc.pdf_page(self.index)
    }

    /// Runs `f`, which reads [`pdf_page`](Self::pdf_page) (interprets it, decodes its
    /// streams and images), under the page's memory budget
    /// ([`Limits::max_page_bytes`](diagram_core::Limits::max_page_bytes)), as the
    /// render runs: a buffer that hayro sizes from the file and that is over the budget
    /// is refused before it is allocated, and the first refusal is returned as
    /// [`RasterError::OverBudget`](crate::RasterError::OverBudget) (whatever `f` made of
    /// the missing buffer is dropped). A vector backend that interprets the page must go
    /// through this: outside it nothing is budgeted, and a few hundred bytes of PDF can
    /// ask for tens of GB.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use diagram_core::{Deadline, Limits};
    /// # use diagram_raster::{Document, RenderOptions};
    /// # let mut png = Vec::new();
    /// # image::GrayImage::from_pixel(3, 2, image::Luma([9]))
    /// #     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    /// #     .unwrap();
    /// # let doc = Document::open(Arc::from(png), &Limits::default()).unwrap();
    /// let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
    /// let source = doc.source(&plan, Deadline::NONE);
    /// assert_eq!(source.within_budget(|| 7).unwrap(), 7);
    /// ```
    pub fn within_budget<R>(&self, f: impl FnOnce() -> R) -> Result<R, crate::RasterError> {
        self.doc.within_budget(self.index, f)
    }
}

impl<'a> PageContent<'a> {
    /// What a vector backend reads of the page.
    pub fn source(&self) -> PageSource<'a> {
        PageSource::new(self.doc, self.index, self.page.frame, self.deadline)
    }

    /// The content of `page`, rendered from `doc`, whose PNG is encoded
    /// with `png_options`, to be finished by `deadline`.
    pub fn new(
        doc: &'a Document,
        page: RenderedPage,
        png_options: PngOptions,
        deadline: Deadline,
    ) -> Self {
        Self { doc, index: page.index, page, png_options, png: OnceCell::new(), deadline }
    }

    /// The page's frame.
    pub fn frame(&self) -> &PageFrame {
        &self.page.frame
    }

    /// The rendered pixels, without highlights.
    pub fn image(&self) -> &PageImage {
        &self.page.image
    }

    /// The colours the page was rendered in.
    pub fn colors(&self) -> ColorMode {
        self.page.image.colors()
    }

    /// The renderer's warnings for this page (and the plan's).
    pub fn warnings(&self) -> &[String] {
        &self.page.warnings
    }

    /// The deadline of the page's conversion; backends that can stop early check it.
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// The page's PNG, without highlights, encoded with the content's [`PngOptions`] on
    /// the first call; later calls return the same bytes.
    pub fn png(&self) -> Result<&[u8], EncodeError> {
        if let Some(png) = self.png.get() {
            return Ok(png);
        }
        let png = encode_png(&self.page.image, &self.png_options)?;
        Ok(self.png.get_or_init(|| png))
    }

    /// How [`PageContent::png`] encodes.
    pub fn png_options(&self) -> &PngOptions {
        &self.png_options
    }

    /// hayro's parsed page, for a vector backend (also when the pixels were drawn by
    /// pdfium); `None` for images.
    pub fn pdf_page(&self) -> Option<&'a hayro::hayro_syntax::page::Page<'a>> {
        self.doc.pdf_page(self.index)
    }

    /// The rendered page, for a backend that draws on the pixels (the annotated PNG).
    pub fn into_rendered(self) -> RenderedPage {
        self.page
    }
}
