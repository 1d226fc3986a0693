//! Helpers shared by the pdfium tests: fixtures, the skip-or-fail rule, image measures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

#[path = "../common/mod.rs"]
mod common;
pub use common::render;

use diagram_raster::{pdfium_available, Document, PageImage, RenderOptions, Renderer};
use image::GrayImage;

/// A path under `../shared/fixtures/` (beside the repository).
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures").join(rel)
}

/// Whether pdfium can be used. Without it: a failure when
/// `DIAGRAM_CONVERT_REQUIRE_PDFIUM=1`, else a printed note and `false` (skip).
pub fn pdfium_or_skip(test: &str) -> bool {
    match pdfium_available() {
        Ok(()) => true,
        Err(e) if std::env::var("DIAGRAM_CONVERT_REQUIRE_PDFIUM").as_deref() == Ok("1") => {
            panic!("DIAGRAM_CONVERT_REQUIRE_PDFIUM=1 but {e}")
        }
        Err(e) => {
            // Straight to stderr: the test harness would swallow `eprintln!`.
            let note = format!("note: skipping {test}: {e}\n");
            std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes()).ok();
            false
        }
    }
}

/// Opens a PDF (the renderer is chosen per page, by the render options: see [`with`]).
pub fn open(bytes: &Arc<[u8]>) -> Document {
    Document::open(bytes.clone(), &diagram_core::Limits::default()).unwrap()
}

/// `options` with `renderer`.
pub fn with(options: &RenderOptions, renderer: Renderer) -> RenderOptions {
    RenderOptions { renderer, ..options.clone() }
}

/// The gray image of a page rendered in gray mode.
pub fn gray(image: &PageImage) -> &GrayImage {
    match image {
        PageImage::Gray(g) => g,
        PageImage::Rgb(_) => panic!("expected a gray render"),
    }
}

/// The mean of each whole 4x4 block (a partial last row or column of blocks is left out).
pub fn downsample_4x4(image: &GrayImage) -> Vec<f64> {
    let (bw, bh) = (image.width() / 4, image.height() / 4);
    let raw = image.as_raw();
    let w = image.width() as usize;
    let mut out = Vec::with_capacity((bw * bh) as usize);
    for by in 0..bh as usize {
        for bx in 0..bw as usize {
            let mut sum = 0u32;
            for y in by * 4..by * 4 + 4 {
                for x in bx * 4..bx * 4 + 4 {
                    sum += raw[y * w + x] as u32;
                }
            }
            out.push(sum as f64 / 16.0);
        }
    }
    out
}

/// The mean absolute difference, in gray levels, of two same-size images downsampled
/// by [`downsample_4x4`].
pub fn mean_abs_diff_4x4(a: &GrayImage, b: &GrayImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let (da, db) = (downsample_4x4(a), downsample_4x4(b));
    if da.is_empty() {
        return 0.0;
    }
    da.iter().zip(&db).map(|(x, y)| (x - y).abs()).sum::<f64>() / da.len() as f64
}

/// The mean darkness (255 minus gray) of the 4x4 blocks: how much ink the page has, and
/// what [`mean_abs_diff_4x4`] would give against a blank page.
pub fn ink_4x4(image: &GrayImage) -> f64 {
    let d = downsample_4x4(image);
    d.iter().map(|v| 255.0 - v).sum::<f64>() / d.len().max(1) as f64
}

/// [`mean_abs_diff_4x4`] of an image against itself moved right by one block (4 pixels),
/// over the blocks both cover: what a misplacement of 4 pixels would score.
pub fn shifted_diff_4x4(image: &GrayImage) -> f64 {
    let (bw, bh) = ((image.width() / 4) as usize, (image.height() / 4) as usize);
    let d = downsample_4x4(image);
    let mut sum = 0.0;
    for y in 0..bh {
        for x in 1..bw {
            sum += (d[y * bw + x] - d[y * bw + x - 1]).abs();
        }
    }
    sum / (bh * bw.saturating_sub(1)).max(1) as f64
}

/// The mean absolute difference of `a` and `b` moved by `(dx, dy)` pixels, over the
/// pixels both cover.
pub fn mean_abs_diff_shifted(a: &GrayImage, b: &GrayImage, dx: i64, dy: i64) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let (w, h) = (a.width() as i64, a.height() as i64);
    let (ra, rb) = (a.as_raw(), b.as_raw());
    let (mut sum, mut n) = (0u64, 0u64);
    for y in dy.max(0)..(h + dy).min(h) {
        for x in dx.max(0)..(w + dx).min(w) {
            let pa = ra[(y * w + x) as usize] as i64;
            let pb = rb[((y - dy) * w + (x - dx)) as usize] as i64;
            sum += (pa - pb).unsigned_abs();
            n += 1;
        }
    }
    sum as f64 / n.max(1) as f64
}

/// The smallest box `[x0, y0, x1, y1]` (inclusive) holding every pixel darker than
/// `threshold`, `None` for a blank page.
pub fn ink_box(image: &GrayImage, threshold: u8) -> Option<[u32; 4]> {
    let mut b: Option<[u32; 4]> = None;
    for (x, y, p) in image.enumerate_pixels() {
        if p[0] < threshold {
            let r = b.get_or_insert([x, y, x, y]);
            r[0] = r[0].min(x);
            r[1] = r[1].min(y);
            r[2] = r[2].max(x);
            r[3] = r[3].max(y);
        }
    }
    b
}
