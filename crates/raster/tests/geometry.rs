//! Marks at known user-space places land on hand-computed pixels, whatever the page's
//! rotation, crop box, origin and unit.

mod common;
use common::render;

use std::sync::Arc;

use common::{make_pdf, PageSpec};
use diagram_raster::{Document, PageImage, RenderOptions};

/// 72 DPI: one pixel per point, so the expected pixels are easy to write by hand.
fn at_72() -> RenderOptions {
    RenderOptions { dpi: 72.0, ..Default::default() }
}

fn render_one(spec: PageSpec, options: &RenderOptions) -> image::GrayImage {
    let doc =
        Document::open(Arc::from(make_pdf(&[spec])), &diagram_core::Limits::default()).unwrap();
    let page = render(&doc, 0, options, diagram_core::ColorMode::Gray).unwrap();
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
    match page.image {
        PageImage::Gray(g) => g,
        PageImage::Rgb(_) => panic!("gray by default"),
    }
}

/// Asserts that the dark pixels (< 128) are exactly the union of `rects`, each given as
/// pixel columns `x0..x1` and rows `y0..y1`.
fn assert_marks(img: &image::GrayImage, size: (u32, u32), rects: &[[u32; 4]]) {
    assert_eq!(img.dimensions(), size, "page size in pixels");
    let inside =
        |x: u32, y: u32| rects.iter().any(|r| x >= r[0] && x < r[2] && y >= r[1] && y < r[3]);
    let mut wrong = vec![];
    for (x, y, p) in img.enumerate_pixels() {
        if (p.0[0] < 128) != inside(x, y) {
            wrong.push((x, y, p.0[0]));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} pixels differ, first: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(8)]
    );
}

// One mark, 40 wide and 20 tall, at user (10, 10) on a 200 x 100 page. Being longer than
// tall, it shows which way a rotation turned it.
const MARK: [f64; 4] = [10.0, 10.0, 40.0, 20.0];

#[test]
fn upright_page() {
    let img = render_one(PageSpec { marks: vec![MARK], ..Default::default() }, &at_72());
    // x 10..50; y up 10..30 becomes rows 100-30 .. 100-10.
    assert_marks(&img, (200, 100), &[[10, 70, 50, 90]]);
}

#[test]
fn rotate_90_turns_clockwise() {
    let spec = PageSpec { rotate: Some(90), marks: vec![MARK], ..Default::default() };
    let img = render_one(spec, &at_72());
    // Turned clockwise, the page's left edge is on top and its bottom edge on the left:
    // columns are y - 0 (10..30), rows are x - 0 (10..50).
    assert_marks(&img, (100, 200), &[[10, 10, 30, 50]]);
}

#[test]
fn rotate_180_turns_upside_down() {
    let spec = PageSpec { rotate: Some(180), marks: vec![MARK], ..Default::default() };
    let img = render_one(spec, &at_72());
    // Columns 200-50 .. 200-10, rows y 10..30 from the top.
    assert_marks(&img, (200, 100), &[[150, 10, 190, 30]]);
}

#[test]
fn rotate_270_turns_counter_clockwise() {
    let spec = PageSpec { rotate: Some(270), marks: vec![MARK], ..Default::default() };
    let img = render_one(spec, &at_72());
    // The right edge is on top: columns 100-30 .. 100-10, rows 200-50 .. 200-10.
    assert_marks(&img, (100, 200), &[[70, 150, 90, 190]]);
}

#[test]
fn negative_rotate_is_a_multiple_of_90() {
    let spec = PageSpec { rotate: Some(-90), marks: vec![MARK], ..Default::default() };
    let img = render_one(spec, &at_72());
    assert_marks(&img, (100, 200), &[[70, 150, 90, 190]]);
}

#[test]
fn crop_box_offset_from_media_box() {
    let spec = PageSpec {
        crop: Some([50.0, 20.0, 150.0, 90.0]),
        // One mark inside the crop box, one outside it (must not show).
        marks: vec![[60.0, 30.0, 40.0, 20.0], [0.0, 0.0, 30.0, 15.0]],
        ..Default::default()
    };
    let img = render_one(spec, &at_72());
    // 100 x 70 page; columns 60-50 .. 100-50, rows 90-50 .. 90-30.
    assert_marks(&img, (100, 70), &[[10, 40, 50, 60]]);
}

#[test]
fn crop_box_with_rotation() {
    let spec = PageSpec {
        crop: Some([50.0, 20.0, 150.0, 90.0]),
        rotate: Some(90),
        marks: vec![[60.0, 30.0, 40.0, 20.0]],
        ..Default::default()
    };
    let img = render_one(spec, &at_72());
    // 70 x 100 page; columns y - 20 (10..30), rows x - 50 (10..50).
    assert_marks(&img, (70, 100), &[[10, 10, 30, 50]]);
}

#[test]
fn negative_origin_media_box() {
    let spec = PageSpec {
        media: [-100.0, -50.0, 100.0, 50.0],
        marks: vec![[-90.0, -40.0, 40.0, 20.0], [60.0, 20.0, 20.0, 20.0]],
        ..Default::default()
    };
    let img = render_one(spec, &at_72());
    // Columns x + 100, rows 50 - y.
    assert_marks(&img, (200, 100), &[[10, 70, 50, 90], [160, 10, 180, 30]]);
}

#[test]
fn negative_origin_rotated_270() {
    let spec = PageSpec {
        media: [-100.0, -50.0, 100.0, 50.0],
        rotate: Some(270),
        marks: vec![[-90.0, -40.0, 40.0, 20.0]],
        ..Default::default()
    };
    let img = render_one(spec, &at_72());
    // Columns 50 - y (70..90), rows 100 - x (150..190).
    assert_marks(&img, (100, 200), &[[70, 150, 90, 190]]);
}

#[test]
fn user_unit_two_doubles_the_page() {
    let spec = PageSpec {
        media: [0.0, 0.0, 100.0, 50.0],
        user_unit: Some(2.0),
        marks: vec![[5.0, 5.0, 20.0, 10.0]],
        ..Default::default()
    };
    let img = render_one(spec, &at_72());
    // Each unit is 2 points: 200 x 100 px; columns 10..50, rows (50-15)*2 .. (50-5)*2.
    assert_marks(&img, (200, 100), &[[10, 70, 50, 90]]);
}

#[test]
fn inherited_media_box_and_rotation() {
    let spec =
        PageSpec { rotate: Some(90), marks: vec![MARK], inherit: true, ..Default::default() };
    let img = render_one(spec, &at_72());
    assert_marks(&img, (100, 200), &[[10, 10, 30, 50]]);
}

#[test]
fn size_at_150_dpi_rounds_to_nearest() {
    // 200 x 100 pt at 150/72: 416.67 x 208.33 -> 417 x 208.
    let img = render_one(PageSpec::default(), &RenderOptions::default());
    assert_eq!(img.dimensions(), (417, 208));
    // A blank page is white.
    assert!(img.pixels().all(|p| p.0[0] == 255));
}

#[test]
fn mark_at_150_dpi_covers_its_scaled_place() {
    // Scale 2.5 px/pt at 180 DPI: the mark is columns 25..125, rows 175..225 exactly.
    let spec = PageSpec { marks: vec![MARK], ..Default::default() };
    let img = render_one(spec, &RenderOptions { dpi: 180.0, ..Default::default() });
    assert_marks(&img, (500, 250), &[[25, 175, 125, 225]]);
}

#[test]
fn target_width_sets_the_scale() {
    let spec = PageSpec { marks: vec![MARK], ..Default::default() };
    let options = RenderOptions { target_width: Some(400), dpi: 10.0, ..Default::default() };
    let img = render_one(spec, &options);
    // 2 px per point whatever the dpi says.
    assert_marks(&img, (400, 200), &[[20, 140, 100, 180]]);
}

#[test]
fn colour_mode_keeps_colour_and_gray_uses_rec601() {
    let spec = PageSpec {
        media: [0.0, 0.0, 20.0, 10.0],
        colour: Some([1.0, 0.0, 0.0]),
        marks: vec![[0.0, 0.0, 20.0, 10.0]],
        ..Default::default()
    };
    let doc =
        Document::open(Arc::from(make_pdf(&[spec])), &diagram_core::Limits::default()).unwrap();
    let options = RenderOptions { dpi: 72.0, ..Default::default() };
    let PageImage::Rgb(rgb) =
        render(&doc, 0, &options, diagram_core::ColorMode::Rgb).unwrap().image
    else {
        panic!("colour")
    };
    assert_eq!(rgb.dimensions(), (20, 10));
    assert!(rgb.pixels().all(|p| p.0 == [255, 0, 0]), "{:?}", rgb.get_pixel(0, 0));
    let gray = render(&doc, 0, &at_72(), diagram_core::ColorMode::Gray).unwrap();
    let PageImage::Gray(gray) = gray.image else { panic!("gray") };
    // Rec. 601: (299 * 255 + 500) / 1000 = 76.
    assert!(gray.pixels().all(|p| p.0 == [76]), "{:?}", gray.get_pixel(0, 0));
}
