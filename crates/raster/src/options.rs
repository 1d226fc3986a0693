//! Options for opening a file and rendering its pages.

use crate::RasterError;

/// Which engine renders PDF pages. Images are always decoded by the `image` and `tiff`
/// crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Renderer {
    /// hayro, a pure-Rust renderer built into the binary (the default). Pages render in
    /// parallel.
    #[default]
    Hayro,
    /// pdfium, bound at run time (feature `pdfium`). It renders one page at a time.
    Pdfium,
}

/// Limits and choices that apply to a whole file.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOptions {
    /// The engine for PDF pages. Default: [`Renderer::Hayro`].
    pub renderer: Renderer,
    /// A file with more pages than this fails with [`RasterError::TooManyPages`].
    /// Default: 50.
    pub max_pages: usize,
    /// The most bytes an image decoder may allocate for one page (PNG, JPEG and TIFF
    /// inputs); a larger image fails that page instead of exhausting memory.
    /// Default: 2 GiB (2147483648).
    pub max_image_bytes: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self { renderer: Renderer::Hayro, max_pages: 50, max_image_bytes: 2 << 30 }
    }
}

/// How large a page is rendered and in which colours.
///
/// Sizes: a PDF page of `w` x `h` points (crop box, `/Rotate` and `/UserUnit` applied)
/// renders at `w * dpi / 72` x `h * dpi / 72` pixels, each side rounded to the nearest
/// whole pixel (halves up) and at least 1, as
/// [`PageGeometry::pixel_size`](diagram_core::PageGeometry::pixel_size) does. An image
/// renders at `width * image_scale` x `height * image_scale`, rounded the same way.
/// A page above [`max_pixels`](Self::max_pixels), or with a side above 65280 pixels, is
/// scaled down to fit, with a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Pixels per inch for PDF pages. Default: 150.
    pub dpi: f64,
    /// If set, PDF pages are scaled so that their width is this many pixels, overriding
    /// [`dpi`](Self::dpi). Default: `None`.
    pub target_width: Option<u32>,
    /// Output pixels per image pixel for PNG, JPEG and TIFF inputs. Default: 1.0 (one image
    /// pixel is one output pixel, no resampling).
    pub image_scale: f64,
    /// The most pixels a page may have; a larger page is scaled down to fit and the
    /// result carries a warning. Default: 100000000.
    pub max_pixels: u64,
    /// Whether to produce 8-bit gray ([`PageImage::Gray`](crate::PageImage::Gray), by
    /// [`luma`](crate::luma)) rather than RGB. Default: `true`.
    pub grayscale: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            dpi: 150.0,
            target_width: None,
            image_scale: 1.0,
            max_pixels: 100_000_000,
            grayscale: true,
        }
    }
}

impl RenderOptions {
    /// Checks that every number is in range.
    pub fn validate(&self) -> Result<(), RasterError> {
        let bad = |m: String| Err(RasterError::InvalidOptions(m));
        if !(self.dpi.is_finite() && self.dpi > 0.0) {
            return bad(format!("dpi must be a positive number, not {}", self.dpi));
        }
        if self.target_width == Some(0) {
            return bad("the target width must be at least 1 pixel".to_string());
        }
        if !(self.image_scale.is_finite() && self.image_scale > 0.0) {
            return bad(format!(
                "the image scale must be a positive number, not {}",
                self.image_scale
            ));
        }
        if self.max_pixels == 0 {
            return bad("max_pixels must be at least 1".to_string());
        }
        Ok(())
    }
}
