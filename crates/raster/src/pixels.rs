//! Pixel conversions shared by every input: luminance and compositing onto white.

use image::{GrayImage, RgbImage};

use diagram_core::ColorMode;

use crate::PageImage;

pub use diagram_core::luma;

/// One channel of a colour with straight alpha, composited onto white.
#[inline]
pub(crate) fn over_white(c: u8, a: u8) -> u8 {
    // c*a/255 + (255 - a), rounded; exact for a = 0 and a = 255.
    ((c as u32 * a as u32 + 255 * (255 - a as u32) + 127) / 255) as u8
}

/// A page from premultiplied RGBA rows, composited onto white (`c + 255 - a`).
///
/// In [`ColorMode::Gray`] it becomes gray by [`luma`]; otherwise RGB. The conversion reads the
/// source once and writes the output once, so no third buffer is held.
pub(crate) fn from_premultiplied_rgba(
    width: u32,
    height: u32,
    rgba: &[u8],
    colors: ColorMode,
) -> PageImage {
    let px = |p: &[u8]| {
        let white = 255 - p[3];
        (p[0].saturating_add(white), p[1].saturating_add(white), p[2].saturating_add(white))
    };
    if colors.is_gray() {
        let data = rgba
            .chunks_exact(4)
            .map(|p| {
                let (r, g, b) = px(p);
                luma(r, g, b)
            })
            .collect();
        PageImage::Gray(GrayImage::from_raw(width, height, data).expect("4 bytes per pixel in"))
    } else {
        let mut data = Vec::with_capacity(rgba.len() / 4 * 3);
        for p in rgba.chunks_exact(4) {
            let (r, g, b) = px(p);
            data.extend_from_slice(&[r, g, b]);
        }
        PageImage::Rgb(RgbImage::from_raw(width, height, data).expect("4 bytes per pixel in"))
    }
}
