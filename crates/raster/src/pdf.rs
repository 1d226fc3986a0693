//! PDF pages through hayro: opening, page geometry, checks for damage, rendering.

use std::sync::{Arc, Mutex};

use diagram_core::{ColorMode, Deadline, GeometryError, PageFrame, PageGeometry};
use hayro::hayro_interpret::{InterpreterSettings, InterpreterWarning};
use hayro::hayro_syntax::budget;
use hayro::hayro_syntax::object::dict::keys::{CONTENTS, USER_UNIT};
use hayro::hayro_syntax::object::{Array, Dict, Stream};
use hayro::hayro_syntax::page::{Page, Rotation};
use hayro::hayro_syntax::{DecryptionError, Filter, LoadPdfError, Pdf, PdfData};
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{self, RasterizerSettings, RenderContext, TargetInit};
use hayro::{render_into, RenderCache, RenderSettings};
use rayon::prelude::*;

use crate::size::MAX_SIDE;
use crate::{pdf_check, pixels, RasterError};

/// The input bytes, shared with hayro without a copy.
struct SharedBytes(Arc<[u8]>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// An opened PDF and the geometry of each page.
pub(crate) struct PdfFile {
    pdf: Pdf,
    geometries: Vec<Result<PageGeometry, GeometryError>>,
    /// [`diagram_core::Limits::max_page_bytes`].
    budget: u64,
}

/// The warning of a page whose media box was replaced by US Letter.
const LETTER_FALLBACK: &str =
    "the page's media box is unusable; it was drawn on a US Letter page (612 x 792 pt), as other viewers do";

impl PdfFile {
    /// Parses the file; refuses damaged, truncated and password-protected files and
    /// files with no page or more than `max_pages` pages.
    ///
    /// Parsing runs under the memory budget of one page, `budget` bytes
    /// ([`diagram_core::Limits::max_page_bytes`]): an object stream that needs more fails
    /// the file.
    pub(crate) fn open(
        bytes: &Arc<[u8]>,
        max_pages: usize,
        budget: u64,
    ) -> Result<Self, RasterError> {
        if let Some(reason) = pdf_check::damage(bytes) {
            return Err(RasterError::DamagedPdf { reason });
        }
        let data = PdfData::from(Arc::new(SharedBytes(bytes.clone())));
        let (pdf, overrun) = budget::limit(budget, || Pdf::new(data));
        if let Some(o) = overrun {
            return Err(RasterError::DamagedPdf {
                reason: format!(
                    "opening it would need a buffer of {} MiB for {}, more than the budget of {} MiB",
                    o.bytes.div_ceil(1 << 20),
                    o.what,
                    o.budget.div_ceil(1 << 20)
                ),
            });
        }
        let pdf = pdf.map_err(load_error)?;
        let pages = pdf.pages();
        if pages.is_empty() {
            return Err(RasterError::NoPages);
        }
        if pages.len() > max_pages {
            return Err(RasterError::TooManyPages { count: pages.len(), max: max_pages });
        }
        let geometries = pages.iter().map(geometry).collect();
        Ok(Self { pdf, geometries, budget })
    }

    /// hayro's parsed document.
    pub(crate) fn pdf(&self) -> &Pdf {
        &self.pdf
    }

    /// The number of pages.
    pub(crate) fn page_count(&self) -> usize {
        self.geometries.len()
    }

    /// The geometry of page `index` (from 0).
    pub(crate) fn geometry(&self, index: usize) -> Result<PageGeometry, RasterError> {
        self.geometries[index]
            .clone()
            .map_err(|source| RasterError::BadGeometry { page: index + 1, source })
    }

    /// The warnings about the geometry of page `index`: that its media box was replaced
    /// (vendored hayro-syntax's patch 3).
    pub(crate) fn geometry_warnings(&self, index: usize) -> Vec<String> {
        let fallback = self.pdf.pages()[index].media_box_is_fallback();
        fallback.then(|| LETTER_FALLBACK.to_string()).into_iter().collect()
    }

    /// Renders page `index` onto an opaque white page of exactly the frame's size, drawn
    /// by [`PageFrame::content_transform`], handing its rows to `sink` band by band, top
    /// to bottom, in `colors` (see [`crate::Document::render_rows`]).
    ///
    /// Returns the warnings of the interpreter that do not make the page
    /// wrong (a missing font, an annotation without appearance).
    ///
    /// Runs under the page's memory budget: a buffer over it fails the page with
    /// [`RasterError::OverBudget`].
    pub(crate) fn render(
        &self,
        index: usize,
        frame: &PageFrame,
        colors: ColorMode,
        bands: Bands,
        deadline: Deadline,
        sink: &mut (dyn FnMut(u32, &mut [u8]) + Send),
    ) -> Result<Vec<String>, RasterError> {
        // The refusal explains whatever else failed (a stream that "cannot be decoded").
        self.within_budget(index, || {
            self.render_within(index, frame, colors, bands, deadline, sink)
        })?
    }

    /// Runs `f` under the page's memory budget; the first refusal is the error.
    pub(crate) fn within_budget<R>(
        &self,
        index: usize,
        f: impl FnOnce() -> R,
    ) -> Result<R, RasterError> {
        match budget::limit(self.budget, f) {
            (_, Some(o)) => Err(RasterError::OverBudget {
                page: index + 1,
                what: o.what.to_string(),
                bytes: o.bytes,
                budget: o.budget,
            }),
            (result, None) => Ok(result),
        }
    }

    fn render_within(
        &self,
        index: usize,
        frame: &PageFrame,
        colors: ColorMode,
        bands: Bands,
        deadline: Deadline,
        sink: &mut (dyn FnMut(u32, &mut [u8]) + Send),
    ) -> Result<Vec<String>, RasterError> {
        let page_no = index + 1;
        let page = &self.pdf.pages()[index];
        check_page(page).map_err(|reason| RasterError::BrokenPage { page: page_no, reason })?;
        let size = frame.size();
        let (width, height) = match (u16::try_from(size.width()), u16::try_from(size.height())) {
            (Ok(w), Ok(h)) => (w, h),
            _ => return Err(RasterError::TooLarge { page: page_no, size, max_side: MAX_SIDE }),
        };

        let seen = Arc::new(Mutex::new(Seen::default()));
        let record = seen.clone();
        let settings = InterpreterSettings {
            warning_sink: Arc::new(move |w| {
                if let Ok(mut seen) = record.lock() {
                    seen.record(w);
                }
            }),
            // Checked between content operators (vendored hayro-interpret's patch 1): past
            // the deadline the interpreter stops and the page fails below.
            interrupt: Arc::new(move || deadline.passed()),
            ..Default::default()
        };
        let t = frame.content_transform();
        let transform = Affine::new([t.a, t.b, t.c, t.d, t.e, t.f]);
        // With no helper threads, the page renders on the calling thread; with some, the
        // vendored vello_cpu's thread pool generates strips while this thread interprets,
        // then rasterizes and converts bands while this thread writes rows (its patch 2).
        // The pixels are the same either way.
        let ctx_settings =
            vello_cpu::RenderSettings { num_threads: bands.helper_threads, ..Default::default() };
        let mut ctx = RenderContext::new_with(width, height, ctx_settings);
        // The cache holds `Rc`s (not `Send`), so each call has its own.
        let cache = RenderCache::new();
        render_into(page, &cache, &settings, &RenderSettings::default(), &mut ctx, transform);
        // A stopped interpretation is not rasterised: the page fails as it is.
        if deadline.passed() {
            return Err(RasterError::TimedOut { page: page_no });
        }
        ctx.flush();
        // The page is rasterized in bands (vendored vello_cpu's patch 1) into reused band
        // buffers, and each band becomes gray or RGB rows of the page at once, handed to
        // the sink: neither a full-page RGBA buffer nor a full-page image.
        let row_bytes = size.width() as usize * colors.channels();
        let parallel = bands.helper_threads > 1;
        let mut slots = [Vec::new(), Vec::new()];
        ctx.render_bands(
            &mut vello_cpu::Resources::default(),
            RasterizerSettings { target_init: TargetInit::Clear(WHITE), ..Default::default() },
            band_rows(size.width(), bands.bytes),
            &mut slots,
            |_, band, rows| {
                rows.resize(band.height() as usize * row_bytes, 0);
                let rgba = band.data_as_u8_slice();
                if parallel {
                    // On the page's pool: its threads share the conversion.
                    let rgba_row = usize::from(band.width()) * 4;
                    rgba.par_chunks(CONVERT_ROWS * rgba_row)
                        .zip(rows.par_chunks_mut(CONVERT_ROWS * row_bytes))
                        .for_each(|(rgba, rows)| {
                            pixels::premultiplied_onto_white(rgba, rows, colors)
                        });
                } else {
                    pixels::premultiplied_onto_white(rgba, rows, colors);
                }
            },
            |y0, rows| sink(u32::from(y0), rows),
        );
        drop(ctx);
        drop(cache);
        // Also when the interpreter was stopped: the drawing is incomplete.
        if deadline.passed() {
            return Err(RasterError::TimedOut { page: page_no });
        }

        let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
        seen.outcome(page_no)
    }

    /// The outcome of page `index` as [`PdfFile::render_within`] reports it, from what a
    /// vector backend's interpretation of the page recorded in `seen`, without
    /// rasterizing: the page's content checks, then `seen`'s image failures and warnings.
    pub(crate) fn outcome_unrendered(
        &self,
        index: usize,
        seen: &Seen,
    ) -> Result<Vec<String>, RasterError> {
        let page_no = index + 1;
        check_page(&self.pdf.pages()[index])
            .map_err(|reason| RasterError::BrokenPage { page: page_no, reason })?;
        seen.outcome(page_no)
    }
}

/// How a hayro page is rasterized: its band budget and its helper threads, from the
/// [`crate::PagePlan`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bands {
    /// [`crate::PagePlan::band_bytes`].
    pub bytes: usize,
    /// [`crate::PagePlan::helper_threads`].
    pub helper_threads: u16,
}

/// Rows of a band converted to gray or RGB as one task when helper threads share the
/// conversion: 32 rows of an A0 sheet at 150 DPI are about 640 KB of RGBA.
const CONVERT_ROWS: usize = 32;

/// The rows of RGBA a band of a page `width` pixels wide may hold within `band_bytes`
/// ([`crate::RenderOptions::band_bytes`]); `render_bands` rounds them down to whole
/// 4-pixel strip rows, at least one.
pub(crate) fn band_rows(width: u32, band_bytes: usize) -> u16 {
    let rows = band_bytes / (width as usize * 4).max(1);
    rows.min(u16::MAX as usize) as u16
}

/// The interpreter's reports during one render.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen {
    image_failures: usize,
    fonts: usize,
    substituted_fonts: usize,
    annotations: usize,
    other: usize,
}

impl Seen {
    /// The page's warnings, or its error when an image could not be decoded (hayro draws
    /// nothing for it: a truncated file would show as a page with holes).
    fn outcome(&self, page_no: usize) -> Result<Vec<String>, RasterError> {
        if self.image_failures > 0 {
            return Err(RasterError::BrokenPage {
                page: page_no,
                reason: format!(
                    "{} image(s) on the page cannot be decoded; the file may be truncated",
                    self.image_failures
                ),
            });
        }
        Ok(self.warnings())
    }

    pub(crate) fn record(&mut self, warning: InterpreterWarning) {
        match warning {
            InterpreterWarning::ImageDecodeFailure => self.image_failures += 1,
            InterpreterWarning::UnsupportedFont => self.fonts += 1,
            InterpreterWarning::SubstitutedFont => self.substituted_fonts += 1,
            InterpreterWarning::UnresolvedAnnotationAppearance => self.annotations += 1,
            _ => self.other += 1,
        }
    }

    fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.fonts > 0 {
            out.push(format!(
                "{} font(s) on the page could not be loaded; their text may be missing",
                self.fonts
            ));
        }
        if self.substituted_fonts > 0 {
            // Counted per use of the font, not per font, so no number is given.
            out.push(
                "a font embedded in the page could not be read; its text was drawn with a \
                 substitute font and may look different"
                    .to_string(),
            );
        }
        if self.annotations > 0 {
            out.push(format!(
                "{} PDF annotation(s) have no usable appearance and were not drawn",
                self.annotations
            ));
        }
        if self.other > 0 {
            out.push(format!("the PDF renderer reported {} other problem(s)", self.other));
        }
        out
    }
}

fn load_error(e: LoadPdfError) -> RasterError {
    match e {
        LoadPdfError::Decryption(DecryptionError::PasswordProtected) => {
            RasterError::PasswordProtected
        }
        LoadPdfError::Decryption(d) => {
            let reason = match d {
                DecryptionError::MissingIDEntry => "the file identifier it needs is missing",
                DecryptionError::InvalidEncryption => "the encryption dictionary is invalid",
                DecryptionError::UnsupportedAlgorithm => "the encryption method is not supported",
                _ => "unknown encryption problem",
            };
            RasterError::UnreadableEncryption { reason: reason.to_string() }
        }
        LoadPdfError::Invalid => RasterError::DamagedPdf {
            reason: "its objects or page tree cannot be read".to_string(),
        },
    }
}

/// The geometry from the page's boxes and rotation (inherited through the page tree, as
/// hayro resolves them) and its `/UserUnit`.
fn geometry(page: &Page<'_>) -> Result<PageGeometry, GeometryError> {
    let corners = |r: hayro::hayro_syntax::object::Rect| [r.x0, r.y0, r.x1, r.y1];
    let rotate = match page.rotation() {
        Rotation::None => 0,
        Rotation::Horizontal => 90,
        Rotation::Flipped => 180,
        Rotation::FlippedHorizontal => 270,
    };
    // /UserUnit is not inheritable (PDF 32000-1, table 30): only the page's own dict.
    let user_unit = page.raw().get::<f64>(USER_UNIT);
    PageGeometry::pdf(corners(page.media_box()), Some(corners(page.crop_box())), rotate, user_unit)
}

/// Why the page's content or its direct resources cannot be loaded, if they cannot.
///
/// hayro skips what it cannot load and draws the rest, which turns a damaged page into
/// a blank or partial one; this makes it an error instead.
fn check_page(page: &Page<'_>) -> Result<(), String> {
    let raw = page.raw();
    if let Some(stream) = raw.get::<Stream<'_>>(CONTENTS) {
        // hayro decodes and keeps the stream; `None` means the decoding failed.
        if page.page_stream().is_none() || !inflates(&stream) {
            return Err("its content stream cannot be decoded".to_string());
        }
    } else if let Some(array) = raw.get::<Array<'_>>(CONTENTS) {
        let listed = array.raw_iter().count();
        let streams: Vec<Stream<'_>> = array.iter::<Stream<'_>>().collect();
        if streams.len() != listed {
            return Err(format!(
                "{} of its {listed} content streams cannot be loaded",
                listed - streams.len()
            ));
        }
        for s in streams {
            if s.decoded_data().is_err() || !inflates(&s) {
                return Err("a content stream cannot be decoded".to_string());
            }
        }
    } else if raw.contains_key(CONTENTS) {
        return Err("its content stream cannot be loaded".to_string());
    }
    let resources = page.resources();
    for name in resources.x_objects.keys() {
        if resources.x_objects.get::<Stream<'_>>(&name).is_none() {
            return Err(missing("image or form", &name));
        }
    }
    for name in resources.fonts.keys() {
        if resources.fonts.get::<Dict<'_>>(&name).is_none() {
            return Err(missing("font", &name));
        }
    }
    Ok(())
}

/// Whether a Flate-compressed stream starts with valid compressed data.
///
/// hayro's inflater is lenient (pdf.js's): data that is not deflate at all decodes to
/// junk, which draws nothing. A strict inflater that finds corrupt data within the
/// first 64 KiB of output, both as zlib and as raw deflate, marks such a stream; a cut
/// tail or a bad checksum is left to hayro, as viewers do. The probe is bounded, so
/// the check stays cheap.
fn inflates(stream: &Stream<'_>) -> bool {
    use miniz_oxide::inflate::{decompress_to_vec_with_limit, decompress_to_vec_zlib_with_limit};
    const PROBE: usize = 64 << 10;
    if stream.filters().first() != Some(&Filter::FlateDecode) {
        return true;
    }
    let raw = stream.raw_data();
    if raw.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    // `Failed` is corrupt data; a cut tail or a bad checksum has other statuses.
    let yields = |r: Result<Vec<u8>, miniz_oxide::inflate::DecompressError>| !matches!(r, Err(e) if e.status == miniz_oxide::inflate::TINFLStatus::Failed);
    yields(decompress_to_vec_zlib_with_limit(&raw, PROBE))
        || yields(decompress_to_vec_with_limit(&raw, PROBE))
}

fn missing(what: &str, name: &[u8]) -> String {
    format!("its {what} resource /{} cannot be loaded", String::from_utf8_lossy(name))
}
