//! Bad inputs fail the right way: the file or the page, with a message a user
//! understands, never a blank page and never a panic.

mod common;
use common::render;

use std::sync::Arc;

use common::{fixture, make_pdf, PageSpec};
use diagram_raster::{sniff, Document, InputKind, RasterError, RenderOptions};
use lopdf::{dictionary, Object};

fn open(bytes: Vec<u8>) -> Result<Document, RasterError> {
    Document::open(Arc::from(bytes), &diagram_core::Limits::default())
}

#[test]
fn document_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Document>();
    assert_send_sync::<RasterError>();
    assert_send_sync::<diagram_raster::RenderedPage>();
}

#[test]
fn sniffing_ignores_names_and_names_what_it_found() {
    assert_eq!(sniff(&fixture("dataset-pid/image.png")).unwrap(), InputKind::Jpeg);
    assert_eq!(sniff(&fixture("scans/pnid.tiff")).unwrap(), InputKind::Tiff);
    assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").unwrap(), InputKind::Png);
    assert_eq!(sniff(b"MM\0*\0\0\0\x08").unwrap(), InputKind::Tiff);
    assert_eq!(sniff(b"junk before %PDF-1.7\n").unwrap(), InputKind::Pdf);
    let found = |b: &[u8]| match sniff(b) {
        Err(RasterError::Unsupported { found }) => found,
        other => panic!("{other:?}"),
    };
    assert!(found(b"PK\x03\x04\x14\0\0\0").contains("ZIP archive"));
    assert_eq!(found(b"  <!DOCTYPE html><html></html>"), "an HTML document");
    assert_eq!(found(b"<?xml version=\"1.0\"?><svg/>"), "an SVG image");
    assert_eq!(found(b"GIF89a\x01\0"), "a GIF image");
    assert_eq!(found(b"{\"items\": []}"), "a JSON document");
    assert_eq!(found(b"MZ\x90\0\x03\0"), "a Windows executable");
    assert_eq!(found(b"\x00\x01\x02\x03\x04"), "unknown data starting with 00 01 02 03");
    let err = sniff(b"\x00\xfe\xaa\x10").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported input: found unknown data starting with 00 fe aa 10; expected a PDF, \
         PNG, JPEG or TIFF file"
    );
    assert!(matches!(sniff(b""), Err(RasterError::Empty)));
}

/// Every cut of a real scan PDF fails as a whole file or on its page; none renders.
#[test]
fn truncated_pdfs_are_errors_not_blank_pages() {
    let full = fixture("valhall/PH-ME-P-0153-001.pdf");
    let len = full.len();
    for cut in [200, 1_000, 5_000, 40_000, 100_000, len / 2, len - 5_000, len - 300, len - 8] {
        let bytes = full[..cut].to_vec();
        match open(bytes) {
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains("truncated") || msg.contains("damaged"), "cut {cut}: {msg}");
            }
            Ok(doc) => {
                for i in 0..doc.page_count() {
                    let r = render(
                        &doc,
                        i,
                        &RenderOptions { dpi: 20.0, ..Default::default() },
                        diagram_core::ColorMode::Gray,
                    );
                    // Failed as that page, damaged, and said so.
                    match r {
                        Err(RasterError::BrokenPage { page, .. }) => {
                            assert_eq!(page, i + 1, "cut {cut}")
                        }
                        other => panic!("cut {cut}: page {i} gave {other:?}, not a broken page"),
                    }
                }
            }
        }
    }
    // The complete file still opens.
    assert!(open(full.to_vec()).is_ok());
}

#[test]
fn the_40000_byte_cut_names_truncation() {
    let full = fixture("valhall/PH-ME-P-0153-001.pdf");
    let err = open(full[..40_000].to_vec()).unwrap_err();
    assert!(matches!(err, RasterError::DamagedPdf { .. }), "{err:?}");
    assert!(err.to_string().starts_with("the PDF is damaged: "), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn truncated_generated_pdfs_fail() {
    let full =
        make_pdf(&[PageSpec { marks: vec![[10.0, 10.0, 40.0, 20.0]], ..Default::default() }]);
    for cut in (10..full.len() - 7).step_by(23) {
        if let Ok(doc) = open(full[..cut].to_vec()) {
            panic!("cut {cut} of {} opened with {} pages", full.len(), doc.page_count());
        }
    }
}

#[test]
fn garbage_after_a_pdf_header_is_a_damaged_pdf() {
    let err = open(b"%PDF-1.7\n\x00\x01 this is not a PDF at all".to_vec()).unwrap_err();
    assert!(matches!(err, RasterError::DamagedPdf { .. }), "{err:?}");
}

#[test]
fn password_protected_pdf_is_refused() {
    let bytes =
        make_pdf(&[PageSpec { marks: vec![[10.0, 10.0, 40.0, 20.0]], ..Default::default() }]);
    let mut doc = lopdf::Document::load_mem(&bytes).unwrap();
    doc.trailer.set(
        "ID",
        Object::Array(vec![
            Object::string_literal(b"0123456789abcdef".to_vec()),
            Object::string_literal(b"0123456789abcdef".to_vec()),
        ]),
    );
    let version = lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "secret",
        key_length: 128,
        permissions: lopdf::Permissions::all(),
    };
    let state = lopdf::EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    let err = open(out).unwrap_err();
    assert_eq!(err, RasterError::PasswordProtected);
    assert!(err.to_string().contains("password"));
}

#[test]
fn more_than_max_pages_states_the_count() {
    let specs = vec![PageSpec::default(); 51];
    let bytes = make_pdf(&specs);
    let err = open(bytes.clone()).unwrap_err();
    assert_eq!(err, RasterError::TooManyPages { count: 51, max: 50 });
    assert_eq!(err.to_string(), "the file has 51 pages, more than the limit of 50");
    let more = diagram_core::Limits { max_pages: 60, ..Default::default() };
    assert_eq!(Document::open(Arc::from(bytes), &more).unwrap().page_count(), 51);
}

/// A two-page PDF whose second page lacks something it references.
fn with_broken_second_page(break_it: impl FnOnce(&mut lopdf::Dictionary)) -> Vec<u8> {
    let spec = PageSpec { marks: vec![[10.0, 10.0, 40.0, 20.0]], ..Default::default() };
    let bytes = make_pdf(&[spec.clone(), spec]);
    let mut doc = lopdf::Document::load_mem(&bytes).unwrap();
    let second = *doc.get_pages().get(&2).unwrap();
    break_it(doc.get_dictionary_mut(second).unwrap());
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn page_with_missing_content_is_a_page_error() {
    let bytes = with_broken_second_page(|page| page.set("Contents", Object::Reference((999, 0))));
    let doc = open(bytes).unwrap();
    assert!(render(&doc, 0, &RenderOptions::default(), diagram_core::ColorMode::Gray).is_ok());
    let err =
        render(&doc, 1, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap_err();
    assert!(matches!(err, RasterError::BrokenPage { page: 2, .. }), "{err:?}");
    assert_eq!(err.to_string(), "page 2 is damaged: its content stream cannot be loaded");
}

#[test]
fn page_with_missing_image_is_a_page_error() {
    let bytes = with_broken_second_page(|page| {
        page.set(
            "Resources",
            dictionary! { "XObject" => dictionary! { "Im0" => Object::Reference((777, 0)) } },
        )
    });
    let doc = open(bytes).unwrap();
    let err =
        render(&doc, 1, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap_err();
    assert_eq!(
        err.to_string(),
        "page 2 is damaged: its image or form resource /Im0 cannot be loaded"
    );
}

#[test]
fn page_index_past_the_end_is_a_page_error() {
    let doc = open(make_pdf(&[PageSpec::default()])).unwrap();
    let err =
        render(&doc, 3, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap_err();
    assert_eq!(err, RasterError::NoSuchPage { page: 4, count: 1 });
}

#[test]
fn invalid_options_are_refused() {
    let doc = open(make_pdf(&[PageSpec::default()])).unwrap();
    for options in [
        RenderOptions { dpi: 0.0, ..Default::default() },
        RenderOptions { dpi: f64::NAN, ..Default::default() },
        RenderOptions { target_width: Some(0), ..Default::default() },
        RenderOptions { image_scale: -1.0, ..Default::default() },
    ] {
        let limits = diagram_core::Limits::default();
        let plan = doc.plan(0, &options, &limits);
        assert!(matches!(plan, Err(RasterError::InvalidOptions(_))), "{options:?}");
    }
    let limits = diagram_core::Limits { max_pixels: 0, ..Default::default() };
    let plan = doc.plan(0, &RenderOptions::default(), &limits);
    assert!(matches!(plan, Err(RasterError::InvalidOptions(_))), "max_pixels 0");
}

#[test]
fn max_pixels_scales_down_with_a_warning() {
    let doc =
        open(make_pdf(&[PageSpec { marks: vec![[0.0, 0.0, 100.0, 100.0]], ..Default::default() }]))
            .unwrap();
    // 200 x 100 pt at 150 DPI is 417 x 208 = 86736 px; allow 10000.
    let limits = diagram_core::Limits { max_pixels: 10_000, ..Default::default() };
    let plan = doc.plan(0, &RenderOptions::default(), &limits).unwrap();
    let page =
        doc.render(&plan, diagram_core::ColorMode::Gray, diagram_core::Deadline::NONE).unwrap();
    let size = page.image.size().unwrap();
    assert!(size.area() <= 10_000, "{size}");
    assert!(size.area() > 9_000, "{size} wastes the budget");
    // The aspect ratio is kept within a pixel.
    assert!((size.width() as f64 / size.height() as f64 - 2.0).abs() < 0.03, "{size}");
    assert_eq!(page.warnings.len(), 1, "{:?}", page.warnings);
    let expected = format!(
        "page scaled to 0.34x ({}x{} px) to stay within 10000 pixels",
        size.width(),
        size.height()
    );
    assert_eq!(page.warnings[0], expected);
    // The left half of the page is black, the right half white, at the scaled size.
    let gray = match page.image {
        diagram_raster::PageImage::Gray(g) => g,
        _ => unreachable!(),
    };
    assert!(gray.get_pixel(2, size.height() / 2).0[0] < 20);
    assert!(gray.get_pixel(size.width() - 3, size.height() / 2).0[0] > 235);
}

#[test]
fn sides_above_65280_pixels_are_scaled_not_a_crash() {
    // 100000 x 100 pt at 72 DPI: 100000 px wide, past the rasteriser's u16 sides;
    // tall pages too.
    let spec = PageSpec { media: [0.0, 0.0, 100_000.0, 100.0], ..Default::default() };
    let doc = open(make_pdf(&[spec])).unwrap();
    let page = render(
        &doc,
        0,
        &RenderOptions { dpi: 72.0, ..Default::default() },
        diagram_core::ColorMode::Gray,
    )
    .unwrap();
    let size = page.image.size().unwrap();
    assert_eq!(size.width(), 65280);
    assert_eq!(size.height(), 65);
    assert_eq!(
        page.warnings,
        vec!["page scaled to 0.65x (65280x65 px) to stay within 65280 pixels per side".to_string()]
    );
    let spec =
        PageSpec { media: [0.0, 0.0, 100.0, 100_000.0], rotate: Some(90), ..Default::default() };
    let doc = open(make_pdf(&[spec])).unwrap();
    let page = render(
        &doc,
        0,
        &RenderOptions { dpi: 72.0, ..Default::default() },
        diagram_core::ColorMode::Gray,
    )
    .unwrap();
    // Turned sideways, the tall page is wide again.
    assert_eq!((page.image.width(), page.image.height()), (65280, 65));
    let spec = PageSpec { media: [0.0, 0.0, 100.0, 100_000.0], ..Default::default() };
    let doc = open(make_pdf(&[spec])).unwrap();
    let page = render(
        &doc,
        0,
        &RenderOptions { dpi: 72.0, ..Default::default() },
        diagram_core::ColorMode::Gray,
    )
    .unwrap();
    assert_eq!((page.image.width(), page.image.height()), (65, 65280));
}

#[test]
fn an_image_over_the_memory_limit_fails_its_page() {
    let small = diagram_core::Limits { max_image_bytes: 1 << 20, ..Default::default() };
    let doc = Document::open(fixture("dataset-pid/image.png"), &small).unwrap();
    let err =
        render(&doc, 0, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap_err();
    // Refused from the header, before the decoder allocates.
    assert!(matches!(err, RasterError::OverBudget { page: 1, budget: 1048576, .. }), "{err:?}");
}

/// Only without the default `pdfium` feature: CI runs this crate's tests once with
/// `--no-default-features` for it.
#[cfg(not(feature = "pdfium"))]
#[test]
fn pdfium_without_the_feature_says_how_to_get_it() {
    let doc =
        Document::open(Arc::from(make_pdf(&[PageSpec::default()])), &Default::default()).unwrap();
    let options =
        RenderOptions { renderer: diagram_raster::Renderer::Pdfium, ..Default::default() };
    let err = render(&doc, 0, &options, diagram_core::ColorMode::Gray).unwrap_err();
    assert_eq!(
        err.to_string(),
        "pdfium is not available: this build has no pdfium support; build it with the \
         `pdfium` feature of diagram-convert (on by default) or of diagram-raster"
    );
    assert_eq!(diagram_raster::pdfium_available(), Err(err));
}

#[test]
fn page_with_undecodable_content_is_a_page_error() {
    let spec = PageSpec { marks: vec![[10.0, 10.0, 40.0, 20.0]], ..Default::default() };
    let mut doc = lopdf::Document::load_mem(&make_pdf(&[spec.clone(), spec])).unwrap();
    let second = *doc.get_pages().get(&2).unwrap();
    let content =
        doc.get_dictionary(second).unwrap().get(b"Contents").unwrap().as_reference().unwrap();
    let garbage = lopdf::Stream::new(
        dictionary! { "Filter" => "FlateDecode" },
        // Not deflate: the first block has the reserved type 3.
        b"\xff\xfe this is not deflate data".to_vec(),
    );
    doc.objects.insert(content, Object::Stream(garbage));
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    let doc = open(out).unwrap();
    assert!(render(&doc, 0, &RenderOptions::default(), diagram_core::ColorMode::Gray).is_ok());
    let err =
        render(&doc, 1, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap_err();
    assert_eq!(err.to_string(), "page 2 is damaged: its content stream cannot be decoded");
}
