//! pdfium draws the page at the exact scale (`dpi / 72` pixels per point) from the
//! bitmap's top-left corner, as hayro, pdftoppm and MuPDF do, rather than stretching it
//! over the rounded pixel size; and it still draws form fields. The PDFs are generated
//! here with lopdf.
#![cfg(feature = "pdfium")]

mod pdfium_support;

use std::sync::Arc;

use diagram_raster::{RenderOptions, Renderer};
use lopdf::{dictionary, Object, Stream};
use pdfium_support::{gray, open, pdfium_or_skip, render, with};

/// The side of the square test page, in points.
const PAGE: f64 = 100.0;
/// Pixels per point: the page is 100.4 pixels wide at the exact scale, 100 once rounded.
const SCALE: f64 = 1.004;

/// A square page under `rotate` with `content`; `build` may add objects and entries to
/// the catalog, and returns the page's annotations.
fn page_pdf(
    rotate: i64,
    content: String,
    build: impl FnOnce(&mut lopdf::Document, lopdf::ObjectId, &mut lopdf::Dictionary) -> Vec<Object>,
) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let page_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    let mut page = dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), Object::Real(PAGE as f32), Object::Real(PAGE as f32)],
        "Rotate" => rotate,
        "Contents" => content_id,
    };
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    let annots = build(&mut doc, page_id, &mut catalog);
    if !annots.is_empty() {
        page.set("Annots", annots);
    }
    doc.objects.insert(page_id, Object::Dictionary(page));
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// A filled rectangle, its corner at (`x0`, `y1`) cut off, given in displayed points (x right, y down from the displayed
/// page's top-left corner), as a content stream line in user space under `rotate`.
fn displayed_rect(rotate: i64, x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    let user = |x: f64, y: f64| match rotate {
        0 => (x, PAGE - y),
        90 => (y, x),
        180 => (PAGE - x, y),
        270 => (PAGE - y, PAGE - x),
        _ => unreachable!(),
    };
    // A corner cut off, so no rectangle: pdfium fills a rectangle path out to whole
    // pixels, which would hide where its edges fall.
    let points =
        [(x0, y0), (x1, y0), (x1, y1), (x0 + 5.0, y1), (x0, y1 - 5.0)].map(|(x, y)| user(x, y));
    let mut path = format!("{} {} m", points[0].0, points[0].1);
    for (x, y) in &points[1..] {
        path.push_str(&format!(" {x} {y} l"));
    }
    path + " h f\n"
}

#[test]
fn a_fractional_scale_draws_from_the_corner_without_stretching() {
    if !pdfium_or_skip("a_fractional_scale_draws_from_the_corner_without_stretching") {
        return;
    }
    // A vertical band at displayed x 90..99.6 pt and a horizontal one at y 90..99.6 pt.
    // At the exact scale they cover pixels 90.36..99.998: pixel 90 is 64% covered, pixel
    // 99 fully. Stretched over 100 pixels they would cover 90..99.6: pixel 90 fully,
    // pixel 99 60%.
    let options = RenderOptions { dpi: 72.0 * SCALE, ..Default::default() };
    for rotate in [0, 90, 180, 270] {
        let mut content = String::from("0 g\n");
        content.push_str(&displayed_rect(rotate, 90.0, 0.0, 99.6, 50.0));
        content.push_str(&displayed_rect(rotate, 0.0, 90.0, 50.0, 99.6));
        let bytes: Arc<[u8]> = page_pdf(rotate, content, |_, _, _| Vec::new()).into();
        for renderer in [Renderer::Hayro, Renderer::Pdfium] {
            let case = format!("/Rotate {rotate}, {renderer:?}");
            let doc = open(&bytes);
            let plan =
                doc.plan(0, &with(&options, renderer), &diagram_core::Limits::default()).unwrap();
            assert_eq!(
                (plan.frame.size().width(), plan.frame.size().height()),
                (100, 100),
                "{case}"
            );
            let rendered =
                render(&doc, 0, &with(&options, renderer), diagram_core::ColorMode::Gray).unwrap();
            let img = gray(&rendered.image);
            let partial = 255.0 * (1.0 - (91.0 - 90.0 * SCALE));
            for (at, expected) in [(89, 255.0), (90, partial), (95, 0.0), (99, 0.0)] {
                let across = img.get_pixel(at, 20)[0] as f64;
                let down = img.get_pixel(20, at)[0] as f64;
                assert!(
                    (across - expected).abs() <= 20.0 && (down - expected).abs() <= 20.0,
                    "{case}: pixel {at} is {across} across, {down} down; expected {expected:.0}"
                );
            }
        }
    }
}

#[test]
fn form_fields_are_drawn_at_the_exact_scale_too() {
    if !pdfium_or_skip("form_fields_are_drawn_at_the_exact_scale_too") {
        return;
    }
    // A push button whose appearance is a black square at user 20..60 (an AcroForm
    // field): pdfium's matrix rendering skips form fields unless they are flattened.
    let bytes: Arc<[u8]> = page_pdf(0, String::new(), |doc, page_id, catalog| {
        let appearance = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 40.into(), 40.into()],
            },
            b"0 g 0 0 40 40 re f\n".to_vec(),
        ));
        let field = doc.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "Widget",
            "FT" => "Btn",
            "Ff" => 65536,
            "T" => Object::string_literal("button"),
            "Rect" => vec![20.into(), 20.into(), 60.into(), 60.into()],
            "F" => 4,
            "P" => page_id,
            "AP" => dictionary! { "N" => appearance },
        });
        catalog.set("AcroForm", dictionary! { "Fields" => vec![field.into()] });
        vec![Object::Reference(field)]
    })
    .into();
    let options = RenderOptions { dpi: 72.0 * SCALE, ..Default::default() };
    let doc = open(&bytes);
    let img = gray(
        &render(&doc, 0, &with(&options, Renderer::Pdfium), diagram_core::ColorMode::Gray)
            .unwrap()
            .image,
    )
    .clone();
    // The square covers displayed 20..60 pt, so pixels 20.08..60.24.
    for (x, y) in [(21, 41), (40, 60), (59, 79), (59, 41)] {
        assert!(img.get_pixel(x, y)[0] < 32, "inside the field at ({x}, {y})");
    }
    for (x, y) in [(18, 50), (62, 50), (40, 37), (40, 82)] {
        assert!(img.get_pixel(x, y)[0] > 224, "outside the field at ({x}, {y})");
    }
    let dark = img.pixels().filter(|p| p[0] < 128).count() as f64;
    let expected = (40.0 * SCALE) * (40.0 * SCALE);
    assert!((dark - expected).abs() <= 0.05 * expected, "{dark} dark pixels");
}
