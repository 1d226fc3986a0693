//! A multi-page TIFF gives one page per directory, each at its own size, alpha on white.

mod common;
use common::render;

use std::io::Cursor;
use std::sync::Arc;

use diagram_raster::{Document, InputKind, PageImage, RenderOptions};
use tiff::encoder::{colortype, TiffEncoder};

fn three_page_tiff() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut out).unwrap();
    // Page 1: 4x2 gray ramp.
    enc.write_image::<colortype::Gray8>(4, 2, &[0, 85, 170, 255, 0, 85, 170, 255]).unwrap();
    // Page 2: 2x3 pure green.
    enc.write_image::<colortype::RGB8>(2, 3, &[0, 255, 0].repeat(6)).unwrap();
    // Page 3: 3x1 black at alpha 0, 128 and 255.
    enc.write_image::<colortype::RGBA8>(3, 1, &[0, 0, 0, 0, 0, 0, 0, 128, 0, 0, 0, 255]).unwrap();
    out.into_inner()
}

fn gray(page: PageImage) -> image::GrayImage {
    match page {
        PageImage::Gray(g) => g,
        PageImage::Rgb(_) => panic!("gray by default"),
    }
}

#[test]
fn one_page_per_directory() {
    let doc =
        Document::open(Arc::from(three_page_tiff()), &diagram_core::Limits::default()).unwrap();
    assert_eq!(doc.kind(), InputKind::Tiff);
    assert_eq!(doc.page_count(), 3);
    let options = RenderOptions::default();

    let p1 = gray(render(&doc, 0, &options, diagram_core::ColorMode::Gray).unwrap().image);
    assert_eq!(p1.as_raw(), &[0, 85, 170, 255, 0, 85, 170, 255]);

    let p2 = gray(render(&doc, 1, &options, diagram_core::ColorMode::Gray).unwrap().image);
    assert_eq!(p2.dimensions(), (2, 3));
    // Rec. 601 luma of pure green: (587 * 255 + 500) / 1000 = 150.
    assert!(p2.pixels().all(|p| p.0 == [150]));

    // Transparent -> white; half -> mid gray; opaque -> black.
    let p3 = gray(render(&doc, 2, &options, diagram_core::ColorMode::Gray).unwrap().image);
    assert_eq!(p3.as_raw(), &[255, 127, 0]);

    let colour = RenderOptions::default();
    let PageImage::Rgb(c2) = render(&doc, 1, &colour, diagram_core::ColorMode::Rgb).unwrap().image
    else {
        panic!("colour")
    };
    assert!(c2.pixels().all(|p| p.0 == [0, 255, 0]));
}

#[test]
fn image_scale_resamples() {
    let doc =
        Document::open(Arc::from(three_page_tiff()), &diagram_core::Limits::default()).unwrap();
    let options = RenderOptions { image_scale: 2.0, ..Default::default() };
    let plan = doc.plan(1, &options, &diagram_core::Limits::default()).unwrap();
    assert_eq!((plan.frame.size().width(), plan.frame.size().height()), (4, 6));
    let p2 = gray(render(&doc, 1, &options, diagram_core::ColorMode::Gray).unwrap().image);
    assert_eq!(p2.dimensions(), (4, 6));
    assert!(p2.pixels().all(|p| p.0 == [150]));
}

#[test]
fn tiff_page_limit_counts_directories() {
    let options = diagram_core::Limits { max_pages: 2, ..Default::default() };
    let err = Document::open(Arc::from(three_page_tiff()), &options).unwrap_err();
    assert_eq!(err.to_string(), "the file has 3 pages, more than the limit of 2");
}
