//! A crop box that does not overlap the media box: the geometry falls back to the media
//! box (as PDF viewers do), and the render shows the media box too rather than a blank
//! page clipped to the empty intersection (the vendored hayro patch, PATCHES.md).

mod common;
use common::render;

use std::sync::Arc;

use common::{make_pdf, PageSpec};
use diagram_raster::{Document, PageImage, RenderOptions};

fn dark_pixels(spec: PageSpec) -> ((u32, u32), Vec<(u32, u32)>) {
    let doc =
        Document::open(Arc::from(make_pdf(&[spec])), &diagram_core::Limits::default()).unwrap();
    let options = RenderOptions { dpi: 72.0, ..Default::default() };
    let plan = doc.plan(0, &options, &diagram_core::Limits::default()).unwrap();
    let page = render(&doc, 0, &options, diagram_core::ColorMode::Gray).unwrap();
    let PageImage::Gray(img) = page.image else { panic!("gray by default") };
    assert_eq!(img.dimensions(), (plan.frame.size().width(), plan.frame.size().height()));
    let dark = img.enumerate_pixels().filter(|(_, _, p)| p.0[0] < 128).map(|(x, y, _)| (x, y));
    (img.dimensions(), dark.collect())
}

fn rect_pixels([x0, y0, x1, y1]: [u32; 4]) -> Vec<(u32, u32)> {
    (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).collect()
}

#[test]
fn a_crop_box_beside_the_media_box_renders_the_media_box() {
    let spec = PageSpec {
        crop: Some([300.0, 300.0, 400.0, 350.0]),
        marks: vec![[10.0, 10.0, 40.0, 20.0]],
        ..Default::default()
    };
    let (size, dark) = dark_pixels(spec);
    // The 200 x 100 media box at one pixel per point; the mark x 10..50, y 10..30 is
    // columns 10..50 and rows 100-30 .. 100-10.
    assert_eq!(size, (200, 100));
    assert_eq!(dark, rect_pixels([10, 70, 50, 90]));
}

#[test]
fn a_disjoint_crop_box_on_a_rotated_page_with_a_negative_origin() {
    let spec = PageSpec {
        media: [-100.0, -50.0, 100.0, 50.0],
        crop: Some([-500.0, -500.0, -400.0, -450.0]),
        rotate: Some(90),
        marks: vec![[-90.0, -40.0, 40.0, 20.0]],
        ..Default::default()
    };
    let (size, dark) = dark_pixels(spec);
    // Turned clockwise: columns are y - y0 (10..30), rows are x - x0 (10..50).
    assert_eq!(size, (100, 200));
    assert_eq!(dark, rect_pixels([10, 10, 30, 50]));
}

#[test]
fn a_crop_box_touching_the_media_box_only_at_an_edge_falls_back_too() {
    // The intersection is a line of no area: nothing would be visible.
    let spec = PageSpec {
        crop: Some([200.0, 0.0, 300.0, 100.0]),
        marks: vec![[10.0, 10.0, 40.0, 20.0]],
        ..Default::default()
    };
    let (size, dark) = dark_pixels(spec);
    assert_eq!(size, (200, 100));
    assert_eq!(dark, rect_pixels([10, 70, 50, 90]));
}
