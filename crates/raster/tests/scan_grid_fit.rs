//! A scan drawn over a page whose size is a fraction of a pixel off the rounded pixmap
//! lands where pdftoppm and MuPDF draw it: the page at the exact scale, the image
//! snapped out to whole pixels (the vendored hayro patch `grid_fit`, PATCHES.md).

mod common;
use common::render;

use std::sync::Arc;

use diagram_raster::{Document, PageImage, RenderOptions};
use lopdf::{dictionary, Object, Stream};

/// A page like PH-ME-P-0156-001 in miniature: media box 60.4 x 100.4 pt under /Rotate 90
/// (so displayed 100.4 x 60.4), filled by a 100 x 60 gray image drawn with the matrix
/// that turns it back upright. The image is white but for its column 98 and row 58.
fn rotated_scan_pdf() -> Vec<u8> {
    let (w, h) = (100usize, 60usize);
    let mut pixels = vec![255u8; w * h];
    for y in 0..h {
        for x in 0..w {
            if x == 98 || y == 58 {
                pixels[y * w + x] = 0;
            }
        }
    }
    let mut doc = lopdf::Document::with_version("1.5");
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64,
            "Height" => h as i64, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        pixels,
    ));
    let content = b"q 0 100.4 -60.4 0 60.4 0 cm /Im0 Do Q".to_vec();
    let content = doc.add_object(Stream::new(dictionary! {}, content));
    let real = |v: f32| Object::Real(v);
    let page = dictionary! {
        "Type" => "Page", "Contents" => content, "Rotate" => 90,
        "MediaBox" => vec![real(0.0), real(0.0), real(60.4), real(100.4)],
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image } },
    };
    common::single_page_pdf(doc, page)
}

#[test]
fn rotated_scan_fills_the_pixels_pdftoppm_and_mupdf_fill() {
    let doc =
        Document::open(Arc::from(rotated_scan_pdf()), &diagram_core::Limits::default()).unwrap();
    let options = RenderOptions { dpi: 72.0, ..Default::default() };
    let page = render(&doc, 0, &options, diagram_core::ColorMode::Gray).unwrap();
    let PageImage::Gray(img) = page.image else { panic!("gray by default") };
    // 100.4 x 60.4 pt at one pixel per point, rounded to nearest.
    assert_eq!(img.dimensions(), (100, 60));
    // At the exact scale the image spans 100.4 x 60.4 pixels; snapped out to whole
    // pixels it spans 101 x 61, i.e. 1.01 pixels per image column and 61/60 per row. Image
    // column 98 then covers x 98.98..99.99, which holds the centre of pixel column 99
    // only; image row 58 covers y 58.97..59.98, the centre of pixel row 59 only. (Drawn
    // by stretching the page over 100 x 60 pixels instead, they would be column 98 and
    // row 58. pdftoppm -r 72 and mutool draw -r 72 put them at 99 and 59.)
    let mut wrong = vec![];
    for (x, y, p) in img.enumerate_pixels() {
        let dark = x == 99 || y == 59;
        if (p.0[0] < 128) != dark {
            wrong.push((x, y, p.0[0]));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} pixels wrong, first {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(8)]
    );
}
