//! Page rendering for diagram-convert: every page of a PDF, PNG, JPEG or TIFF input as
//! an opaque 8-bit gray or RGB image whose pixel frame is exactly the one of
//! [`diagram_core::PageGeometry`].
//!
//! ```
//! use std::sync::Arc;
//! use diagram_core::{ColorMode, Deadline, Limits};
//! use diagram_raster::{Document, InputKind, PageImage, RenderOptions};
//!
//! // A 3x2 red PNG; the type is recognised from the bytes.
//! let mut png = Vec::new();
//! image::RgbImage::from_pixel(3, 2, image::Rgb([255, 0, 0]))
//!     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
//!     .unwrap();
//! let doc = Document::open(Arc::from(png), &Limits::default()).unwrap();
//! assert_eq!((doc.kind(), doc.page_count()), (InputKind::Png, 1));
//!
//! let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
//! let page = doc.render(&plan, ColorMode::Gray, Deadline::NONE).unwrap();
//! let PageImage::Gray(gray) = &page.image else { panic!("gray by default") };
//! assert_eq!(gray.dimensions(), (3, 2));
//! assert_eq!(gray.get_pixel(0, 0).0, [76]); // Rec. 601 luma of pure red
//! ```
//!
//! # Inputs
//! The type comes from the first bytes ([`sniff`]), never the file name. PDFs are
//! parsed and rendered by hayro (pure Rust, with its embedded standard fonts, so output
//! needs no system fonts), or by pdfium when [`Renderer::Pdfium`] is chosen. PNG and
//! JPEG give one page; a TIFF gives one page per full-resolution directory. Image
//! decoding runs under [`Limits::max_image_bytes`](diagram_core::Limits::max_image_bytes).
//!
//! # Damaged files
//! hayro repairs broken files silently; a PDF cut short would render as a blank page.
//! So the file's tail is checked first (`startxref`, its offset, `%%EOF`, the entries of
//! a classic cross-reference table), each page's content streams and direct resources
//! must load, and an image the interpreter fails to decode fails the page.
//!
//! # Sizes
//! See [`RenderOptions`]: 150 DPI by default, sides rounded to the nearest pixel, pages
//! above `Limits::max_pixels` (600 million, an A0 sheet at 600 DPI) or a side above 65280
//! pixels (the rasteriser takes 16-bit sizes) scaled down with a warning. hayro renders
//! in bands ([`Document::render_rows`]) and PNG, JPEG and TIFF inputs stream onto the
//! page row by row, so a page of any size costs the same memory; pdfium holds the whole
//! image, so its pages are capped at `Limits::max_whole_pixels` (100 million).
//!
//! # Colour
//! Pages are composited onto white. In gray mode (the default) each pixel becomes
//! [`luma`] of its sRGB value, Rec. 601: `(299 R + 587 G + 114 B + 500) / 1000`.
//!
//! # Threads
//! [`Document`] is `Send + Sync`; rendering a page is a function of the document, the
//! page index and the options, so pages can render in parallel (the hayro renderer keeps
//! its caches per call).
#![forbid(unsafe_code)]

mod content;
mod document;
mod dzi;
mod encode;
mod error;
mod images;
mod options;
mod page_image;
mod pdf;
mod pdf_check;
mod pdfium;
mod pixels;
mod size;
mod sniff;

pub use content::{PageContent, PageReport, PageSource};
pub use document::{Document, PagePlan, RenderedPage, StreamedPage};
pub use dzi::{dzi_descriptor, DziLayout, DziOptions, DziStream, DziTile};
pub use encode::{
    encode_png, write_png, EncodeError, PngCompression, PngFilter, PngOptions, PngStream,
};
pub use error::RasterError;
pub use options::{RenderOptions, Renderer, DEFAULT_BAND_BYTES};
pub use page_image::PageImage;
pub use pdfium::pdfium_available;
#[cfg(feature = "pdfium")]
pub use pdfium::PDFIUM_LIBRARY_VAR;
pub use pixels::{luma, premultiplied_onto_white};
pub use size::fit_frame;
pub use sniff::{sniff, InputKind};
