//! The small pieces of diagram-core, each against values written out here: the luma
//! formula, colour modes, limits and deadlines, file references and their messages,
//! regions, rectangles, transforms, pixel sizes, page geometry and frames.

use std::time::Duration;

use diagram_core::{
    luma, ColorMode, Deadline, FileRef, GeometryError, InstanceId, Limits, PageFrame, PageGeometry,
    PdfRect, PixelSize, Region, RequestError, Rotation, ShapeKind, Transform, Vertex, Violation,
};

fn close(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
}

#[test]
fn luma_is_the_rec601_formula_rounded_to_nearest() {
    // (299 R + 587 G + 114 B + 500) / 1000, worked out by hand.
    assert_eq!(luma(0, 0, 0), 0);
    assert_eq!(luma(255, 255, 255), 255);
    assert_eq!(luma(255, 0, 0), 76); // 76745 / 1000
    assert_eq!(luma(0, 255, 0), 150); // 150185 / 1000
    assert_eq!(luma(0, 0, 255), 29); // 29570 / 1000
    assert_eq!(luma(0, 0, 5), 1); // 1070 / 1000: the + 500 rounds up
    assert_eq!(luma(0, 0, 4), 0); // 956 / 1000
    assert_eq!(luma(10, 20, 30), 18); // (2990 + 11740 + 3420 + 500) / 1000 = 18.65
    assert_eq!(luma(0, 0, 9), 1); // (1026 + 500) / 1000 = 1.526: 1.026 rounds down
    assert_eq!(luma(200, 100, 50), 124); // (59800 + 58700 + 5700 + 500) / 1000 = 124.7
    assert_eq!(luma(0, 0, 14), 2); // (1596 + 500) / 1000 = 2.096: 1.596 rounds up
}

#[test]
fn colour_mode_follows_the_grayscale_flag() {
    assert_eq!(ColorMode::default(), ColorMode::Gray);
    assert_eq!(ColorMode::from_grayscale(true), ColorMode::Gray);
    assert_eq!(ColorMode::from_grayscale(false), ColorMode::Rgb);
    assert!(ColorMode::Gray.is_gray());
    assert!(!ColorMode::Rgb.is_gray());
    assert_eq!(ColorMode::Gray.channels(), 1);
    assert_eq!(ColorMode::Rgb.channels(), 3);
}

#[test]
fn limits_default_to_the_documented_values() {
    let want = Limits {
        max_request_bytes: 67_108_864,
        max_items: 50,
        max_annotations: 1000,
        max_vertices: 1000,
        max_entities: 5,
        max_entity_fields: 100,
        max_entity_bytes: 16_384,
        max_text_bytes: 1024,
        max_id_bytes: 1024,
        max_file_bytes: 2_147_483_648,
        max_pages: 50,
        max_pixels: 600_000_000,
        max_whole_pixels: 100_000_000,
        max_image_bytes: 2_147_483_648,
        max_page_bytes: 536_870_912,
        page_time_limit: Some(Duration::from_secs(120)),
    };
    assert_eq!(Limits::default(), want);
}

#[test]
fn deadlines() {
    assert_eq!(Deadline::default(), Deadline::NONE);
    assert_eq!(Deadline::after(None), Deadline::NONE);
    assert!(!Deadline::NONE.passed());
    // Too far to represent: no deadline.
    assert_eq!(Deadline::after(Some(Duration::MAX)), Deadline::NONE);
    assert_ne!(Deadline::after(Some(Duration::from_secs(3600))), Deadline::NONE);
    assert!(!Deadline::after(Some(Duration::from_secs(3600))).passed());
    assert!(Deadline::after(Some(Duration::ZERO)).passed());
}

#[test]
fn file_references_name_their_field_and_show_their_value() {
    let instance = FileRef::InstanceId(InstanceId { space: "sp".into(), external_id: "b".into() });
    assert_eq!(FileRef::Id(7).field_name(), "fileId");
    assert_eq!(FileRef::ExternalId("a.pdf".into()).field_name(), "fileExternalId");
    assert_eq!(instance.field_name(), "fileInstanceId");
    assert_eq!(FileRef::Id(-3).to_string(), "fileId -3");
    assert_eq!(
        FileRef::ExternalId("a \"b\".pdf".into()).to_string(),
        r#"fileExternalId "a \"b\".pdf""#
    );
    assert_eq!(instance.to_string(), r#"fileInstanceId "sp"/"b""#);
}

#[test]
fn region_bbox_is_the_box_of_its_vertices() {
    let v = |x, y| Vertex { x, y };
    let region = Region {
        shape: ShapeKind::Polygon,
        page: 1,
        vertices: vec![v(0.5, 0.2), v(0.1, 0.9), v(0.7, 0.4), v(0.3, 0.1)],
    };
    assert_eq!(region.bbox(), (0.1, 0.1, 0.7, 0.9));
    let empty = Region { shape: ShapeKind::Rectangle, page: 1, vertices: vec![] };
    assert_eq!(empty.bbox(), (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY));
}

#[test]
fn request_errors_print_one_line_per_problem() {
    let too_large = RequestError::TooLarge { size: 11, limit: 10 };
    assert_eq!(too_large.to_string(), "the request is 11 bytes, more than the limit of 10 bytes");
    assert_eq!(too_large.lines(), ["the request is 11 bytes, more than the limit of 10 bytes"]);
    let malformed =
        RequestError::Malformed { line: 3, column: 18, message: "trailing comma".into() };
    assert_eq!(malformed.lines(), ["line 3, column 18: trailing comma"]);
    let io = RequestError::Io {
        path: "r.json".into(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
    };
    assert_eq!(io.lines(), ["cannot read request r.json: gone"]);
    assert_eq!(std::error::Error::source(&io).unwrap().to_string(), "gone");
    let v = |p: &str, r: &str| Violation { path: p.into(), reason: r.into() };
    let invalid = RequestError::Invalid(vec![v("items", "is required"), v("$", "odd")]);
    assert_eq!(invalid.to_string(), "2 violation(s), first: items: is required");
    assert_eq!(invalid.lines(), ["items: is required", "$: odd"]);
}

#[test]
fn pdf_rects_are_normalised_and_finite() {
    let r = PdfRect::new(10.0, 20.0, 0.0, 5.0).unwrap();
    assert_eq!(r, PdfRect { x0: 0.0, y0: 5.0, x1: 10.0, y1: 20.0 });
    assert_eq!((r.width(), r.height()), (10.0, 15.0));
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(PdfRect::new(bad, 0.0, 1.0, 1.0), None);
        assert_eq!(PdfRect::new(0.0, bad, 1.0, 1.0), None);
        assert_eq!(PdfRect::new(0.0, 0.0, bad, 1.0), None);
        assert_eq!(PdfRect::new(0.0, 0.0, 1.0, bad), None);
    }
}

#[test]
fn pdf_rect_intersections() {
    let a = PdfRect::new(0.0, 0.0, 10.0, 10.0).unwrap();
    // Partial overlap: the shared corner region.
    let b = PdfRect::new(5.0, -5.0, 15.0, 8.0).unwrap();
    assert_eq!(a.intersect(&b), Some(PdfRect { x0: 5.0, y0: 0.0, x1: 10.0, y1: 8.0 }));
    assert_eq!(b.intersect(&a), a.intersect(&b));
    // Inside: the inner one.
    let inner = PdfRect::new(2.0, 3.0, 4.0, 5.0).unwrap();
    assert_eq!(a.intersect(&inner), Some(inner));
    // Touching along an edge (zero width, or zero height) or at a corner: no area.
    assert_eq!(a.intersect(&PdfRect::new(10.0, 2.0, 20.0, 8.0).unwrap()), None);
    assert_eq!(a.intersect(&PdfRect::new(2.0, 10.0, 8.0, 20.0).unwrap()), None);
    assert_eq!(a.intersect(&PdfRect::new(10.0, 10.0, 20.0, 20.0).unwrap()), None);
    // Apart.
    assert_eq!(a.intersect(&PdfRect::new(20.0, 20.0, 30.0, 30.0).unwrap()), None);
}

#[test]
fn rotations_in_degrees() {
    let all = [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270];
    let degrees: Vec<u16> = all.iter().map(|r| r.degrees()).collect();
    assert_eq!(degrees, [0, 90, 180, 270]);
    let sideways: Vec<bool> = all.iter().map(|r| r.is_sideways()).collect();
    assert_eq!(sideways, [false, true, false, true]);
    for (deg, want) in [(360, Rotation::R0), (-270, Rotation::R90), (540, Rotation::R180)] {
        assert_eq!(Rotation::from_degrees(deg), Some(want), "{deg}");
    }
    for bad in [1, 89, 91, -45, 135, 359] {
        assert_eq!(Rotation::from_degrees(bad), None, "{bad}");
    }
}

#[test]
fn transforms_apply_compose_and_invert() {
    // (x, y) -> (a x + c y + e, b x + d y + f)
    let t = Transform { a: 2.0, b: 3.0, c: 5.0, d: 7.0, e: 11.0, f: 13.0 };
    assert_eq!(t.apply(1.0, 10.0), (2.0 + 50.0 + 11.0, 3.0 + 70.0 + 13.0));
    assert_eq!(t.coeffs(), [2.0, 3.0, 5.0, 7.0, 11.0, 13.0]);
    assert_eq!(Transform::IDENTITY.apply(4.0, -6.0), (4.0, -6.0));

    // u after t: t first, then u. Every coefficient worked out by hand:
    // u(t(x, y)) with u = (x, y) -> (x - 2y + 1, 4x + 3y - 1).
    let u = Transform { a: 1.0, b: 4.0, c: -2.0, d: 3.0, e: 1.0, f: -1.0 };
    let ut = u.after(&t);
    // a = 1*2 + -2*3 = -4, b = 4*2 + 3*3 = 17, c = 1*5 + -2*7 = -9, d = 4*5 + 3*7 = 41,
    // e = 1*11 + -2*13 + 1 = -14, f = 4*11 + 3*13 - 1 = 82.
    assert_eq!(ut, Transform { a: -4.0, b: 17.0, c: -9.0, d: 41.0, e: -14.0, f: 82.0 });
    let (x, y) = t.apply(1.5, -2.0);
    assert_eq!(ut.apply(1.5, -2.0), u.apply(x, y));
    assert_eq!(t.after(&Transform::IDENTITY), t);

    // The inverse of t: det = 2*7 - 3*5 = -1, so a' = 7/-1, b' = -3/-1, c' = -5/-1,
    // d' = 2/-1, e' = -(a' 11 + c' 13) = -(-77 + 65) = 12, f' = -(b' 11 + d' 13) = -(33 - 26).
    let inv = t.invert().unwrap();
    assert_eq!(inv, Transform { a: -7.0, b: 3.0, c: 5.0, d: -2.0, e: 12.0, f: -7.0 });
    assert!(close(inv.apply(t.apply(0.25, 8.0).0, t.apply(0.25, 8.0).1), (0.25, 8.0)));

    // Singular: no inverse (a zero determinant; a determinant that is not finite).
    let flat = Transform { a: 1.0, b: 2.0, c: 2.0, d: 4.0, e: 3.0, f: 0.0 };
    assert_eq!(flat.invert(), None);
    let zero = Transform { a: 0.0, b: 0.0, c: 0.0, d: 0.0, e: 1.0, f: 1.0 };
    assert_eq!(zero.invert(), None);
    let huge = Transform { a: f64::INFINITY, d: 1.0, ..Transform::IDENTITY };
    assert_eq!(huge.invert(), None);
    let nan = Transform { b: f64::NAN, ..Transform::IDENTITY };
    assert_eq!(nan.invert(), None);
}

#[test]
fn geometry_errors_say_what_is_wrong() {
    let zero_height = PageGeometry::pdf([0.0, 5.0, 10.0, 5.0], None, 0, None);
    assert_eq!(zero_height, Err(GeometryError::EmptyMediaBox([0.0, 5.0, 10.0, 5.0])));
    let zero_width = PageGeometry::pdf([3.0, 0.0, 3.0, 10.0], None, 0, None);
    assert_eq!(zero_width, Err(GeometryError::EmptyMediaBox([3.0, 0.0, 3.0, 10.0])));
    assert!(matches!(
        PageGeometry::pdf([0.0, 0.0, f64::NAN, 10.0], None, 0, None),
        Err(GeometryError::EmptyMediaBox(_))
    ));
    assert_eq!(
        PageGeometry::pdf([0.0, 0.0, 10.0, 10.0], None, 45, None),
        Err(GeometryError::BadRotation(45))
    );
    for unit in [0.0, -1.0, f64::INFINITY] {
        assert_eq!(
            PageGeometry::pdf([0.0, 0.0, 10.0, 10.0], None, 0, Some(unit)),
            Err(GeometryError::BadUserUnit(unit)),
            "{unit}"
        );
    }
    assert!(matches!(
        PageGeometry::pdf([0.0, 0.0, 10.0, 10.0], None, 0, Some(f64::NAN)),
        Err(GeometryError::BadUserUnit(u)) if u.is_nan()
    ));
    assert_eq!(PageGeometry::image(0, 5), Err(GeometryError::EmptyImage(0, 5)));
    assert_eq!(PageGeometry::image(5, 0), Err(GeometryError::EmptyImage(5, 0)));

    assert_eq!(
        GeometryError::EmptyMediaBox([0.0, 5.0, 10.0, 5.0]).to_string(),
        "the page's media box [0.0, 5.0, 10.0, 5.0] has no area"
    );
    assert_eq!(
        GeometryError::BadRotation(45).to_string(),
        "the page's /Rotate 45 is not a multiple of 90"
    );
    assert_eq!(
        GeometryError::BadUserUnit(-1.0).to_string(),
        "the page's /UserUnit -1 is not a positive number"
    );
    assert_eq!(GeometryError::EmptyImage(0, 5).to_string(), "the image is 0x5 pixels");
}

#[test]
fn pixel_sizes_have_no_zero_side() {
    assert_eq!(PixelSize::new(0, 5), None);
    assert_eq!(PixelSize::new(5, 0), None);
    assert_eq!(PixelSize::new(0, 0), None);
    let s = PixelSize::new(70_000, 80_000).unwrap();
    assert_eq!((s.width(), s.height()), (70_000, 80_000));
    // Past u32: the area is computed in u64.
    assert_eq!(s.area(), 5_600_000_000);
    assert_eq!(s.to_string(), "70000x80000");
}

#[test]
fn user_units_and_rotation_give_the_displayed_size() {
    // 100 x 50 units, /UserUnit 2: 200 x 100 pt; turned, 100 x 200.
    let g = PageGeometry::pdf([0.0, 0.0, 100.0, 50.0], None, 0, Some(2.0)).unwrap();
    assert_eq!(g.user_unit, 2.0);
    assert!(!g.is_image);
    assert_eq!(g.displayed_size_units(), (100.0, 50.0));
    assert_eq!(g.displayed_size_pt(), (200.0, 100.0));
    let g = PageGeometry::pdf([0.0, 0.0, 100.0, 50.0], None, 270, Some(2.0)).unwrap();
    assert_eq!(g.displayed_size_units(), (50.0, 100.0));
    assert_eq!(g.displayed_size_pt(), (100.0, 200.0));
    assert_eq!(g.pixel_size(0.5), PixelSize::new(50, 100).unwrap());
    // No /UserUnit is 1.
    let g = PageGeometry::pdf([0.0, 0.0, 100.0, 50.0], None, 0, None).unwrap();
    assert_eq!(g.user_unit, 1.0);
    // The crop box applies, clipped to the media box.
    let g = PageGeometry::pdf([0.0, 0.0, 100.0, 50.0], Some([90.0, 40.0, 10.0, 60.0]), 0, None)
        .unwrap();
    assert_eq!(g.visible, PdfRect { x0: 10.0, y0: 40.0, x1: 90.0, y1: 50.0 });
    // A crop box that is not finite falls back to the media box.
    let g = PageGeometry::pdf([0.0, 0.0, 100.0, 50.0], Some([f64::NAN, 0.0, 1.0, 1.0]), 0, None)
        .unwrap();
    assert_eq!(g.visible, PdfRect { x0: 0.0, y0: 0.0, x1: 100.0, y1: 50.0 });
}

#[test]
fn pixel_sizes_round_halves_away_and_never_reach_zero() {
    let g = PageGeometry::pdf([0.0, 0.0, 10.5, 11.49], None, 0, None).unwrap();
    assert_eq!(g.pixel_size(1.0), PixelSize::new(11, 11).unwrap());
    assert_eq!(g.pixel_size(0.01), PixelSize::new(1, 1).unwrap());
    let image = PageGeometry::image(3, 2).unwrap();
    assert_eq!(image.pixel_size(1e-6), PixelSize::new(1, 1).unwrap());
    assert_eq!(image.pixel_size(2.0), PixelSize::new(6, 4).unwrap());
}

#[test]
fn image_geometry_is_one_unit_per_pixel_y_down() {
    let g = PageGeometry::image(40, 30).unwrap();
    assert_eq!(g.visible, PdfRect { x0: 0.0, y0: 0.0, x1: 40.0, y1: 30.0 });
    assert_eq!((g.rotation, g.user_unit, g.is_image), (Rotation::R0, 1.0, true));
    // At twice the size: (x, y) -> (2x, 2y), no flip.
    let t = g.user_to_pixels(PixelSize::new(80, 60).unwrap());
    assert!(close(t.apply(10.0, 5.0), (20.0, 10.0)));
    // An image geometry whose visible box does not start at 0 (the fields are public):
    // the box's corner comes to the pixmap's.
    let offset = PageGeometry { visible: PdfRect { x0: 4.0, y0: 6.0, x1: 44.0, y1: 36.0 }, ..g };
    let t = offset.user_to_pixels(PixelSize::new(40, 30).unwrap());
    assert!(close(t.apply(4.0, 6.0), (0.0, 0.0)));
    assert!(close(t.apply(44.0, 36.0), (40.0, 30.0)));
    let back = offset.pixels_to_user(PixelSize::new(40, 30).unwrap());
    assert!(close(back.apply(10.0, 20.0), (14.0, 26.0)));
}

/// A crop box at an offset, for each rotation: where its corners land, written by hand.
#[test]
fn offset_crop_boxes_map_their_corners_for_each_rotation() {
    // Visible box x 10..210, y 20..120 (200 x 100), at one pixel per point.
    let media = [0.0, 0.0, 300.0, 300.0];
    let crop = Some([10.0, 20.0, 210.0, 120.0]);
    // (rotate, size, where (10,20), (210,20) and (10,120) land, which corner of the
    // pixmap (210,120) comes to, as a share of its width and height)
    type Case = (i64, (u32, u32), [(f64, f64); 3], (f64, f64));
    let cases: [Case; 4] = [
        (0, (200, 100), [(0.0, 100.0), (200.0, 100.0), (0.0, 0.0)], (1.0, 0.0)),
        (90, (100, 200), [(0.0, 0.0), (0.0, 200.0), (100.0, 0.0)], (1.0, 1.0)),
        (180, (200, 100), [(200.0, 0.0), (0.0, 0.0), (200.0, 100.0)], (0.0, 1.0)),
        (270, (100, 200), [(100.0, 200.0), (100.0, 0.0), (0.0, 200.0)], (0.0, 0.0)),
    ];
    for (rotate, (w, h), want, far) in cases {
        let g = PageGeometry::pdf(media, crop, rotate, None).unwrap();
        let size = g.pixel_size(1.0);
        assert_eq!(size, PixelSize::new(w, h).unwrap());
        let t = g.user_to_pixels(size);
        for ((x, y), want) in [(10.0, 20.0), (210.0, 20.0), (10.0, 120.0)].into_iter().zip(want) {
            assert!(close(t.apply(x, y), want), "/Rotate {rotate}: ({x}, {y}) -> {want:?}");
        }
        // Stretched to 2 x 3 times the pixels, each side by its own factor.
        let (bw, bh) = (2.0 * w as f64, 3.0 * h as f64);
        let t = g.user_to_pixels(PixelSize::new(2 * w, 3 * h).unwrap());
        let got = t.apply(210.0, 120.0);
        assert!(close(got, (far.0 * bw, far.1 * bh)), "/Rotate {rotate}: {got:?}");
        let mid = t.apply(110.0, 70.0);
        assert!(close(mid, (bw / 2.0, bh / 2.0)), "/Rotate {rotate}: centre at {mid:?}");
    }
}

#[test]
fn frames_need_a_positive_finite_scale() {
    let g = PageGeometry::pdf([0.0, 0.0, 100.0, 50.0], None, 0, None).unwrap();
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(PageFrame::new(g, bad), None, "{bad}");
    }
    let f = PageFrame::new(g, 2.0).unwrap();
    assert_eq!(f.geometry(), &g);
    assert_eq!(f.scale(), 2.0);
    assert_eq!(f.size(), PixelSize::new(200, 100).unwrap());
    assert_eq!(f.exact_size(), (200.0, 100.0));
    let n = f.normalized_to_pixels();
    assert_eq!(n.apply(0.5, 0.25), (100.0, 25.0));

    let p = PageFrame::of_pixels(PixelSize::new(30, 20).unwrap());
    assert_eq!(p.scale(), 1.0);
    assert_eq!(p.size(), PixelSize::new(30, 20).unwrap());
    assert_eq!(p.geometry(), &PageGeometry::image(30, 20).unwrap());
}

/// The content transform draws at exactly `scale` pixels per point from the top-left
/// corner, so the far corners land at the exact (unrounded) size, for each rotation.
#[test]
fn content_is_drawn_at_the_exact_scale() {
    // 100.4 x 50.2 pt at 1 pixel per point: 100 x 50 pixels (sideways: 50 x 100).
    let media = [0.0, 0.0, 100.4, 50.2];
    type Case = (i64, (f64, f64), [(f64, f64); 3]);
    // (rotate, exact size, where user (0,0), (100.4,0) and (0,50.2) land)
    let cases: [Case; 4] = [
        (0, (100.4, 50.2), [(0.0, 50.2), (100.4, 50.2), (0.0, 0.0)]),
        (90, (50.2, 100.4), [(0.0, 0.0), (0.0, 100.4), (50.2, 0.0)]),
        (180, (100.4, 50.2), [(100.4, 0.0), (0.0, 0.0), (100.4, 50.2)]),
        (270, (50.2, 100.4), [(50.2, 100.4), (50.2, 0.0), (0.0, 100.4)]),
    ];
    for (rotate, exact, want) in cases {
        let g = PageGeometry::pdf(media, None, rotate, None).unwrap();
        let f = PageFrame::new(g, 1.0).unwrap();
        let (ew, eh) = f.exact_size();
        assert!(close((ew, eh), exact), "/Rotate {rotate}: {:?}", (ew, eh));
        let (w, h) = if rotate % 180 == 0 { (100, 50) } else { (50, 100) };
        assert_eq!(f.size(), PixelSize::new(w, h).unwrap());
        let t = f.content_transform();
        for ((x, y), want) in [(0.0, 0.0), (100.4, 0.0), (0.0, 50.2)].into_iter().zip(want) {
            let got = t.apply(x, y);
            assert!(close(got, want), "/Rotate {rotate}: ({x}, {y}) -> {got:?}, want {want:?}");
        }
    }
}
