//! Recognising the input type from the bytes, never from the file name.

use std::fmt;

use crate::RasterError;

/// The kind of an input file, as recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// A PDF document.
    Pdf,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
    /// A TIFF image, possibly with several pages (directories).
    Tiff,
}

impl InputKind {
    /// Every input kind, in the order resolvers try their file extensions.
    pub const ALL: [InputKind; 4] =
        [InputKind::Pdf, InputKind::Png, InputKind::Jpeg, InputKind::Tiff];

    /// The file extensions of this kind, lower case, without the dot, most usual first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            InputKind::Pdf => &["pdf"],
            InputKind::Png => &["png"],
            InputKind::Jpeg => &["jpg", "jpeg"],
            InputKind::Tiff => &["tif", "tiff"],
        }
    }

    /// Every input extension, kind by kind in [`InputKind::ALL`]'s order:
    /// `pdf, png, jpg, jpeg, tif, tiff`.
    ///
    /// ```
    /// use diagram_raster::InputKind;
    ///
    /// let all: Vec<_> = InputKind::all_extensions().collect();
    /// assert_eq!(all, ["pdf", "png", "jpg", "jpeg", "tif", "tiff"]);
    /// ```
    pub fn all_extensions() -> impl Iterator<Item = &'static str> {
        Self::ALL.into_iter().flat_map(|k| k.extensions().iter().copied())
    }

    /// The accepted kinds in words, as messages name them: `PDF, PNG, JPEG or TIFF`.
    pub fn accepted() -> String {
        let names: Vec<String> = Self::ALL.iter().map(|k| k.to_string()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.concat(),
        }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputKind::Pdf => "PDF",
            InputKind::Png => "PNG",
            InputKind::Jpeg => "JPEG",
            InputKind::Tiff => "TIFF",
        })
    }
}

/// How far into the file a PDF header may start; pdfium and Acrobat accept leading
/// garbage up to this length.
const PDF_HEADER_WINDOW: usize = 1024;

/// Recognises the kind of input from its magic bytes.
///
/// A PDF may have up to 1024 bytes of garbage before `%PDF-`, as viewers accept. Anything
/// that is not one of [`InputKind::ALL`] is [`RasterError::Unsupported`], naming what the
/// bytes look like (`"a ZIP archive"`, `"an HTML document"`, or `"unknown data starting
/// with 4d 5a 90 00"`), or [`RasterError::Empty`].
///
/// ```
/// use diagram_raster::{sniff, InputKind};
///
/// assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF").unwrap(), InputKind::Jpeg);
/// let err = sniff(b"PK\x03\x04\x14\0").unwrap_err();
/// assert!(err.to_string().contains("a ZIP archive"));
/// ```
pub fn sniff(bytes: &[u8]) -> Result<InputKind, RasterError> {
    if bytes.is_empty() {
        return Err(RasterError::Empty);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(InputKind::Png);
    }
    if bytes.starts_with(b"\xff\xd8\xff") {
        return Ok(InputKind::Jpeg);
    }
    if [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"].iter().any(|m| bytes.starts_with(*m)) {
        return Ok(InputKind::Tiff);
    }
    let head = &bytes[..bytes.len().min(PDF_HEADER_WINDOW + 5)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Ok(InputKind::Pdf);
    }
    Err(RasterError::Unsupported { found: describe(bytes) })
}

/// Names what unsupported bytes look like.
fn describe(bytes: &[u8]) -> String {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"BM", "a BMP image"),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a JPEG 2000 image"),
        (b"\xff\x4f\xff\x51", "a JPEG 2000 codestream"),
        (b"%!PS", "a PostScript document"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"Rar!\x1a\x07", "a RAR archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office document (OLE2)"),
        (b"MZ", "a Windows executable"),
        (b"\x7fELF", "an ELF executable"),
        (b"AC10", "an AutoCAD DWG drawing"),
        (b"\x00\x00\x01\x00", "an icon file"),
    ];
    if let Some((_, name)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return (*name).to_string();
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return "a WebP image".to_string();
    }
    if let Some(text) = text_prefix(bytes) {
        let lower = text.trim_start_matches('\u{feff}').trim_start().to_ascii_lowercase();
        if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
            return "an HTML document".to_string();
        }
        if lower.contains("<svg") {
            return "an SVG image".to_string();
        }
        if lower.starts_with("<?xml") || lower.starts_with('<') {
            return "an XML document".to_string();
        }
        if lower.starts_with('{') || lower.starts_with('[') {
            return "a JSON document".to_string();
        }
        return "a text file".to_string();
    }
    let hex: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("unknown data starting with {}", hex.join(" "))
}

/// The first bytes as text, when they are printable UTF-8.
fn text_prefix(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(512)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A multi-byte character cut by the window is still text.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let printable = text.chars().all(|c| !c.is_control() || c.is_whitespace());
    (printable && !text.trim().is_empty()).then_some(text)
}
