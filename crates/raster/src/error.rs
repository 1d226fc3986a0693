//! The errors of page rendering, split into file-level and page-level ones.

use diagram_core::{GeometryError, PixelSize};

use crate::InputKind;

/// Why a file could not be opened or a page could not be rendered.
///
/// [`Document::open`](crate::Document::open) fails with the errors that concern the
/// whole file; [`Document::plan`](crate::Document::plan) and
/// [`Document::render`](crate::Document::render) with those of one page (or of the
/// options).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RasterError {
    /// The file is empty.
    #[error("the file is empty")]
    Empty,
    /// The bytes are not a file of any [`InputKind`].
    #[error("unsupported input: found {found}; expected a {} file", InputKind::accepted())]
    Unsupported {
        /// What the bytes look like, e.g. "a ZIP archive".
        found: String,
    },
    /// The PDF is encrypted with a password that is not empty.
    #[error("the PDF is protected by a password; remove the protection and convert it again")]
    PasswordProtected,
    /// The PDF is encrypted in a way that cannot be decrypted.
    #[error("the PDF is encrypted in a way that cannot be read ({reason})")]
    UnreadableEncryption {
        /// What is wrong with the encryption.
        reason: String,
    },
    /// The PDF is truncated or its structure is damaged.
    #[error("the PDF is damaged: {reason}")]
    DamagedPdf {
        /// What was found, in words a user understands.
        reason: String,
    },
    /// The PDF has no page.
    #[error("the PDF has no pages")]
    NoPages,
    /// The file has more pages than the limit allows.
    #[error("the file has {count} pages, more than the limit of {max}")]
    TooManyPages {
        /// The number of pages found (for a TIFF, counting stops a little past the limit).
        count: usize,
        /// The limit, [`Limits::max_pages`](diagram_core::Limits::max_pages).
        max: usize,
    },
    /// An image file whose header cannot be read.
    #[error("cannot read the {kind} image: {message}")]
    BadImage {
        /// The detected kind of the file.
        kind: InputKind,
        /// The decoder's message.
        message: String,
    },
    /// The render options or limits are out of range.
    #[error("invalid render options: {0}")]
    InvalidOptions(String),
    /// A page whose planned size is more than the rasteriser can draw (it takes 16-bit
    /// sides).
    #[error("page {page}: {size} pixels exceed the {max_side}-pixel side limit")]
    TooLarge {
        /// The page, counted from 1.
        page: usize,
        /// Its planned size.
        size: PixelSize,
        /// The longest side the renderer draws.
        max_side: u32,
    },
    /// The page's deadline ([`diagram_core::Limits::page_time_limit`]) passed while it
    /// was rendered; its drawing was stopped.
    #[error("page {page}: rendering stopped at the time limit")]
    TimedOut {
        /// The page, counted from 1.
        page: usize,
    },
    /// A page that needs a buffer larger than the memory budget
    /// ([`Limits::max_page_bytes`](diagram_core::Limits::max_page_bytes) for PDF pages,
    /// [`Limits::max_image_bytes`](diagram_core::Limits::max_image_bytes) for images);
    /// it was refused before it was allocated.
    #[error("page {page}: {what} would need {} MiB of memory, more than the page's budget of {} MiB", mib(*.bytes), mib(*.budget))]
    OverBudget {
        /// The page, counted from 1.
        page: usize,
        /// What the memory was for, e.g. "a decoded image".
        what: String,
        /// The bytes it needed (`u64::MAX` when the size overflows).
        bytes: u64,
        /// The budget in bytes.
        budget: u64,
    },
    /// The pdfium renderer was asked for but cannot be used.
    #[error("pdfium is not available: {0}")]
    PdfiumUnavailable(String),
    /// A page index past the last page.
    #[error("page {page} does not exist: the file has {count} pages")]
    NoSuchPage {
        /// The page asked for, counted from 1.
        page: usize,
        /// The number of pages.
        count: usize,
    },
    /// A page whose boxes, rotation or unit make no sense.
    #[error("page {page}: {source}")]
    BadGeometry {
        /// The page, counted from 1.
        page: usize,
        /// What is wrong.
        source: GeometryError,
    },
    /// A PDF page whose content cannot be loaded.
    #[error("page {page} is damaged: {reason}")]
    BrokenPage {
        /// The page, counted from 1.
        page: usize,
        /// What cannot be loaded.
        reason: String,
    },
    /// An image page whose pixels cannot be decoded.
    #[error("page {page}: cannot decode the {kind} image: {message}")]
    ImageDecode {
        /// The page, counted from 1.
        page: usize,
        /// The detected kind of the file.
        kind: InputKind,
        /// The decoder's message.
        message: String,
    },
    /// The pdfium renderer failed on a page.
    #[error("page {page}: pdfium cannot render it: {message}")]
    PdfiumPage {
        /// The page, counted from 1.
        page: usize,
        /// pdfium's message.
        message: String,
    },
}

/// Bytes in whole MiB, rounded up.
fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}
