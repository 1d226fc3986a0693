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
/// A page above [`Limits::max_pixels`](diagram_core::Limits::max_pixels) (for pdfium,
/// which renders one whole image,
/// [`Limits::max_whole_pixels`](diagram_core::Limits::max_whole_pixels)), or with a side
/// above 65280 pixels, is scaled down to fit, with a warning. The colours ([`ColorMode`](diagram_core::ColorMode)) are
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
    /// The band budget of hayro's rasterizer, in bytes: a PDF page is rasterized in
    /// horizontal bands of premultiplied RGBA (4 bytes per pixel) of about this size,
    /// each converted to the page's colours as soon as it is done, so no full-page RGBA
    /// buffer is held. A band is a whole number of 4-pixel strip rows, at least one, so
    /// the band of a page `w` pixels wide holds `max(4, budget / (4 w) rounded down to a
    /// multiple of 4)` rows. The pixels do not depend on it. Default: 8 MiB
    /// ([`DEFAULT_BAND_BYTES`]).
    #[serde(default = "default_band_bytes")]
    pub band_bytes: usize,
}

/// The default [`RenderOptions::band_bytes`]: 8 MiB, about 290 rows of an A0 sheet at
/// 150 DPI (7022 pixels wide).
pub const DEFAULT_BAND_BYTES: usize = 8 << 20;

fn default_band_bytes() -> usize {
    DEFAULT_BAND_BYTES
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            dpi: 150.0,
            target_width: None,
            image_scale: 1.0,
            renderer: Renderer::Hayro,
            band_bytes: DEFAULT_BAND_BYTES,
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
        if self.band_bytes == 0 {
            return bad("the band budget must be at least 1 byte".to_string());
        }
        Ok(())
    }
}
