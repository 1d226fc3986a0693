//! Building scenes: coordinates, page filtering, styles and invalid regions.

use diagram_core::{Annotation, ColorMode, PageFrame, PixelSize, Region, ShapeKind, Vertex};
use diagram_overlay::{Outline, OverlayOptions, Scene, SkipReason};

fn annotation(shape: ShapeKind, page: u32, vertices: &[(f64, f64)]) -> Annotation {
    Annotation {
        text: "T-1".into(),
        confidence: None,
        region: Region {
            shape,
            page,
            vertices: vertices.iter().map(|&(x, y)| Vertex { x, y }).collect(),
        },
        entities: None,
    }
}

const SIZE: PixelSize = PixelSize::new(1753, 1241).unwrap();

#[test]
fn rectangle_is_the_box_of_its_vertices_times_the_size() {
    // Vertices in a scrambled order.
    let a = annotation(ShapeKind::Rectangle, 1, &[(0.3, 0.7), (0.1, 0.2), (0.3, 0.2), (0.1, 0.7)]);
    let scene = Scene::build(
        &[a],
        1,
        &PageFrame::of_pixels(SIZE),
        ColorMode::Rgb,
        &OverlayOptions::default(),
    );
    assert_eq!(
        scene.shapes()[0].geometry.outline(),
        &Outline::Rect { x0: 0.1 * 1753.0, y0: 0.2 * 1241.0, x1: 0.3 * 1753.0, y1: 0.7 * 1241.0 }
    );
}

#[test]
fn polygon_keeps_its_vertices_in_order() {
    let a = annotation(ShapeKind::Polygon, 1, &[(0.5, 0.1), (0.9, 0.9), (0.1, 0.9)]);
    let scene = Scene::build(
        &[a],
        1,
        &PageFrame::of_pixels(SIZE),
        ColorMode::Rgb,
        &OverlayOptions::default(),
    );
    assert_eq!(
        scene.shapes()[0].geometry.outline(),
        &Outline::Polygon(vec![
            (0.5 * 1753.0, 0.1 * 1241.0),
            (0.9 * 1753.0, 0.9 * 1241.0),
            (0.1 * 1753.0, 0.9 * 1241.0)
        ])
    );
}

#[test]
fn only_the_pages_annotations_in_request_order() {
    let r = |x: f64| [(x, 0.1), (x + 0.05, 0.1), (x + 0.05, 0.2), (x, 0.2)];
    let list = vec![
        annotation(ShapeKind::Rectangle, 2, &r(0.1)),
        annotation(ShapeKind::Rectangle, 1, &r(0.2)),
        annotation(ShapeKind::Rectangle, 2, &r(0.3)),
    ];
    let scene = Scene::build(
        &list,
        2,
        &PageFrame::of_pixels(SIZE),
        ColorMode::Gray,
        &OverlayOptions::default(),
    );
    let indices: Vec<usize> = scene.shapes().iter().map(|s| s.annotation).collect();
    assert_eq!(indices, vec![0, 2]);
    assert!(scene.skipped().is_empty());
    assert_eq!(scene.warning(), None);
}

#[test]
fn gray_and_colour_styles_differ_and_gray_is_gray() {
    let a = annotation(ShapeKind::Rectangle, 1, &[(0.1, 0.1), (0.2, 0.2)]);
    let options = OverlayOptions::default();
    let gray = Scene::build(
        std::slice::from_ref(&a),
        1,
        &PageFrame::of_pixels(SIZE),
        ColorMode::Gray,
        &options,
    )
    .shapes()[0]
        .style;
    let colour = Scene::build(&[a], 1, &PageFrame::of_pixels(SIZE), ColorMode::Rgb, &options)
        .shapes()[0]
        .style;
    assert_ne!(gray, colour);
    for c in [gray.stroke, gray.fill] {
        assert!(c.r == c.g && c.g == c.b, "{c:?} is not gray");
    }
    assert!(colour.stroke.r != colour.stroke.g, "the colour style is not colourful");
    // Both are visible: an outline and a translucent fill.
    for style in [gray, colour] {
        assert!(style.stroke_width >= 2.0 && style.stroke.a == 255);
        assert!(style.fill.a > 0 && style.fill.a < 128);
    }
}

#[test]
fn a_custom_gray_style_in_colour_comes_out_gray() {
    let mut options = OverlayOptions::default();
    options.gray.stroke = diagram_overlay::Color::rgba(255, 0, 0, 255);
    let a = annotation(ShapeKind::Rectangle, 1, &[(0.1, 0.1), (0.2, 0.2)]);
    let style = Scene::build(&[a], 1, &PageFrame::of_pixels(SIZE), ColorMode::Gray, &options)
        .shapes()[0]
        .style;
    assert_eq!(style.stroke, diagram_overlay::Color::rgba(76, 76, 76, 255));
}

#[test]
fn invalid_regions_are_skipped_and_reported_once() {
    let list = vec![
        annotation(ShapeKind::Rectangle, 1, &[(0.1, 0.1), (0.1, 0.5)]), // a line
        annotation(ShapeKind::Rectangle, 1, &[(f64::NAN, 0.1), (0.2, 0.5)]),
        annotation(ShapeKind::Polygon, 1, &[(0.1, 0.1), (0.2, 0.2)]),
        annotation(ShapeKind::Polygon, 1, &[(0.1, 0.1), (0.2, 0.2), (0.3, 0.3)]), // collinear
        annotation(ShapeKind::Rectangle, 1, &[]),
        // A self-crossing bow tie has a zero signed area but covers pixels: kept.
        annotation(ShapeKind::Polygon, 1, &[(0.1, 0.1), (0.3, 0.3), (0.3, 0.1), (0.1, 0.3)]),
        annotation(ShapeKind::Rectangle, 1, &[(0.1, 0.1), (0.2, 0.2)]),
    ];
    let scene = Scene::build(
        &list,
        1,
        &PageFrame::of_pixels(SIZE),
        ColorMode::Gray,
        &OverlayOptions::default(),
    );
    let kept: Vec<usize> = scene.shapes().iter().map(|s| s.annotation).collect();
    assert_eq!(kept, vec![5, 6]);
    let reasons: Vec<(usize, SkipReason)> =
        scene.skipped().iter().map(|s| (s.annotation, s.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (0, SkipReason::NoArea),
            (1, SkipReason::NotFinite),
            (2, SkipReason::TooFewVertices),
            (3, SkipReason::NoArea),
            (4, SkipReason::TooFewVertices),
        ]
    );
    let warning = scene.warning().unwrap();
    assert!(warning.starts_with("5 annotation(s) not highlighted"), "{warning}");
    assert!(warning.contains("#1 (a coordinate is not a finite number)"), "{warning}");
}

#[test]
fn scenes_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Scene>();
    check::<OverlayOptions>();
}
