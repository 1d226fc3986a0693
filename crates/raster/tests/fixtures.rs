//! Every page of every shared fixture opens and renders at the size its boxes imply,
//! computed here independently (boxes read with lopdf, sizes from the image headers).

mod common;
use common::render;

use common::fixture;
use diagram_raster::{Document, InputKind, PageImage, RenderOptions};
use lopdf::{Dictionary, Object};

/// An inheritable page attribute, looked up through the `/Parent` chain.
fn inherited<'a>(doc: &'a lopdf::Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut dict = page;
    for _ in 0..64 {
        if let Ok(v) = dict.get(key) {
            return Some(doc.dereference(v).map(|(_, o)| o).unwrap_or(v));
        }
        let parent = dict.get(b"Parent").ok()?.as_reference().ok()?;
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn rect(doc: &lopdf::Document, obj: &Object) -> [f64; 4] {
    let arr = obj.as_array().expect("a box is an array");
    let v: Vec<f64> = arr
        .iter()
        .map(|o| {
            let o = doc.dereference(o).map(|(_, o)| o).unwrap_or(o);
            o.as_float().map(f64::from).or_else(|_| o.as_i64().map(|i| i as f64)).unwrap()
        })
        .collect();
    [v[0].min(v[2]), v[1].min(v[3]), v[0].max(v[2]), v[1].max(v[3])]
}

/// The expected pixel size of each page at `dpi`: the crop box clipped to the media box,
/// turned by /Rotate, times /UserUnit, each side rounded to the nearest pixel.
fn expected_sizes(bytes: &[u8], dpi: f64) -> Vec<(u32, u32)> {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    doc.get_pages()
        .values()
        .map(|id| {
            let page = doc.get_dictionary(*id).unwrap();
            let media = rect(&doc, inherited(&doc, page, b"MediaBox").unwrap());
            let crop = inherited(&doc, page, b"CropBox").map(|c| rect(&doc, c)).unwrap_or(media);
            let w = crop[2].min(media[2]) - crop[0].max(media[0]);
            let h = crop[3].min(media[3]) - crop[1].max(media[1]);
            let rotate =
                inherited(&doc, page, b"Rotate").and_then(|r| r.as_i64().ok()).unwrap_or(0);
            let unit = page.get(b"UserUnit").ok().and_then(|u| u.as_float().ok()).unwrap_or(1.0);
            let (w, h) = if rotate.rem_euclid(180) == 90 { (h, w) } else { (w, h) };
            let px = |v: f64| (v * unit as f64 * dpi / 72.0).round() as u32;
            (px(w), px(h))
        })
        .collect()
}

/// Renders every page in gray at 150 DPI and in colour at 50 DPI, checking sizes and
/// that each page has visible content.
fn check_pdf(rel: &str, pages: usize) {
    let bytes = fixture(rel);
    let doc = Document::open(bytes.clone(), &diagram_core::Limits::default()).unwrap();
    assert_eq!(doc.kind(), InputKind::Pdf);
    assert_eq!(doc.page_count(), pages, "{rel}");
    let gray_sizes = expected_sizes(&bytes, 150.0);
    let colour_sizes = expected_sizes(&bytes, 50.0);
    for index in 0..pages {
        let plan =
            doc.plan(index, &RenderOptions::default(), &diagram_core::Limits::default()).unwrap();
        assert_eq!(
            (plan.frame.size().width(), plan.frame.size().height()),
            gray_sizes[index],
            "{rel} page {index}"
        );
        let page =
            render(&doc, index, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap();
        let PageImage::Gray(gray) = &page.image else { panic!("gray by default") };
        assert_eq!(gray.dimensions(), gray_sizes[index], "{rel} page {index}");
        assert!(page.warnings.is_empty(), "{rel} page {index}: {:?}", page.warnings);
        assert_has_ink(gray.as_raw(), rel, index);

        let colour = RenderOptions { dpi: 50.0, ..Default::default() };
        let page = render(&doc, index, &colour, diagram_core::ColorMode::Rgb).unwrap();
        let PageImage::Rgb(rgb) = &page.image else { panic!("colour asked") };
        assert_eq!(rgb.dimensions(), colour_sizes[index], "{rel} page {index} colour");
        assert_has_ink(rgb.as_raw(), rel, index);
    }
}

/// A rendered drawing is mostly white paper with some dark lines; a blank page (a
/// silently failed render) has none.
fn assert_has_ink(bytes: &[u8], rel: &str, index: usize) {
    let dark = bytes.iter().filter(|&&v| v < 128).count();
    let white = bytes.iter().filter(|&&v| v > 200).count();
    let n = bytes.len();
    assert!(dark * 1000 > n, "{rel} page {index}: only {dark} of {n} samples are dark");
    assert!(white * 2 > n, "{rel} page {index}: only {white} of {n} samples are light");
}

macro_rules! pdf_tests {
    ($($name:ident: $file:expr, $pages:expr;)*) => {$(
        #[test]
        fn $name() {
            check_pdf(concat!("valhall/", $file), $pages);
        }
    )*};
}

pdf_tests! {
    a4_dense_vector: "PH-25578-P-4110006-001.pdf", 1;
    a0_negative_origin: "PH-25578-P-4110010-001.pdf", 1;
    a4_scan_rotated: "PH-25578-P-4110119-001.pdf", 1;
    a1_vector_0003: "PH-ME-P-0003-001.pdf", 1;
    a1_vector_0004: "PH-ME-P-0004-001.pdf", 1;
    a3_scan_0152: "PH-ME-P-0152-001.pdf", 1;
    a3_scan_0153: "PH-ME-P-0153-001.pdf", 1;
    a3_scan_rotated_0156: "PH-ME-P-0156-001.pdf", 1;
    a1_scan_0156_002: "PH-ME-P-0156-002.pdf", 1;
    a3_scan_0160: "PH-ME-P-0160-001.pdf", 1;
    terms_of_use: "TERMS-OF-USE.pdf", 2;
    mixed_four_pages: "valhall_mixed_4pages.pdf", 4;
}

#[test]
fn hand_checked_sizes_of_the_a0_page() {
    // pdfinfo: media box -1687.61 -1191.54 1687.61 1191.54, 3375.22 x 2383.08 pt;
    // at 150 DPI 7031.7 x 4964.75 px.
    let doc = Document::open(
        fixture("valhall/PH-25578-P-4110010-001.pdf"),
        &diagram_core::Limits::default(),
    )
    .unwrap();
    let plan = doc.plan(0, &RenderOptions::default(), &diagram_core::Limits::default()).unwrap();
    assert_eq!((plan.frame.size().width(), plan.frame.size().height()), (7032, 4965));
    // pdfinfo: 595.22 x 842 pt with /Rotate 90 shows as 842 x 595.22 -> 1754 x 1240.
    let doc = Document::open(
        fixture("valhall/PH-25578-P-4110119-001.pdf"),
        &diagram_core::Limits::default(),
    )
    .unwrap();
    let plan = doc.plan(0, &RenderOptions::default(), &diagram_core::Limits::default()).unwrap();
    assert_eq!((plan.frame.size().width(), plan.frame.size().height()), (1754, 1240));
}

fn check_image(rel: &str, kind: InputKind, size: (u32, u32)) {
    let doc = Document::open(fixture(rel), &diagram_core::Limits::default()).unwrap();
    assert_eq!(doc.kind(), kind);
    assert_eq!(doc.page_count(), 1);
    let page = render(&doc, 0, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap();
    let PageImage::Gray(gray) = &page.image else { panic!("gray by default") };
    assert_eq!(gray.dimensions(), size);
    assert_has_ink(gray.as_raw(), rel, 0);
    drop(page);
    let colour = RenderOptions { image_scale: 0.25, ..Default::default() };
    let page = render(&doc, 0, &colour, diagram_core::ColorMode::Rgb).unwrap();
    let PageImage::Rgb(rgb) = &page.image else { panic!("colour asked") };
    let quarter = |v: u32| (v as f64 * 0.25).round() as u32;
    assert_eq!(rgb.dimensions(), (quarter(size.0), quarter(size.1)));
}

#[test]
fn rgba_tiff_scan() {
    check_image("scans/pnid.tiff", InputKind::Tiff, (9934, 7016));
}

#[test]
fn jpeg_named_png() {
    check_image("dataset-pid/image.png", InputKind::Jpeg, (7168, 4561));
}
