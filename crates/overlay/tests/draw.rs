//! Drawing scenes onto gray and RGB page bytes.

use diagram_core::{Annotation, ColorMode, PageFrame, PixelSize, Region, ShapeKind, Vertex};
use diagram_overlay::{draw, Channels, Color, DrawError, OverlayOptions, Scene, Style};

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Annotation {
    Annotation {
        text: "T-1".into(),
        confidence: None,
        region: Region {
            shape: ShapeKind::Rectangle,
            page: 1,
            vertices: [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
                .iter()
                .map(|&(x, y)| Vertex { x, y })
                .collect(),
        },
        entities: None,
    }
}

/// An opaque black outline of 2 px and an opaque fill of level 128 in both modes, so
/// pixel values are exact.
fn solid() -> OverlayOptions {
    let style = Style {
        stroke: Color::rgba(0, 0, 0, 255),
        stroke_width: 2.0,
        fill: Color::rgba(128, 128, 128, 255),
    };
    OverlayOptions { color: style, gray: style }
}

#[test]
fn a_rectangle_lands_on_its_pixels_in_gray() {
    // 0.25..0.75 of 200 x 100 is x 50..150, y 25..75; the 2 px outline covers 49..51.
    let size = PixelSize::new(200, 100).unwrap();
    let scene = Scene::build(
        &[rect(0.25, 0.25, 0.75, 0.75)],
        1,
        &PageFrame::of_pixels(size),
        ColorMode::Gray,
        &solid(),
    );
    let mut page = vec![255u8; 200 * 100];
    draw(&scene, &mut page, size, Channels::Gray).unwrap();
    let at = |x: usize, y: usize| page[y * 200 + x];
    assert_eq!(at(100, 50), 128, "inside: the fill");
    assert_eq!(at(49, 50), 0, "left edge: the outline");
    assert_eq!(at(50, 50), 0, "left edge: the outline");
    assert_eq!(at(150, 50), 0, "right edge: the outline");
    assert_eq!(at(100, 24), 0, "top edge: the outline");
    assert_eq!(at(100, 75), 0, "bottom edge: the outline");
    assert_eq!(at(47, 50), 255, "outside");
    assert_eq!(at(100, 22), 255, "outside");
    assert_eq!(at(152, 77), 255, "outside");
    // Everything untouched away from the box.
    let changed =
        (0..100).flat_map(|y| (0..200).map(move |x| (x, y))).filter(|&(x, y)| at(x, y) != 255);
    for (x, y) in changed {
        assert!((48..=151).contains(&x) && (23..=76).contains(&y), "({x}, {y}) changed");
    }
}

#[test]
fn a_polygon_lands_on_its_pixels_in_rgb() {
    let size = PixelSize::new(100, 100).unwrap();
    let triangle = Annotation {
        region: Region {
            shape: ShapeKind::Polygon,
            page: 1,
            vertices: vec![
                Vertex { x: 0.1, y: 0.1 },
                Vertex { x: 0.9, y: 0.1 },
                Vertex { x: 0.1, y: 0.9 },
            ],
        },
        ..rect(0.0, 0.0, 1.0, 1.0)
    };
    let mut options = solid();
    options.color.fill = Color::rgba(255, 0, 0, 255);
    let scene = Scene::build(&[triangle], 1, &PageFrame::of_pixels(size), ColorMode::Rgb, &options);
    let mut page = vec![255u8; 100 * 100 * 3];
    draw(&scene, &mut page, size, Channels::Rgb).unwrap();
    let at = |x: usize, y: usize| &page[(y * 100 + x) * 3..][..3];
    assert_eq!(at(25, 25), [255, 0, 0], "inside the triangle");
    assert_eq!(at(75, 75), [255, 255, 255], "beyond the hypotenuse");
    assert_eq!(at(50, 10), [0, 0, 0], "on the top edge");
}

#[test]
fn translucent_fill_blends_by_its_opacity() {
    let size = PixelSize::new(20, 20).unwrap();
    let style = Style {
        stroke: Color::rgba(0, 0, 0, 0),
        stroke_width: 0.0,
        fill: Color::rgba(0, 0, 0, 51),
    };
    let options = OverlayOptions { color: style, gray: style };
    let scene = Scene::build(
        &[rect(0.0, 0.0, 1.0, 1.0)],
        1,
        &PageFrame::of_pixels(size),
        ColorMode::Gray,
        &options,
    );
    let mut page = vec![200u8; 400];
    draw(&scene, &mut page, size, Channels::Gray).unwrap();
    // 200 * (1 - 51/255) = 160.
    assert!(page.iter().all(|&v| v == 160), "{:?}", &page[..20]);
}

#[test]
fn default_styles_change_white_and_black_pixels_alike() {
    let size = PixelSize::new(60, 60).unwrap();
    for grayscale in [true, false] {
        let scene = Scene::build(
            &[rect(0.25, 0.25, 0.75, 0.75)],
            1,
            &PageFrame::of_pixels(size),
            ColorMode::from_grayscale(grayscale),
            &OverlayOptions::default(),
        );
        let channels = if grayscale { Channels::Gray } else { Channels::Rgb };
        for background in [255u8, 0, 160] {
            let mut page = vec![background; 3600 * channels.bytes()];
            draw(&scene, &mut page, size, channels).unwrap();
            let changed = page.iter().filter(|&&v| v != background).count();
            assert!(
                changed > 100,
                "grayscale {grayscale} on {background}: {changed} bytes changed"
            );
        }
    }
}

#[test]
fn a_shape_larger_than_a_tile_and_off_the_page_is_clipped() {
    // 1300 x 700 pixels: several tiles; the box reaches past the right and bottom edges.
    let size = PixelSize::new(1300, 700).unwrap();
    let style = Style {
        stroke: Color::rgba(0, 0, 0, 0),
        stroke_width: 0.0,
        fill: Color::rgba(0, 0, 0, 255),
    };
    let options = OverlayOptions { color: style, gray: style };
    let scene = Scene::build(
        &[rect(0.1, 0.1, 1.5, 1.5)],
        1,
        &PageFrame::of_pixels(size),
        ColorMode::Gray,
        &options,
    );
    let mut page = vec![255u8; 1300 * 700];
    draw(&scene, &mut page, size, Channels::Gray).unwrap();
    let black = page.iter().filter(|&&v| v == 0).count();
    assert_eq!(black, (1300 - 130) * (700 - 70));
    let far = Scene::build(
        &[rect(2.0, 2.0, 3.0, 3.0)],
        1,
        &PageFrame::of_pixels(size),
        ColorMode::Gray,
        &options,
    );
    let before = page.clone();
    draw(&far, &mut page, size, Channels::Gray).unwrap();
    assert_eq!(page, before);
}

#[test]
fn wrong_buffers_are_errors() {
    let size = PixelSize::new(10, 10).unwrap();
    let scene = Scene::build(
        &[rect(0.1, 0.1, 0.5, 0.5)],
        1,
        &PageFrame::of_pixels(size),
        ColorMode::Gray,
        &OverlayOptions::default(),
    );
    let mut short = vec![0u8; 99];
    let err = draw(&scene, &mut short, size, Channels::Gray).unwrap_err();
    assert_eq!(err, DrawError::BufferSize { expected: 100, found: 99 });
    assert_eq!(err.to_string(), "the page buffer holds 99 bytes where 100 are needed");
    let other = PixelSize::new(5, 20).unwrap();
    let mut page = vec![0u8; 100];
    assert!(matches!(
        draw(&scene, &mut page, other, Channels::Gray),
        Err(DrawError::SizeMismatch { .. })
    ));
}
