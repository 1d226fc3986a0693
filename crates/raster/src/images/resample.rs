//! Rows of an image brought onto the page: alpha composited onto white, converted to gray
//! or RGB, and resampled to the page's size as they stream, holding only the few source
//! rows that the filter reaches at once.
//!
//! The resampling is the `image` crate's `resize` with `FilterType::Triangle` (a vertical
//! pass, then a horizontal one, in `f32`, each output pixel the normalised triangle-
//! weighted sum of its source pixels, rounded), computed in the same order, so a page has
//! the same pixels as when it was decoded whole and resized by `image`; the tests compare
//! the two.

use std::collections::VecDeque;

use crate::pixels::{luma, over_white};

/// Writes one source row of `channels` 8-bit samples (gray, gray and alpha, RGB or RGBA)
/// as the page's pixels: 1 byte each when `gray`, else 3; alpha composited onto white.
///
/// The same conversions, pixel for pixel, as the whole-image path had: gray by [`luma`]
/// of RGB, gray with alpha composited per channel and then taken through [`luma`], gray
/// to RGB by repeating it.
pub(super) fn flatten_row(src: &[u8], channels: usize, gray: bool, out: &mut [u8]) {
    match (channels, gray) {
        (1, true) | (3, false) => out.copy_from_slice(src),
        (1, false) => {
            for (o, &v) in out.chunks_exact_mut(3).zip(src) {
                o.fill(v);
            }
        }
        (3, true) => {
            for (o, p) in out.iter_mut().zip(src.chunks_exact(3)) {
                *o = luma(p[0], p[1], p[2]);
            }
        }
        (2, gray) => {
            for (i, p) in src.chunks_exact(2).enumerate() {
                let v = over_white(p[0], p[1]);
                match gray {
                    true => out[i] = luma(v, v, v),
                    false => out[i * 3..i * 3 + 3].fill(v),
                }
            }
        }
        (_, gray) => {
            for (i, p) in src.chunks_exact(4).enumerate() {
                let (r, g, b) =
                    (over_white(p[0], p[3]), over_white(p[1], p[3]), over_white(p[2], p[3]));
                match gray {
                    true => out[i] = luma(r, g, b),
                    false => out[i * 3..i * 3 + 3].copy_from_slice(&[r, g, b]),
                }
            }
        }
    }
}

/// The triangle filter's taps for one output position: the first source index and the
/// normalised weights, exactly as `image`'s `vertical_sample` and `horizontal_sample`
/// compute them for `FilterType::Triangle`.
#[derive(Debug, Clone, PartialEq)]
struct Taps {
    first: u32,
    weights: Vec<f32>,
}

fn taps(out: u32, from: u32, to: u32) -> Taps {
    let ratio = from as f32 / to as f32;
    let sratio = if ratio < 1.0 { 1.0 } else { ratio };
    let support = sratio; // the triangle's support is 1
    let centre = (out as f32 + 0.5) * ratio;
    let left = ((centre - support).floor() as i64).clamp(0, i64::from(from) - 1);
    let right = ((centre + support).ceil() as i64).clamp(left + 1, i64::from(from));
    let centre = centre - 0.5;
    let mut weights: Vec<f32> = (left..right)
        .map(|i| {
            let x = ((i as f32 - centre) / sratio).abs();
            if x < 1.0 {
                1.0 - x
            } else {
                0.0
            }
        })
        .collect();
    let sum: f32 = weights.iter().fold(0.0, |s, w| s + w);
    for w in &mut weights {
        *w /= sum;
    }
    Taps { first: left as u32, weights }
}

/// Resamples a stream of page rows (`channels` bytes per pixel) from `from` to `to`
/// pixels; without a change of size it passes rows through.
pub(super) struct Resampler {
    channels: usize,
    from: (u32, u32),
    to: (u32, u32),
    /// The horizontal taps of each output column.
    columns: Vec<Taps>,
    /// Source rows the next output rows still reach, with the index of the first.
    window: VecDeque<Vec<u8>>,
    window_first: u32,
    /// Rows pushed so far.
    pushed: u32,
    /// The next output row, and its vertical taps.
    next: u32,
    taps: Option<Taps>,
    vertical: Vec<f32>,
    row: Vec<u8>,
    spare: Vec<Vec<u8>>,
}

impl Resampler {
    pub(super) fn new(from: (u32, u32), to: (u32, u32), channels: usize) -> Self {
        let resize = from != to;
        let columns = match resize {
            true => (0..to.0).map(|x| taps(x, from.0, to.0)).collect(),
            false => Vec::new(),
        };
        let taps = (resize && to.1 > 0).then(|| taps(0, from.1, to.1));
        Self {
            channels,
            from,
            to,
            columns,
            window: VecDeque::new(),
            window_first: 0,
            pushed: 0,
            next: 0,
            taps,
            vertical: Vec::new(),
            row: vec![0; to.0 as usize * channels],
            spare: Vec::new(),
        }
    }

    /// The most source rows held at once, for the memory estimate.
    pub(super) fn window_rows(from: u32, to: u32) -> u64 {
        match from == to {
            true => 0,
            false => (2.0 * (f64::from(from) / f64::from(to)).max(1.0)).ceil() as u64 + 3,
        }
    }

    /// Takes the next source row (`from.0 * channels` bytes) and hands every output row
    /// it completes to `emit`.
    pub(super) fn push(&mut self, row: &[u8], emit: &mut dyn FnMut(&mut [u8])) {
        if self.from == self.to {
            self.row.copy_from_slice(row);
            self.pushed += 1;
            emit(&mut self.row);
            return;
        }
        let mut held = self.spare.pop().unwrap_or_default();
        held.clear();
        held.extend_from_slice(row);
        self.window.push_back(held);
        self.pushed += 1;
        self.drain(emit);
    }

    /// Emits the output rows whose source rows have all arrived, and drops the source
    /// rows no later output row reaches.
    fn drain(&mut self, emit: &mut dyn FnMut(&mut [u8])) {
        while let Some(t) = &self.taps {
            if t.first + t.weights.len() as u32 > self.pushed {
                break;
            }
            let t = self.taps.take().expect("checked");
            // Vertical pass into `vertical` (from.0 pixels), then horizontal into `row`.
            let n = self.from.0 as usize * self.channels;
            self.vertical.clear();
            self.vertical.resize(n, 0.0);
            for (i, &w) in t.weights.iter().enumerate() {
                let src = &self.window[(t.first + i as u32 - self.window_first) as usize];
                for (t, &v) in self.vertical.iter_mut().zip(src) {
                    *t += f32::from(v) * w;
                }
            }
            let c = self.channels;
            for (x, col) in self.columns.iter().enumerate() {
                for k in 0..c {
                    let mut t = 0.0f32;
                    for (i, &w) in col.weights.iter().enumerate() {
                        t += self.vertical[(col.first as usize + i) * c + k] * w;
                    }
                    self.row[x * c + k] = t.clamp(0.0, 255.0).round() as u8;
                }
            }
            emit(&mut self.row);
            self.next += 1;
            self.taps = (self.next < self.to.1).then(|| taps(self.next, self.from.1, self.to.1));
            let keep_from = self.taps.as_ref().map_or(self.pushed, |t| t.first);
            while self.window_first < keep_from && !self.window.is_empty() {
                let old = self.window.pop_front().expect("not empty");
                self.spare.push(old);
                self.window_first += 1;
            }
        }
    }

    /// Output rows handed on so far.
    pub(super) fn emitted(&self) -> u32 {
        match self.from == self.to {
            true => self.pushed,
            false => self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::imageops::{resize, FilterType};
    use image::{GrayImage, RgbImage};

    fn noise(len: usize, seed: u32) -> Vec<u8> {
        let mut s = seed.wrapping_mul(2_654_435_761).max(1);
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s >> 24) as u8
            })
            .collect()
    }

    fn streamed(src: &[u8], from: (u32, u32), to: (u32, u32), channels: usize) -> Vec<u8> {
        let mut r = Resampler::new(from, to, channels);
        let mut out = Vec::new();
        for row in src.chunks_exact(from.0 as usize * channels) {
            r.push(row, &mut |o| out.extend_from_slice(o));
        }
        assert_eq!(r.emitted(), to.1, "every output row");
        out
    }

    /// The streamed resampler gives `image`'s pixels, shrinking and enlarging, for odd
    /// and even ratios, in gray and RGB.
    #[test]
    fn it_matches_image_resize_exactly() {
        let sizes = [
            ((37, 23), (11, 7)),
            ((37, 23), (37, 9)),
            ((37, 23), (12, 23)),
            ((10, 10), (31, 17)),
            ((200, 3), (7, 2)),
            ((1, 50), (1, 7)),
            ((64, 64), (63, 65)),
            ((5, 900), (3, 4)),
        ];
        for (seed, (from, to)) in sizes.into_iter().enumerate() {
            let gray = noise((from.0 * from.1) as usize, seed as u32);
            let want = resize(
                &GrayImage::from_raw(from.0, from.1, gray.clone()).unwrap(),
                to.0,
                to.1,
                FilterType::Triangle,
            );
            assert_eq!(streamed(&gray, from, to, 1), want.into_raw(), "gray {from:?} -> {to:?}");
            let rgb = noise((from.0 * from.1 * 3) as usize, seed as u32 + 99);
            let want = resize(
                &RgbImage::from_raw(from.0, from.1, rgb.clone()).unwrap(),
                to.0,
                to.1,
                FilterType::Triangle,
            );
            assert_eq!(streamed(&rgb, from, to, 3), want.into_raw(), "rgb {from:?} -> {to:?}");
        }
    }

    #[test]
    fn the_same_size_passes_rows_through() {
        let src = noise(6 * 4, 3);
        assert_eq!(streamed(&src, (6, 4), (6, 4), 1), src);
        assert_eq!(Resampler::window_rows(4, 4), 0);
    }

    /// The window holds a bounded number of rows, whatever the height.
    #[test]
    fn the_window_is_bounded() {
        let (from, to) = ((3, 5000), (2, 997));
        let mut r = Resampler::new(from, to, 1);
        let row = [7u8; 3];
        let mut most = 0;
        for _ in 0..from.1 {
            r.push(&row, &mut |_| {});
            most = most.max(r.window.len());
        }
        assert!(most as u64 <= Resampler::window_rows(from.1, to.1), "{most}");
        assert_eq!(r.emitted(), to.1);
    }

    #[test]
    fn rows_are_flattened_as_before() {
        // Gray and alpha, RGB, RGBA into gray and RGB, against the formulas.
        let mut out = [0u8; 3];
        flatten_row(&[100, 0], 2, false, &mut out);
        assert_eq!(out, [255; 3], "transparent is white");
        let mut g = [0u8; 1];
        flatten_row(&[10, 200, 30], 3, true, &mut g);
        assert_eq!(g, [luma(10, 200, 30)]);
        flatten_row(&[10, 200, 30, 128], 4, true, &mut g);
        assert_eq!(g, [luma(over_white(10, 128), over_white(200, 128), over_white(30, 128))]);
        flatten_row(&[9], 1, false, &mut out);
        assert_eq!(out, [9; 3]);
    }
}
