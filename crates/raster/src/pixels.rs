//! Pixel conversions shared by every input: luminance and compositing onto white.

use diagram_core::ColorMode;

pub use diagram_core::luma;

/// One channel of a colour with straight alpha, composited onto white.
#[inline]
pub(crate) fn over_white(c: u8, a: u8) -> u8 {
    // c*a/255 + (255 - a), rounded; exact for a = 0 and a = 255.
    ((c as u32 * a as u32 + 255 * (255 - a as u32) + 127) / 255) as u8
}

/// Pixels per block of the conversion: 16 pixels, 64 bytes of RGBA in.
const BLOCK: usize = 16;

/// Converts premultiplied RGBA pixels, composited onto white (`c + 255 - a` per channel),
/// into `out`: gray by [`luma`] in [`ColorMode::Gray`] (one byte per pixel), else RGB
/// (three bytes per pixel).
///
/// Rendered drawings are mostly opaque white, so a block of 16 white pixels is written
/// without computing; the other blocks run a loop without branches that the compiler
/// vectorises. The result is the same as converting pixel by pixel.
///
/// # Panics
/// When `out` does not hold exactly one (gray) or three (RGB) bytes per pixel of `rgba`,
/// or `rgba` is not whole pixels.
pub fn premultiplied_onto_white(rgba: &[u8], out: &mut [u8], colors: ColorMode) {
    assert_eq!(rgba.len() % 4, 0, "whole RGBA pixels");
    let channels = colors.channels();
    assert_eq!(out.len(), rgba.len() / 4 * channels, "one output pixel per input pixel");
    let mut src = rgba.chunks_exact(4 * BLOCK);
    let mut dst = out.chunks_exact_mut(channels * BLOCK);
    for (s, d) in (&mut src).zip(&mut dst) {
        // An AND over the block is 255 only when every byte is: opaque white.
        if s.iter().fold(255u8, |m, &b| m & b) == 255 {
            d.fill(255);
        } else {
            convert(s, d, channels);
        }
    }
    convert(src.remainder(), dst.into_remainder(), channels);
}

/// The pixel-by-pixel conversion of [`premultiplied_onto_white`].
#[inline(always)]
fn convert(rgba: &[u8], out: &mut [u8], channels: usize) {
    let white = |p: &[u8]| {
        let w = 255 - p[3];
        (p[0].saturating_add(w), p[1].saturating_add(w), p[2].saturating_add(w))
    };
    if channels == 1 {
        for (p, o) in rgba.chunks_exact(4).zip(out.iter_mut()) {
            let (r, g, b) = white(p);
            *o = luma(r, g, b);
        }
    } else {
        for (p, o) in rgba.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
            let (r, g, b) = white(p);
            o.copy_from_slice(&[r, g, b]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversion of one pixel, written out.
    fn reference(p: [u8; 4]) -> [u8; 3] {
        let w = 255 - p[3];
        [p[0].saturating_add(w), p[1].saturating_add(w), p[2].saturating_add(w)]
    }

    #[test]
    fn blocks_and_remainders_convert_as_single_pixels() {
        // 16 white pixels (the fast path), a block with one pixel that is not white,
        // and a remainder of 5 pixels; premultiplied values and some impossible ones
        // (colour above alpha), which saturate.
        let mut rgba = vec![255u8; 4 * 16];
        let mut mixed = vec![255u8; 4 * 16];
        mixed[4 * 7..4 * 8].copy_from_slice(&[10, 20, 30, 128]);
        rgba.extend(mixed);
        for p in
            [[0, 0, 0, 0], [0, 0, 0, 255], [200, 10, 0, 200], [250, 250, 250, 100], [1, 2, 3, 4]]
        {
            rgba.extend(p);
        }
        let pixels: Vec<[u8; 4]> = rgba.chunks_exact(4).map(|p| p.try_into().unwrap()).collect();

        let mut gray = vec![0; pixels.len()];
        premultiplied_onto_white(&rgba, &mut gray, ColorMode::Gray);
        let want: Vec<u8> =
            pixels.iter().map(|&p| reference(p)).map(|[r, g, b]| luma(r, g, b)).collect();
        assert_eq!(gray, want);
        assert_eq!(gray[16 + 7], luma(137, 147, 157));
        assert_eq!(&gray[32..], &[255, 0, luma(255, 65, 55), 255, luma(252, 253, 254)]);

        let mut rgb = vec![0; pixels.len() * 3];
        premultiplied_onto_white(&rgba, &mut rgb, ColorMode::Rgb);
        let want: Vec<u8> = pixels.iter().flat_map(|&p| reference(p)).collect();
        assert_eq!(rgb, want);
    }

    #[test]
    #[should_panic(expected = "one output pixel per input pixel")]
    fn a_short_output_is_refused() {
        premultiplied_onto_white(&[255; 8], &mut [0; 1], ColorMode::Gray);
    }
}
