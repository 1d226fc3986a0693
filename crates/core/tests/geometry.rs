//! Page geometry: each normalised corner maps to the matching pixel corner and user space
//! round-trips, for every rotation, box origin, crop box and user unit.

use diagram_core::{normalized_to_pixels, PageGeometry, PixelSize, Rotation};
use proptest::prelude::*;

const EPS: f64 = 1e-6;

fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
    (a.0 - b.0).abs() <= tol && (a.1 - b.1).abs() <= tol
}

/// The user-space point that is displayed at the top-left, top-right, bottom-right and
/// bottom-left corners of the page, written out by hand for each rotation: the page is
/// turned clockwise by /Rotate.
fn displayed_corners(x0: f64, y0: f64, x1: f64, y1: f64, rotation: Rotation) -> [(f64, f64); 4] {
    match rotation {
        // Upright: top-left is (x0, y1).
        Rotation::R0 => [(x0, y1), (x1, y1), (x1, y0), (x0, y0)],
        // Turned clockwise a quarter: the unrotated bottom-left comes to the top-left.
        Rotation::R90 => [(x0, y0), (x0, y1), (x1, y1), (x1, y0)],
        // Upside down: the unrotated bottom-right is now the top-left.
        Rotation::R180 => [(x1, y0), (x0, y0), (x0, y1), (x1, y1)],
        // Three quarters: the unrotated top-right comes to the top-left.
        Rotation::R270 => [(x1, y1), (x1, y0), (x0, y0), (x0, y1)],
    }
}

fn rotation() -> impl Strategy<Value = i64> {
    prop_oneof![Just(0), Just(90), Just(180), Just(270), Just(-90), Just(450)]
}

proptest! {
    #[test]
    fn corners_map_to_pixel_corners(
        mx0 in -3000.0..3000.0f64, my0 in -3000.0..3000.0f64,
        mw in 10.0..4000.0f64, mh in 10.0..4000.0f64,
        crop in proptest::option::of((0.0..0.4f64, 0.0..0.4f64, 0.6..1.0f64, 0.6..1.0f64)),
        rotate in rotation(),
        user_unit in proptest::option::of(0.5..4.0f64),
        dpi in 36.0..300.0f64,
    ) {
        let media = [mx0, my0, mx0 + mw, my0 + mh];
        let crop_box = crop.map(|(a, b, c, d)| [mx0 + a * mw, my0 + b * mh, mx0 + c * mw, my0 + d * mh]);
        let g = PageGeometry::pdf(media, crop_box, rotate, user_unit).unwrap();
        let [x0, y0, x1, y1] = crop_box.unwrap_or(media);
        let size = g.pixel_size(dpi / 72.0);

        // The pixel size is the displayed size in points at dpi, rounded.
        let (cw, ch) = ((x1 - x0) * user_unit.unwrap_or(1.0), (y1 - y0) * user_unit.unwrap_or(1.0));
        let (dw, dh) = if rotate.rem_euclid(180) == 90 { (ch, cw) } else { (cw, ch) };
        prop_assert!((size.width() as f64 - dw * dpi / 72.0).abs() <= 0.5 + EPS);
        prop_assert!((size.height() as f64 - dh * dpi / 72.0).abs() <= 0.5 + EPS);

        let to_px = g.user_to_pixels(size);
        let (w, h) = (size.width() as f64, size.height() as f64);
        let pixel_corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
        let rotation = Rotation::from_degrees(rotate).unwrap();
        let norm = normalized_to_pixels(size);
        let unit_corners = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        for ((user, pixel), unit) in displayed_corners(x0, y0, x1, y1, rotation).into_iter().zip(pixel_corners).zip(unit_corners) {
            let got = to_px.apply(user.0, user.1);
            prop_assert!(close(got, pixel, 1e-6 * (w + h)), "{user:?} -> {got:?}, expected {pixel:?}");
            let n = norm.apply(unit.0, unit.1);
            prop_assert!(close(n, pixel, EPS));
        }

        // User space round-trips through pixels.
        let back = g.pixels_to_user(size);
        for (ux, uy) in [(x0, y0), ((x0 + x1) / 2.0, y1), (x0 + 0.3 * (x1 - x0), y0 + 0.7 * (y1 - y0))] {
            let (px, py) = to_px.apply(ux, uy);
            let again = back.apply(px, py);
            prop_assert!(close(again, (ux, uy), 1e-6 * (mw + mh)));
        }
    }
}

#[test]
fn valhall_a0_with_centred_negative_origin() {
    // PH-25578-P-4110010-001: media box -1687.61 -1191.54 1687.61 1191.54.
    let g = PageGeometry::pdf([-1687.61, -1191.54, 1687.61, 1191.54], None, 0, None).unwrap();
    let size = g.pixel_size(150.0 / 72.0);
    assert_eq!(size, PixelSize::new(7032, 4965).unwrap());
    let t = g.user_to_pixels(size);
    assert!(close(t.apply(0.0, 0.0), (3516.0, 2482.5), 1e-6));
}

#[test]
fn rotated_a4_swaps_sides() {
    let g = PageGeometry::pdf([0.0, 0.0, 595.0, 842.0], None, 90, None).unwrap();
    assert_eq!(g.displayed_size_pt(), (842.0, 595.0));
    assert_eq!(g.pixel_size(2.0), PixelSize::new(1684, 1190).unwrap());
}

#[test]
fn crop_box_outside_media_box_falls_back_to_media_box() {
    let g =
        PageGeometry::pdf([0.0, 0.0, 100.0, 100.0], Some([200.0, 200.0, 300.0, 300.0]), 0, None)
            .unwrap();
    assert_eq!(g.displayed_size_pt(), (100.0, 100.0));
    let g = PageGeometry::pdf([0.0, 0.0, 100.0, 100.0], Some([50.0, -20.0, 150.0, 60.0]), 0, None)
        .unwrap();
    assert_eq!(g.displayed_size_pt(), (50.0, 60.0));
}

#[test]
fn bad_geometry_is_refused() {
    use diagram_core::GeometryError as E;
    let pdf = |m, r, u| PageGeometry::pdf(m, None, r, u);
    assert_eq!(pdf([0.0, 0.0, 0.0, 10.0], 0, None), Err(E::EmptyMediaBox([0.0, 0.0, 0.0, 10.0])));
    assert!(matches!(pdf([0.0, 0.0, f64::NAN, 10.0], 0, None), Err(E::EmptyMediaBox(_))));
    assert_eq!(pdf([0.0, 0.0, 10.0, 10.0], 45, None), Err(E::BadRotation(45)));
    assert_eq!(pdf([0.0, 0.0, 10.0, 10.0], 0, Some(0.0)), Err(E::BadUserUnit(0.0)));
    assert_eq!(PageGeometry::image(0, 5), Err(E::EmptyImage(0, 5)));
}

#[test]
fn image_pixels_map_one_to_one() {
    let g = PageGeometry::image(640, 480).unwrap();
    let size = g.pixel_size(1.0);
    assert_eq!(size, PixelSize::new(640, 480).unwrap());
    let t = g.user_to_pixels(size);
    assert!(close(t.apply(10.0, 20.0), (10.0, 20.0), EPS));
    let half = g.pixel_size(0.5);
    assert_eq!(half, PixelSize::new(320, 240).unwrap());
}

/// Rotations checked against hand-written expectations, not against
/// `Rotation::from_degrees` itself: a 200 x 100 pt page at 72 DPI, clockwise.
#[test]
fn rotations_map_corners_where_written_by_hand() {
    assert_eq!(Rotation::from_degrees(90), Some(Rotation::R90));
    assert_eq!(Rotation::from_degrees(-90), Some(Rotation::R270));
    assert_eq!(Rotation::from_degrees(450), Some(Rotation::R90));
    assert_eq!(Rotation::from_degrees(180), Some(Rotation::R180));
    assert_eq!(Rotation::from_degrees(-180), Some(Rotation::R180));
    assert_eq!(Rotation::from_degrees(270), Some(Rotation::R270));
    assert_eq!(Rotation::from_degrees(0), Some(Rotation::R0));
    assert_eq!(Rotation::from_degrees(45), None);
    /// `/Rotate`, the pixel size, and where user (0,0), (200,0) and (0,100) land.
    type Case = (i64, (u32, u32), [(f64, f64); 3]);
    let cases: [Case; 4] = [
        (0, (200, 100), [(0.0, 100.0), (200.0, 100.0), (0.0, 0.0)]),
        (90, (100, 200), [(0.0, 0.0), (0.0, 200.0), (100.0, 0.0)]),
        (180, (200, 100), [(200.0, 0.0), (0.0, 0.0), (200.0, 100.0)]),
        (270, (100, 200), [(100.0, 200.0), (100.0, 0.0), (0.0, 200.0)]),
    ];
    for (rotate, (w, h), corners) in cases {
        let g = PageGeometry::pdf([0.0, 0.0, 200.0, 100.0], None, rotate, None).unwrap();
        let size = g.pixel_size(1.0);
        assert_eq!(size, PixelSize::new(w, h).unwrap(), "/Rotate {rotate}");
        let t = g.user_to_pixels(size);
        for ((x, y), want) in [(0.0, 0.0), (200.0, 0.0), (0.0, 100.0)].into_iter().zip(corners) {
            let got = t.apply(x, y);
            assert!(
                (got.0 - want.0).abs() < 1e-9 && (got.1 - want.1).abs() < 1e-9,
                "/Rotate {rotate}: ({x}, {y}) -> {got:?}, want {want:?}"
            );
        }
    }
}
