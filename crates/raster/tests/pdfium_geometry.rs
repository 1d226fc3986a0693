//! pdfium puts page content on the pixels core's geometry predicts, under every
//! `/Rotate`, with a crop box offset from a media box with a negative origin, and with
//! `/UserUnit`; and hayro agrees. The PDFs are generated here with lopdf.
#![cfg(feature = "pdfium")]

mod pdfium_support;

use std::sync::Arc;

use diagram_raster::{RenderOptions, Renderer};
use lopdf::{dictionary, Object, Stream};
use pdfium_support::{gray, mean_abs_diff_4x4, open, pdfium_or_skip, render, with};

const MEDIA: [f64; 4] = [-200.0, -100.0, 400.0, 300.0];
const CROP: [f64; 4] = [-150.0, -60.0, 250.0, 240.0];
/// Centres of the black marks in user space, all inside the crop box, none symmetric to
/// another, so a flip or a wrong rotation moves at least one.
const MARKS: [(f64, f64); 4] = [(-120.0, -30.0), (200.0, 200.0), (0.0, 0.0), (100.0, -40.0)];
/// A mark inside the media box but outside the crop box: it must not show.
const HIDDEN: (f64, f64) = (-180.0, -85.0);
/// The side of a mark in user units.
const SIDE: f64 = 16.0;

fn page_pdf(rotate: i64, user_unit: Option<f64>) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let mut content = String::from("0 g\n");
    for (x, y) in MARKS.iter().chain([&HIDDEN]) {
        content.push_str(&format!("{} {} {SIDE} {SIDE} re f\n", x - SIDE / 2.0, y - SIDE / 2.0));
    }
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    let rect = |r: [f64; 4]| r.iter().map(|&v| Object::Real(v as f32)).collect::<Vec<_>>();
    let mut page = dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => rect(MEDIA),
        "CropBox" => rect(CROP),
        "Rotate" => rotate,
        "Contents" => content_id,
    };
    if let Some(u) = user_unit {
        page.set("UserUnit", Object::Real(u as f32));
    }
    let page_id = doc.add_object(page);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

#[test]
fn marks_land_where_the_geometry_says_under_every_rotation_and_unit() {
    if !pdfium_or_skip("marks_land_where_the_geometry_says_under_every_rotation_and_unit") {
        return;
    }
    let options = RenderOptions { dpi: 72.0, ..Default::default() };
    for rotate in [0, 90, 180, 270, -90] {
        for user_unit in [None, Some(2.0)] {
            let case = format!("/Rotate {rotate}, /UserUnit {user_unit:?}");
            let bytes: Arc<[u8]> = page_pdf(rotate, user_unit).into();
            let doc = open(&bytes);
            let plan = doc
                .plan(0, &with(&options, Renderer::Pdfium), &diagram_core::Limits::default())
                .unwrap();
            let unit = user_unit.unwrap_or(1.0);
            let (cw, ch) = ((CROP[2] - CROP[0]) * unit, (CROP[3] - CROP[1]) * unit);
            let expected = if rotate % 180 == 0 { (cw, ch) } else { (ch, cw) };
            assert_eq!(
                (plan.frame.size().width() as f64, plan.frame.size().height() as f64),
                expected,
                "{case}"
            );

            let rendered =
                render(&doc, 0, &with(&options, Renderer::Pdfium), diagram_core::ColorMode::Gray)
                    .unwrap();
            assert_eq!(rendered.image.size(), Some(plan.frame.size()), "{case}");
            let img = gray(&rendered.image);
            let t = plan.frame.geometry().user_to_pixels(plan.frame.size());
            let half = SIDE * unit / 2.0;
            for &(x, y) in &MARKS {
                let (px, py) = t.apply(x, y);
                let at = |dx: f64, dy: f64| img.get_pixel((px + dx) as u32, (py + dy) as u32)[0];
                // Inside the mark (a pixel in from its edge): black.
                for (dx, dy) in [(0.0, 0.0), (half - 1.5, half - 1.5), (1.5 - half, 1.5 - half)] {
                    assert!(
                        at(dx, dy) < 64,
                        "{case}: mark ({x}, {y}) at ({px}, {py}) +({dx}, {dy})"
                    );
                }
                // Just outside it: white.
                for (dx, dy) in
                    [(half + 2.0, 0.0), (0.0, -half - 2.0), (-half - 2.0, 0.0), (0.0, half + 2.0)]
                {
                    assert!(at(dx, dy) > 192, "{case}: outside mark ({x}, {y}) +({dx}, {dy})");
                }
            }
            // Exactly the four visible marks are drawn: the one outside the crop box is not.
            let dark = img.pixels().filter(|p| p[0] < 128).count() as f64;
            let one = (SIDE * unit) * (SIDE * unit);
            assert!((dark - 4.0 * one).abs() <= 0.15 * 4.0 * one, "{case}: {dark} dark pixels");

            let h =
                render(&doc, 0, &with(&options, Renderer::Hayro), diagram_core::ColorMode::Gray)
                    .unwrap();
            let diff = mean_abs_diff_4x4(gray(&h.image), img);
            assert!(diff < 1.0, "{case}: hayro and pdfium differ by {diff:.3}");
        }
    }
}
