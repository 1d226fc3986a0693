//! The pdfium renderer against hayro and against known geometry.
//!
//! These tests need the pdfium library (`pip install pypdfium2==5.15.2`, or
//! `PDFIUM_DYNAMIC_LIB_PATH`). Without it they print a note and pass, unless
//! `DIAGRAM_CONVERT_REQUIRE_PDFIUM=1` is set (CI sets it): then they fail.
//!
//! Agreement with hayro is measured as the mean absolute difference, in gray levels
//! (0-255), of the two gray renders downsampled by averaging 4x4 blocks; the block
//! average forgives the one-pixel differences of two anti-aliasing rasterisers and keeps
//! anything misplaced, missing or scaled. See [`TOLERANCE`] and [`RELATIVE_TOLERANCE`]
//! for the measured values; the test prints them for every page (`--nocapture`).
#![cfg(feature = "pdfium")]

mod pdfium_support;

use std::sync::Arc;

use diagram_raster::{RenderOptions, Renderer};
use pdfium_support::{
    fixture, gray, ink_4x4, mean_abs_diff_4x4, mean_abs_diff_shifted, open, pdfium_or_skip, render,
    shifted_diff_4x4, with,
};

/// The largest mean absolute difference of the 4x4-downsampled gray renders allowed
/// between hayro and pdfium on a fixture page, in gray levels.
///
/// Measured at 150 DPI on the 16 pages of `valhall/*.pdf` (hayro 0.9.0 with the vendored
/// patches, pdfium 8149 from pypdfium2 5.15.2), both drawing at the exact scale
/// (`dpi / 72`) from the page's corner: 0.04 to 1.60, the largest on TERMS-OF-USE.pdf
/// page 1 (text in fonts the two renderers rasterise differently), 0.07 to 0.10 on the A3
/// scans (0.10 on PH-ME-P-0156-001 under `/Rotate 90`, 4.47 when pdfium still stretched
/// the page over the rounded size), 0.04 on the A0 sheet. Moving hayro's own render by 4
/// pixels scores 2.67 (PH-ME-P-0004-001) to 13.40 (PH-ME-P-0156-001), so this bound is
/// checked together with [`RELATIVE_TOLERANCE`].
const TOLERANCE: f64 = 3.0;

/// The same difference as a share of the page's ink ([`ink_4x4`]: the mean darkness, what
/// a blank render would score), so that a mostly white sheet cannot pass blank or shifted.
///
/// Measured: 0.00 (A0 sheet) to 0.13 (TERMS-OF-USE.pdf page 2). A blank
/// render scores 1.0; a 4-pixel shift of hayro's render scores 0.47 to 0.82.
const RELATIVE_TOLERANCE: f64 = 0.3;

#[test]
fn every_valhall_page_matches_hayro_in_size_and_content() {
    if !pdfium_or_skip("every_valhall_page_matches_hayro_in_size_and_content") {
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(fixture("valhall"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    assert!(files.len() >= 11, "fixtures missing: {files:?}");
    let options = RenderOptions::default();
    let mut report = Vec::new();
    for path in &files {
        let bytes: Arc<[u8]> = std::fs::read(path).unwrap().into();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // One document: the renderer is chosen per render.
        let doc = open(&bytes);
        for index in 0..doc.page_count() {
            let plan = doc
                .plan(index, &with(&options, Renderer::Pdfium), &diagram_core::Limits::default())
                .unwrap();
            let a = render(
                &doc,
                index,
                &with(&options, Renderer::Hayro),
                diagram_core::ColorMode::Gray,
            )
            .unwrap();
            let b = render(
                &doc,
                index,
                &with(&options, Renderer::Pdfium),
                diagram_core::ColorMode::Gray,
            )
            .unwrap();
            assert_eq!(
                a.image.size(),
                Some(plan.frame.size()),
                "{name} page {}: hayro size",
                index + 1
            );
            assert_eq!(
                b.image.size(),
                Some(plan.frame.size()),
                "{name} page {}: pdfium size",
                index + 1
            );
            let (ga, gb) = (gray(&a.image), gray(&b.image));
            let diff = mean_abs_diff_4x4(ga, gb);
            let ink = ink_4x4(ga);
            let shifted = shifted_diff_4x4(ga);
            report.push(format!(
                "{name} p{} {}: diff {diff:.2}, ink {ink:.2}, diff/ink {:.2}, 4-px shift {shifted:.2}",
                index + 1,
                plan.frame.size(),
                diff / ink
            ));
            assert!(
                diff <= TOLERANCE && diff <= RELATIVE_TOLERANCE * ink,
                "{name} page {}: hayro and pdfium differ by {diff:.2} (ink {ink:.2})",
                index + 1
            );
        }
    }
    eprintln!("hayro vs pdfium, mean |diff| of 4x4 blocks:\n{}", report.join("\n"));
}

#[test]
fn rotated_and_offset_pages_align_best_with_hayro_at_zero_offset() {
    if !pdfium_or_skip("rotated_and_offset_pages_align_best_with_hayro_at_zero_offset") {
        return;
    }
    // Pages: 0153 (A3 scan), 4110119 (/Rotate 90), 4110010 (A0, origin at the centre),
    // 0156-001 (/Rotate 90). If pdfium placed the page differently (a flip, a rotation, an
    // offset or a scale), moving its render against hayro's would lower the difference.
    // Compared on the whole page: both draw at the exact scale from pixel (0, 0), so a
    // scale error would show as a drift towards the far edges.
    let bytes: Arc<[u8]> =
        std::fs::read(fixture("valhall/valhall_mixed_4pages.pdf")).unwrap().into();
    let options = RenderOptions { dpi: 50.0, ..Default::default() };
    let doc = open(&bytes);
    assert_eq!(doc.page_count(), 4);
    for index in 0..4 {
        let a =
            render(&doc, index, &with(&options, Renderer::Hayro), diagram_core::ColorMode::Gray)
                .unwrap();
        let b =
            render(&doc, index, &with(&options, Renderer::Pdfium), diagram_core::ColorMode::Gray)
                .unwrap();
        assert_eq!(a.image.size(), b.image.size());
        let (ga, gb) = (gray(&a.image), gray(&b.image));
        let at_zero = mean_abs_diff_shifted(ga, gb, 0, 0);
        for dy in -2..=2i64 {
            for dx in -2..=2i64 {
                if (dx, dy) == (0, 0) {
                    continue;
                }
                let moved = mean_abs_diff_shifted(ga, gb, dx, dy);
                assert!(
                    moved > at_zero,
                    "page {}: moving pdfium's render by ({dx}, {dy}) px fits hayro better \
                     ({moved:.3} < {at_zero:.3})",
                    index + 1
                );
            }
        }
    }
}

#[test]
fn colour_mode_gives_rgb_and_gray_is_its_luma() {
    if !pdfium_or_skip("colour_mode_gives_rgb_and_gray_is_its_luma") {
        return;
    }
    let bytes: Arc<[u8]> =
        std::fs::read(fixture("valhall/PH-25578-P-4110006-001.pdf")).unwrap().into();
    let doc = open(&bytes);
    let colour = RenderOptions { dpi: 40.0, ..Default::default() };
    let rgb =
        render(&doc, 0, &with(&colour, Renderer::Pdfium), diagram_core::ColorMode::Rgb).unwrap();
    let gray_page =
        render(&doc, 0, &with(&colour.clone(), Renderer::Pdfium), diagram_core::ColorMode::Gray)
            .unwrap();
    let diagram_raster::PageImage::Rgb(rgb) = &rgb.image else { panic!("colour asked") };
    let g = gray(&gray_page.image);
    assert_eq!(rgb.dimensions(), g.dimensions());
    // The gray page is the colour page through Rec. 601 luma, rounded to nearest, written
    // out here rather than taken from `luma` itself.
    for (c, l) in rgb.pixels().zip(g.pixels()) {
        let [r, g, b] = c.0.map(u32::from);
        assert_eq!((299 * r + 587 * g + 114 * b + 500) / 1000, l[0] as u32, "{c:?}");
    }
    // Opaque white paper.
    assert!(rgb.pixels().any(|p| p.0 == [255, 255, 255]));
}

#[test]
fn pages_rendered_from_many_threads_equal_one_by_one_renders() {
    if !pdfium_or_skip("pages_rendered_from_many_threads_equal_one_by_one_renders") {
        return;
    }
    // pdfium is not thread-safe; the backend serialises pages, so concurrent callers get
    // exactly what sequential ones get.
    let bytes: Arc<[u8]> =
        std::fs::read(fixture("valhall/valhall_mixed_4pages.pdf")).unwrap().into();
    let doc = open(&bytes);
    let options = RenderOptions { dpi: 30.0, ..Default::default() };
    let sequential: Vec<_> = (0..4)
        .map(|i| {
            render(&doc, i, &with(&options, Renderer::Pdfium), diagram_core::ColorMode::Gray)
                .unwrap()
                .image
        })
        .collect();
    let concurrent: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|n| {
                let (doc, options) = (&doc, &options);
                s.spawn(move || {
                    render(
                        doc,
                        n % 4,
                        &with(options, Renderer::Pdfium),
                        diagram_core::ColorMode::Gray,
                    )
                    .unwrap()
                    .image
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (n, image) in concurrent.iter().enumerate() {
        assert!(
            *image == sequential[n % 4],
            "page {} differs when rendered concurrently",
            n % 4 + 1
        );
    }
}
