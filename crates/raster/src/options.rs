//! Options for rendering pages (the limits are [`diagram_core::Limits`]).

use crate::RasterError;

/// Which engine renders PDF pages. Images are always decoded by the `image` and `tiff`
/// crates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Renderer {
    /// hayro, a pure-Rust renderer built into the binary (the default). Pages render in
    /// parallel.
    #[default]
    Hayro,
    /// pdfium, bound at run time (feature `pdfium`). It renders one page at a time.
    Pdfium,
}

/// How pages are rendered: their size and the PDF engine.
///
/// Sizes: a PDF page of `w` x `h` points (crop box, `/Rotate` and `/UserUnit` applied)
/// renders at `w * dpi / 72` x `h * dpi / 72` pixels, each side rounded to the nearest
/// whole pixel (halves up) and at least 1, as
/// [`PageGeometry::pixel_size`](diagram_core::PageGeometry::pixel_size) does. An image
/// renders at `width * image_scale` x `height * image_scale`, rounded the same way.
/// A page above [`Limits::max_pixels`](diagram_core::Limits::max_pixels), or with a side above 65280 pixels, is scaled
/// down to fit, with a warning. The colours ([`ColorMode`](diagram_core::ColorMode)) are
/// the job's, given to [`Document::render`](crate::Document::render).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderOptions {
    /// Pixels per inch for PDF pages. Default: 150.
    pub dpi: f64,
    /// If set, PDF pages are scaled so that their width is this many pixels, overriding
    /// [`dpi`](Self::dpi). Default: `None`.
    pub target_width: Option<u32>,
    /// Output pixels per image pixel for PNG, JPEG and TIFF inputs. Default: 1.0 (one image
    /// pixel is one output pixel, no resampling).
    pub image_scale: f64,
    /// The engine for PDF pages. Default: [`Renderer::Hayro`].
    pub renderer: Renderer,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self { dpi: 150.0, target_width: None, image_scale: 1.0, renderer: Renderer::Hayro }
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
        Ok(())
    }
}
