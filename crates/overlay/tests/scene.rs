//! Building scenes: coordinates, page filtering, styles and invalid regions.

use diagram_core::{Annotation, ColorMode, PageFrame, PixelSize, Region, ShapeKind, Vertex};
use diagram_overlay::{Outline, OverlayOptions, Scene, ShapeGeometry, SkipReason};

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

fn reasons(list: &[Annotation]) -> Vec<(usize, SkipReason)> {
    Scene::build(list, 1, &PageFrame::of_pixels(SIZE), ColorMode::Gray, &OverlayOptions::default())
        .skipped()
        .iter()
        .map(|s| (s.annotation, s.reason))
        .collect()
}

#[test]
fn a_coordinate_that_is_not_finite_skips_its_shape_in_either_axis() {
    use ShapeKind::{Polygon, Rectangle};
    let list = vec![
        annotation(Rectangle, 1, &[(0.1, 0.1), (0.2, f64::NAN)]),
        annotation(Rectangle, 1, &[(0.1, f64::INFINITY), (0.2, 0.2)]),
        annotation(Rectangle, 1, &[(f64::NEG_INFINITY, 0.1), (0.2, 0.2)]),
        annotation(Polygon, 1, &[(0.1, 0.1), (0.5, 0.1), (0.3, f64::NAN)]),
        annotation(Polygon, 1, &[(0.1, 0.1), (f64::NAN, 0.1), (0.3, 0.4)]),
    ];
    assert_eq!(reasons(&list), (0..5).map(|i| (i, SkipReason::NotFinite)).collect::<Vec<_>>());
}

#[test]
fn a_rectangle_without_height_or_width_has_no_area() {
    use ShapeKind::Rectangle;
    let list = vec![
        annotation(Rectangle, 1, &[(0.1, 0.4), (0.3, 0.4), (0.3, 0.4), (0.1, 0.4)]),
        annotation(Rectangle, 1, &[(0.2, 0.1), (0.2, 0.5)]),
        annotation(Rectangle, 1, &[(0.2, 0.2)]),
    ];
    assert_eq!(
        reasons(&list),
        vec![(0, SkipReason::NoArea), (1, SkipReason::NoArea), (2, SkipReason::NoArea)]
    );
    // A rectangle of one pixel by one pixel is kept.
    let one = 1.0 / 1753.0;
    let scene = Scene::build(
        &[annotation(Rectangle, 1, &[(0.5, 0.5), (0.5 + one, 0.5 + 1.0 / 1241.0)])],
        1,
        &PageFrame::of_pixels(SIZE),
        ColorMode::Gray,
        &OverlayOptions::default(),
    );
    assert_eq!(scene.shapes().len(), 1);
}

#[test]
fn collinear_polygons_have_no_area_wherever_their_first_vertex_is() {
    use ShapeKind::Polygon;
    let list = vec![
        // First vertex in the middle of the line, at the far end, then repeated points.
        annotation(Polygon, 1, &[(0.2, 0.2), (0.1, 0.1), (0.3, 0.3)]),
        annotation(Polygon, 1, &[(0.3, 0.3), (0.1, 0.1), (0.2, 0.2)]),
        annotation(Polygon, 1, &[(0.3, 0.1), (0.1, 0.3), (0.2, 0.2), (0.25, 0.15)]),
        annotation(Polygon, 1, &[(0.4, 0.4), (0.4, 0.4), (0.4, 0.4)]),
        // Vertical and horizontal lines.
        annotation(Polygon, 1, &[(0.2, 0.5), (0.2, 0.1), (0.2, 0.3)]),
        annotation(Polygon, 1, &[(0.5, 0.2), (0.1, 0.2), (0.3, 0.2)]),
    ];
    assert_eq!(reasons(&list), (0..6).map(|i| (i, SkipReason::NoArea)).collect::<Vec<_>>());
}

#[test]
fn triangles_are_kept_wherever_their_first_vertex_is() {
    use ShapeKind::Polygon;
    // The first vertex farthest from the page's origin, nearest to it, in the middle.
    let list = vec![
        annotation(Polygon, 1, &[(0.9, 0.9), (0.1, 0.1), (0.5, 0.1)]),
        annotation(Polygon, 1, &[(0.1, 0.1), (0.9, 0.9), (0.5, 0.1)]),
        annotation(Polygon, 1, &[(0.5, 0.1), (0.9, 0.9), (0.1, 0.1)]),
        // Four points, only the last one off the line.
        annotation(Polygon, 1, &[(0.2, 0.2), (0.1, 0.1), (0.3, 0.3), (0.3, 0.1)]),
    ];
    let scene = Scene::build(
        &list,
        1,
        &PageFrame::of_pixels(SIZE),
        ColorMode::Gray,
        &OverlayOptions::default(),
    );
    assert!(scene.skipped().is_empty(), "{:?}", scene.skipped());
    assert_eq!(scene.shapes().len(), 4);
}

#[test]
fn the_collinearity_check_is_a_distance_in_pixels() {
    // 1e-10 px off a 1000 px line: a line. 1e-6 px off: a (thin) polygon.
    let flat = vec![(0.0, 0.0), (1000.0, 0.0), (500.0, 1e-10)];
    assert_eq!(ShapeGeometry::polygon(flat), None);
    let thin = vec![(0.0, 0.0), (1000.0, 0.0), (500.0, 1e-6)];
    assert!(ShapeGeometry::polygon(thin).is_some());
    // Exactly 1e-9 px off a 1 px line: still a line (the bound is exclusive).
    let at_bound = vec![(0.0, 0.0), (1.0, 0.0), (0.5, 1e-9)];
    assert_eq!(ShapeGeometry::polygon(at_bound), None);
    let past_bound = vec![(0.0, 0.0), (1.0, 0.0), (0.5, 2e-9)];
    assert!(ShapeGeometry::polygon(past_bound).is_some());
    // The same in a short line: 2e-10 px off a 0.001 px line is still a line.
    let short = vec![(0.0, 0.0), (0.001, 0.0), (0.0005, 2e-10)];
    assert_eq!(ShapeGeometry::polygon(short), None);
    // Off the line through the first vertex and the vertex farthest from it, whichever
    // comes first.
    let far_first = vec![(0.0, 0.0), (4.0, 4.0), (1.0, 1.0), (2.0, 2.0 + 1e-6)];
    assert!(ShapeGeometry::polygon(far_first).is_some());
    let near_first = vec![(2.0, 2.0), (1.0, 1.0), (4.0, 4.0), (0.0, 1e-6)];
    assert!(ShapeGeometry::polygon(near_first).is_some());
}

#[test]
fn shape_geometries_are_checked_when_built() {
    let r = ShapeGeometry::rect(1.0, 2.0, 3.0, 5.0).unwrap();
    assert_eq!(r.outline(), &Outline::Rect { x0: 1.0, y0: 2.0, x1: 3.0, y1: 5.0 });
    assert_eq!(r.bounds(), (1.0, 2.0, 3.0, 5.0));
    for (x0, y0, x1, y1) in [
        (1.0, 2.0, 1.0, 5.0),
        (1.0, 2.0, 3.0, 2.0),
        (3.0, 2.0, 1.0, 5.0),
        (1.0, 5.0, 3.0, 2.0),
        (1.0, 2.0, f64::INFINITY, 5.0),
        (1.0, f64::NAN, 3.0, 5.0),
        (1.0, 2.0, 3.0, f64::NAN),
        (f64::NEG_INFINITY, 2.0, 3.0, 5.0),
    ] {
        assert_eq!(ShapeGeometry::rect(x0, y0, x1, y1), None, "{:?}", (x0, y0, x1, y1));
    }
    let points = vec![(5.0, 1.0), (9.0, 7.0), (2.0, 4.0)];
    let p = ShapeGeometry::polygon(points.clone()).unwrap();
    assert_eq!(p.outline(), &Outline::Polygon(points));
    assert_eq!(p.bounds(), (2.0, 1.0, 9.0, 7.0));
    assert_eq!(ShapeGeometry::polygon(vec![(0.0, 0.0), (1.0, 1.0)]), None);
    assert_eq!(ShapeGeometry::polygon(vec![(0.0, 0.0), (1.0, 0.0), (0.0, f64::NAN)]), None);
    assert_eq!(ShapeGeometry::polygon(vec![]), None);
    // One coordinate NaN among points that are otherwise a real polygon.
    let nan_y = vec![(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.5, f64::NAN)];
    assert_eq!(ShapeGeometry::polygon(nan_y), None);
    let inf_x = vec![(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (f64::INFINITY, 0.5)];
    assert_eq!(ShapeGeometry::polygon(inf_x), None);
}

#[test]
fn a_scene_carries_its_page_frame_colours_and_labels() {
    let frame = PageFrame::new(diagram_core::PageGeometry::image(300, 200).unwrap(), 0.5).unwrap();
    let mut a = annotation(ShapeKind::Rectangle, 3, &[(0.1, 0.1), (0.5, 0.5)]);
    a.text = "21-PT-1019".into();
    a.confidence = Some(0.75);
    let mut entity = diagram_core::Entity::new();
    entity.insert("userDefinedField".into(), "21PT1019".into());
    a.entities = Some(vec![entity.clone()]);
    let bare = annotation(ShapeKind::Rectangle, 3, &[(0.6, 0.6), (0.7, 0.7)]);
    let scene = Scene::build(&[a, bare], 3, &frame, ColorMode::Rgb, &OverlayOptions::default());
    assert_eq!(scene.page(), 3);
    assert_eq!(scene.frame(), &frame);
    assert_eq!(scene.size(), PixelSize::new(150, 100).unwrap());
    assert_eq!(scene.colors(), ColorMode::Rgb);
    let shapes = scene.shapes();
    assert_eq!(shapes[0].label.text, "21-PT-1019");
    assert_eq!(shapes[0].label.confidence, Some(0.75));
    assert_eq!(shapes[0].label.entities, vec![entity]);
    assert_eq!(shapes[0].style, OverlayOptions::default().color);
    // Placed in the frame's pixels (150 x 100), not the image's (300 x 200).
    assert_eq!(shapes[0].geometry.bounds(), (15.0, 10.0, 75.0, 50.0));
    assert_eq!((shapes[1].label.confidence, shapes[1].label.entities.len()), (None, 0));
    assert_eq!(shapes[1].annotation, 1);
}

#[test]
fn the_warning_names_every_skipped_annotation_with_its_reason() {
    use ShapeKind::{Polygon, Rectangle};
    let list = vec![
        annotation(Rectangle, 1, &[(0.1, 0.1), (0.2, 0.2)]),
        annotation(Rectangle, 1, &[(0.1, 0.1), (0.1, 0.5)]),
        annotation(Rectangle, 2, &[(0.1, 0.1), (0.1, 0.5)]),
        annotation(Polygon, 1, &[(0.1, 0.1), (0.2, 0.2)]),
        annotation(Rectangle, 1, &[(f64::NAN, 0.1), (0.2, 0.5)]),
    ];
    let scene = Scene::build(
        &list,
        1,
        &PageFrame::of_pixels(SIZE),
        ColorMode::Gray,
        &OverlayOptions::default(),
    );
    assert_eq!(
        scene.warning().unwrap(),
        "3 annotation(s) not highlighted because their region is invalid: #1 (the shape has no \
         area), #3 (too few vertices), #4 (a coordinate is not a finite number)"
    );
}
