//! An annotation placed in normalised coordinates on a mark of a generated page is drawn
//! on that mark, on a page that is rotated, cropped and has a negative origin: the
//! rendered page and the overlay share one pixel frame.

mod common;
use common::render;

use std::sync::Arc;

use common::{make_pdf, PageSpec};
use diagram_core::{Annotation, PixelSize, Region, ShapeKind, Vertex};
use diagram_overlay::{draw, Channels, Color, OverlayOptions, Scene, Style};
use diagram_raster::{Document, PageImage, RenderOptions};

/// Media box from (-100, -60) to (140, 100); crop box (-80, -40) to (120, 60), i.e. 200 x
/// 100 user units; /Rotate 90, so the page is displayed 100 wide and 200 tall. Under a
/// clockwise quarter turn, displayed x is `y - (-40)` and displayed y is `x - (-80)`.
/// Two red marks (x, y, width, height):
/// - A at x -60..-20, y -30..-10: displayed x 10..30, y 20..60, normalised x 0.1..0.3,
///   y 0.1..0.3;
/// - B at x 60..90, y 20..30: displayed x 60..70, y 140..170, normalised x 0.6..0.7,
///   y 0.7..0.85.
fn page() -> PageSpec {
    PageSpec {
        media: [-100.0, -60.0, 140.0, 100.0],
        crop: Some([-80.0, -40.0, 120.0, 60.0]),
        rotate: Some(90),
        marks: vec![[-60.0, -30.0, 40.0, 20.0], [60.0, 20.0, 30.0, 10.0]],
        colour: Some([1.0, 0.0, 0.0]),
        ..Default::default()
    }
}

/// The marks' boxes in normalised displayed coordinates: x0, y0, x1, y1 (see [`page`]).
const MARKS: [[f64; 4]; 2] = [[0.1, 0.1, 0.3, 0.3], [0.6, 0.7, 0.7, 0.85]];

fn annotation([x0, y0, x1, y1]: [f64; 4]) -> Annotation {
    Annotation {
        text: "mark".to_string(),
        confidence: None,
        region: Region {
            shape: ShapeKind::Rectangle,
            page: 1,
            vertices: vec![Vertex { x: x0, y: y0 }, Vertex { x: x1, y: y1 }],
        },
        entities: None,
    }
}

/// Renders the page in colour at `dpi`, then paints the annotations opaque green with no
/// outline. Returns the size, which pixels were red before and which are green after.
fn red_then_green(dpi: f64) -> (PixelSize, Vec<bool>, Vec<bool>) {
    let doc =
        Document::open(Arc::from(make_pdf(&[page()])), &diagram_core::Limits::default()).unwrap();
    let options = RenderOptions { dpi, ..Default::default() };
    let rendered = render(&doc, 0, &options, diagram_core::ColorMode::Rgb).unwrap();
    let frame = rendered.frame;
    let PageImage::Rgb(img) = rendered.image else { panic!("colour was asked for") };
    let size = frame.size();
    assert_eq!((img.width(), img.height()), (size.width(), size.height()));
    let mut bytes = img.into_raw();
    let red = bytes.chunks_exact(3).map(|p| p[0] > 128 && p[1] < 128).collect();

    let green = Color::rgba(0, 255, 0, 255);
    let style = Style { stroke: green, stroke_width: 0.0, fill: green };
    let overlay = OverlayOptions { color: style, gray: style };
    let annotations: Vec<Annotation> = MARKS.iter().map(|m| annotation(*m)).collect();
    let scene = Scene::build(&annotations, 1, &frame, diagram_core::ColorMode::Rgb, &overlay);
    assert_eq!(scene.shapes().len(), 2, "{:?}", scene.skipped());
    draw(&scene, &mut bytes, size, Channels::Rgb).unwrap();
    let painted = bytes.chunks_exact(3).map(|p| p[1] > 128 && p[0] < 128).collect();
    (size, red, painted)
}

/// The pixels where the mark and the highlight disagree, leaving out those within
/// `margin` pixels of a mark's edge.
fn disagreements(size: PixelSize, red: &[bool], green: &[bool], margin: f64) -> Vec<(u32, u32)> {
    let (w, h) = (size.width() as f64, size.height() as f64);
    let near_edge = |x: u32, y: u32| {
        let (cx, cy) = (x as f64 + 0.5, y as f64 + 0.5);
        MARKS.iter().any(|[x0, y0, x1, y1]| {
            let inside_outer = cx > x0 * w - margin
                && cx < x1 * w + margin
                && cy > y0 * h - margin
                && cy < y1 * h + margin;
            let inside_inner = cx > x0 * w + margin
                && cx < x1 * w - margin
                && cy > y0 * h + margin
                && cy < y1 * h - margin;
            inside_outer && !inside_inner
        })
    };
    let mut wrong = vec![];
    for y in 0..size.height() {
        for x in 0..size.width() {
            let i = (y * size.width() + x) as usize;
            if red[i] != green[i] && !near_edge(x, y) {
                wrong.push((x, y));
            }
        }
    }
    wrong
}

#[test]
fn highlights_cover_exactly_their_marks_at_one_pixel_per_point() {
    let (size, red, green) = red_then_green(72.0);
    assert_eq!(size, PixelSize::new(100, 200).unwrap());
    // Marks of 20 x 40 and 10 x 30 pixels, every one of them covered and nothing else.
    assert_eq!(red.iter().filter(|r| **r).count(), 20 * 40 + 10 * 30);
    let wrong = disagreements(size, &red, &green, 0.0);
    assert!(
        wrong.is_empty(),
        "{} pixels differ, first {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(8)]
    );
}

#[test]
fn highlights_cover_their_marks_at_150_dpi_to_within_a_pixel() {
    // 100 x 200 pt at 150 DPI is 208.33 x 416.67 pixels, rounded to 208 x 417: the page
    // is drawn at the exact scale, the highlights on the rounded frame, so they may part
    // by up to half a pixel at the far edges; anti-aliased edges blur by one more.
    let (size, red, green) = red_then_green(150.0);
    assert_eq!(size, PixelSize::new(208, 417).unwrap());
    let marked = red.iter().filter(|r| **r).count() as f64;
    let expected = (0.2 * 208.33) * (0.2 * 416.67) + (0.1 * 208.33) * (0.15 * 416.67);
    assert!(
        (marked - expected).abs() < 0.05 * expected,
        "{marked} red pixels, {expected:.0} expected"
    );
    let wrong = disagreements(size, &red, &green, 1.0);
    assert!(
        wrong.is_empty(),
        "{} pixels differ, first {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(8)]
    );
}
