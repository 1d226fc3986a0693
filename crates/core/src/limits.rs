//! The limits that keep one hostile or huge input from costing a whole job, in one place,
//! and the deadline a page's conversion is checked against.

use std::time::{Duration, Instant};

/// Every limit of diagram-convert, each default written here once. The counts of items,
/// annotations and entities are the hosted service's; the others are ours.
///
/// Request validation reads the `max_request_bytes` to `max_id_bytes` fields; the engine,
/// the resolvers and the renderers read the rest.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Largest request file, in bytes, refused before it is read. Default: 64 MiB.
    pub max_request_bytes: u64,
    /// Most items in a request. Default: 50 (the contract's).
    pub max_items: usize,
    /// Most annotations per item. Default: 1000 (the contract's).
    pub max_annotations: usize,
    /// Most vertices of a polygon. Default: 1000.
    pub max_vertices: usize,
    /// Most entities per annotation. Default: 5 (the contract's).
    pub max_entities: usize,
    /// Most fields in one entity object. Default: 100.
    pub max_entity_fields: usize,
    /// Longest entity, serialised as JSON, in bytes. Default: 16 KiB.
    pub max_entity_bytes: usize,
    /// Longest annotation text in bytes (UTF-8). Default: 1024.
    pub max_text_bytes: usize,
    /// Longest file reference string (external id, space) in bytes. Default: 1024.
    pub max_id_bytes: usize,
    /// Largest input file a resolver reads, in bytes; a larger one fails its item. The
    /// default of `diagram_convert::DirResolver` (its `with_max_file_bytes` sets another).
    /// Default: 2 GiB (2147483648).
    pub max_file_bytes: u64,
    /// A file with more pages fails (the hosted service's limit). Default: 50.
    pub max_pages: usize,
    /// A page with more pixels is scaled down to fit, with a warning. Default:
    /// 600000000, which admits an A0 sheet at 600 DPI (19866 x 28087, 558 M pixels) at
    /// its exact size. hayro renders a page in bands, so its memory does not grow with
    /// this; renders that hold the whole image are capped lower, at
    /// [`max_whole_pixels`](Self::max_whole_pixels).
    pub max_pixels: u64,
    /// A page that is rendered as one whole image (by pdfium) with more pixels is scaled
    /// down to fit, with a warning; the smaller of this and
    /// [`max_pixels`](Self::max_pixels) applies. PNG, JPEG and TIFF inputs stream onto
    /// the page row by row and are not capped by it. Default: 100000000 (400 MB of RGBA
    /// at most).
    pub max_whole_pixels: u64,
    /// The most bytes one page of a PNG, JPEG or TIFF input may hold while it is decoded
    /// and brought to its page size, estimated from the header before decoding (a row
    /// or a strip for non-interlaced PNGs and stripped TIFFs, the whole decoded image for
    /// the others, plus the resampler's rows and one band of the page); a larger image
    /// fails that page. Default: 2 GiB (2147483648).
    pub max_image_bytes: u64,
    /// The memory budget of one PDF page, in bytes: no buffer that hayro sizes from
    /// values in the file (a decoded stream, a predictor row, a decoded image or CCITT
    /// image, the dashes of a stroked line) may be larger, checked before it is
    /// allocated; a page that needs one fails with an error that says so. It bounds each
    /// buffer, not their sum (the page's own pixels, sized by
    /// [`max_pixels`](Self::max_pixels), are not counted); opening the file runs under
    /// it too. Default: 512 MiB (536870912).
    pub max_page_bytes: u64,
    /// A page whose conversion (render, highlights, PNG and SVG) takes longer fails with
    /// an error; `None` waits for ever. Default: 120 s.
    ///
    /// In-process the limit is a [`Deadline`], checked between content operators by the
    /// PDF interpreter (hayro, in the raster and the vector SVG pass) and between the
    /// stages of a page: best effort. A page stuck inside one step that does not check
    /// (pdfium, which cannot be interrupted; one huge image decode; the rasteriser's
    /// final pass) overruns it until that step returns.
    pub page_time_limit: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_bytes: 64 * 1024 * 1024,
            max_items: 50,
            max_annotations: 1000,
            max_vertices: 1000,
            max_entities: 5,
            max_entity_fields: 100,
            max_entity_bytes: 16 * 1024,
            max_text_bytes: 1024,
            max_id_bytes: 1024,
            max_file_bytes: 2 << 30,
            max_pages: 50,
            max_pixels: 600_000_000,
            max_whole_pixels: 100_000_000,
            max_image_bytes: 2 << 30,
            max_page_bytes: 512 << 20,
            page_time_limit: Some(Duration::from_secs(120)),
        }
    }
}

/// A point in time after which work on a page should stop, or none.
///
/// ```
/// use std::time::Duration;
/// use diagram_core::Deadline;
///
/// assert!(!Deadline::NONE.passed());
/// assert!(Deadline::after(Some(Duration::ZERO)).passed());
/// assert!(!Deadline::after(Some(Duration::from_secs(3600))).passed());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No deadline: [`Deadline::passed`] is always `false`.
    pub const NONE: Deadline = Deadline(None);

    /// The deadline `limit` from now; [`Deadline::NONE`] for `None` (or a limit so long
    /// that it cannot be represented).
    pub fn after(limit: Option<Duration>) -> Self {
        Deadline(limit.and_then(|l| Instant::now().checked_add(l)))
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        self.0.is_some_and(|at| Instant::now() >= at)
    }
}
