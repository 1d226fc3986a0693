//! hayro's rasterizer draws a page in bands (vendored vello_cpu's patch 1), on the
//! calling thread or with helper threads (its patch 2): the pixels must depend neither on
//! the band budget, down to one 4-pixel strip row per band, nor on the number of helper
//! threads, and the last, shorter band of a page whose height is not a multiple of 4 must
//! be complete.

mod common;
use common::{fixture, make_pdf, PageSpec};

use diagram_core::{ColorMode, Deadline, Limits};
use diagram_raster::{Document, PageImage, RenderOptions};

/// How a page is rasterized: its band budget in bytes and its helper threads.
type Way = (usize, u16);

/// The page rendered each way; every image must equal the first.
fn same_every_way(bytes: &[u8], index: usize, dpi: f64, colors: ColorMode, ways: &[Way]) {
    let doc = Document::open(bytes.into(), &Limits::default()).unwrap();
    let images: Vec<PageImage> = ways
        .iter()
        .map(|&(band_bytes, helper_threads)| {
            let options = RenderOptions { dpi, band_bytes, ..Default::default() };
            let plan = doc.plan(index, &options, &Limits::default()).unwrap();
            let plan = diagram_raster::PagePlan { helper_threads, ..plan };
            doc.render(&plan, colors, Deadline::NONE).unwrap().image
        })
        .collect();
    let first = &images[0];
    // A blank page would make every comparison pass.
    let ink = first.as_bytes().iter().filter(|&&v| v < 128).count();
    assert!(ink > 1000, "page {index} at {dpi} DPI has only {ink} dark bytes");
    for (image, (budget, helpers)) in images.iter().zip(ways).skip(1) {
        assert_eq!((image.width(), image.height()), (first.width(), first.height()));
        let differing = image.as_bytes().iter().zip(first.as_bytes()).filter(|(a, b)| a != b);
        assert_eq!(
            differing.count(),
            0,
            "page {index}: a band budget of {budget} bytes with {helpers} helper thread(s) \
             changes the pixels"
        );
    }
}

/// On the calling thread: one band for the whole page, one strip row per band (a budget
/// of 1 byte), and a budget that is no multiple of anything; then the same with one,
/// two and three helper threads (two band buffers in flight, a conversion shared).
const WAYS: [Way; 7] =
    [(usize::MAX, 0), (1, 0), (3_000_017, 0), (usize::MAX, 2), (1, 1), (3_000_017, 2), (1, 3)];

#[test]
fn an_a0_sheet_is_the_same_in_any_bands_on_any_threads() {
    // 150 DPI: 7022 x 4967 pixels, and about 290 rows per band at the default budget.
    let bytes = fixture("valhall/PH-25578-P-4110010-001.pdf");
    let default = diagram_raster::DEFAULT_BAND_BYTES;
    let mut ways = WAYS.to_vec();
    ways.extend([(default, 0), (default, 1), (default, 2)]);
    same_every_way(&bytes, 0, 150.0, ColorMode::Gray, &ways);
}

#[test]
fn every_valhall_sheet_is_the_same_on_any_threads() {
    // Clipped strokes, Type3 text, hatches and fills of the other sheets, at 72 DPI.
    for name in [
        "PH-25578-P-4110006-001",
        "PH-25578-P-4110119-001",
        "PH-ME-P-0003-001",
        "PH-ME-P-0004-001",
        "PH-ME-P-0152-001",
        "PH-ME-P-0153-001",
        "PH-ME-P-0156-002",
        "PH-ME-P-0160-001",
    ] {
        let bytes = fixture(&format!("valhall/{name}.pdf"));
        same_every_way(&bytes, 0, 72.0, ColorMode::Gray, &[(usize::MAX, 0), (1, 2), (1 << 20, 1)]);
    }
}

#[test]
fn a_rotated_scan_and_colour_pages_are_the_same_in_any_bands_on_any_threads() {
    // An image drawn under /Rotate 90 (sampled across band edges) and the mixed file's
    // pages in colour.
    same_every_way(&fixture("valhall/PH-ME-P-0156-001.pdf"), 0, 100.0, ColorMode::Gray, &WAYS);
    let mixed = fixture("valhall/valhall_mixed_4pages.pdf");
    for index in 0..4 {
        same_every_way(&mixed, index, 40.0, ColorMode::Rgb, &WAYS);
    }
}

#[test]
fn the_last_short_band_is_drawn() {
    // 200 x 101 points at 72 DPI: 101 rows, so the last strip row has one pixel row. A
    // mark covers the bottom 3 rows and one crosses the edge of the first 4-row band.
    let spec = PageSpec {
        media: [0.0, 0.0, 200.0, 101.0],
        marks: vec![[10.0, 0.0, 50.0, 3.0], [100.0, 95.0, 20.0, 3.0], [0.0, 40.0, 200.0, 21.0]],
        ..Default::default()
    };
    let bytes = make_pdf(&[spec]);
    let doc = Document::open(bytes.clone().into(), &Limits::default()).unwrap();
    for (band_bytes, helper_threads) in
        [(1, 0), (200 * 4 * 8, 0), (usize::MAX, 0), (1, 2), (200 * 4 * 8, 1)]
    {
        let options = RenderOptions { dpi: 72.0, band_bytes, ..Default::default() };
        let plan = doc.plan(0, &options, &Limits::default()).unwrap();
        let plan = diagram_raster::PagePlan { helper_threads, ..plan };
        let image = doc.render(&plan, ColorMode::Gray, Deadline::NONE).unwrap().image;
        let PageImage::Gray(gray) = image else { panic!("gray asked") };
        assert_eq!(gray.dimensions(), (200, 101));
        // Rows 98..101 under the first mark, x 10..60; the row above is white.
        for y in 98..101 {
            assert_eq!(gray.get_pixel(30, y).0[0], 0, "row {y}, budget {band_bytes}");
            assert_eq!(gray.get_pixel(80, y).0[0], 255, "row {y}, budget {band_bytes}");
        }
        assert_eq!(gray.get_pixel(30, 97).0[0], 255);
        // The second mark: rows 3..6, across the first band's edge at row 4.
        for y in 3..6 {
            assert_eq!(gray.get_pixel(110, y).0[0], 0, "row {y}, budget {band_bytes}");
        }
        assert_eq!(gray.get_pixel(110, 2).0[0], 255);
        assert_eq!(gray.get_pixel(110, 6).0[0], 255);
        // The wide mark: rows 40..61.
        assert_eq!(gray.get_pixel(199, 40).0[0], 0);
        assert_eq!(gray.get_pixel(0, 60).0[0], 0);
        assert_eq!(gray.get_pixel(0, 61).0[0], 255);
    }
}

#[test]
fn a_zero_band_budget_is_refused() {
    let options = RenderOptions { band_bytes: 0, ..Default::default() };
    let err = options.validate().unwrap_err().to_string();
    assert!(err.contains("band budget"), "{err}");
}

#[test]
fn an_a0_sheet_at_600_dpi_is_rendered_at_its_exact_size_row_by_row() {
    // 558 M pixels: within the default pixel limit, so not scaled; hayro renders it in
    // bands, here with two helper threads (as the engine does for a job's last page on
    // two threads), and the rows come out in order, whole, with the drawing on them.
    let doc =
        Document::open(fixture("valhall/PH-25578-P-4110010-001.pdf"), &Limits::default()).unwrap();
    let at = |dpi| {
        let options = RenderOptions { dpi, ..Default::default() };
        doc.plan(0, &options, &Limits::default()).unwrap()
    };
    let (low, plan) = (at(150.0), at(600.0));
    assert_eq!(low.frame.size().width(), 7032);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    let size = plan.frame.size();
    // Four times the 150 DPI sides, give or take the rounding of each.
    assert!(size.width().abs_diff(4 * 7032) <= 2, "{size}");
    assert!(size.height().abs_diff(4 * low.frame.size().height()) <= 2, "{size}");
    assert!(size.area() > 550_000_000, "{size}");

    let (mut next, mut dark, mut bands) = (0u32, 0u64, 0);
    let plan = diagram_raster::PagePlan { helper_threads: 2, ..plan };
    let page = doc
        .render_rows(&plan, ColorMode::Gray, Deadline::NONE, &mut |y0, rows| {
            assert_eq!(y0, next, "rows in order, without gaps");
            assert_eq!(rows.len() % size.width() as usize, 0, "whole rows");
            next += (rows.len() / size.width() as usize) as u32;
            dark += rows.iter().filter(|&&v| v < 128).count() as u64;
            bands += 1;
        })
        .unwrap();
    assert_eq!(next, size.height(), "every row");
    assert_eq!(page.frame.size(), size);
    // Bands of the default 8 MiB budget: 72 rows of about 28130 pixels.
    assert!(bands > 250, "{bands} bands");
    // At 150 DPI the sheet has about 1.3 M dark pixels; 16 times the area, the lines
    // about 4 times as wide in pixels.
    assert!(dark > 10_000_000, "{dark} dark pixels");
}

#[test]
fn pages_drawn_whole_keep_the_lower_pixel_limit_and_images_do_not() {
    // pdfium holds the whole image, so its pages stay within `max_whole_pixels`;
    // hayro's banded pages and streamed images within `max_pixels`.
    let doc =
        Document::open(fixture("valhall/PH-25578-P-4110010-001.pdf"), &Limits::default()).unwrap();
    let limits =
        Limits { max_pixels: 4_000_000, max_whole_pixels: 1_000_000, ..Default::default() };
    let plan = |renderer| {
        let options = RenderOptions { dpi: 150.0, renderer, ..Default::default() };
        doc.plan(0, &options, &limits).unwrap()
    };
    let hayro = plan(diagram_raster::Renderer::Hayro);
    assert!(hayro.frame.size().area() <= 4_000_000 && hayro.frame.size().area() > 3_900_000);
    assert!(hayro.warnings[0].contains("4000000 pixels"), "{:?}", hayro.warnings);
    let pdfium = plan(diagram_raster::Renderer::Pdfium);
    assert!(pdfium.frame.size().area() <= 1_000_000 && pdfium.frame.size().area() > 990_000);
    assert!(pdfium.warnings[0].contains("1000000 pixels"), "{:?}", pdfium.warnings);
    // Whichever is lower applies.
    let limits = Limits { max_pixels: 500_000, ..limits };
    let options =
        RenderOptions { renderer: diagram_raster::Renderer::Pdfium, ..Default::default() };
    assert!(doc.plan(0, &options, &limits).unwrap().frame.size().area() <= 500_000);

    // Images stream onto the page row by row, so only `max_pixels` caps them.
    let mut png = Vec::new();
    image::GrayImage::from_pixel(100, 100, image::Luma([0]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let image = Document::open(png.into(), &Limits::default()).unwrap();
    let limits =
        Limits { max_pixels: 4_000_000, max_whole_pixels: 1_000_000, ..Default::default() };
    let options = RenderOptions { image_scale: 20.0, ..Default::default() };
    let plan = image.plan(0, &options, &limits).unwrap();
    assert_eq!(plan.frame.size().area(), 4_000_000, "{}", plan.frame.size());
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    let options = RenderOptions { image_scale: 21.0, ..Default::default() };
    let plan = image.plan(0, &options, &limits).unwrap();
    assert!(plan.frame.size().area() <= 4_000_000, "{}", plan.frame.size());
    assert!(plan.warnings[0].contains("4000000 pixels"), "{:?}", plan.warnings);
}
