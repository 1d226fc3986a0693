//! Drawing scenes onto gray and RGB page bytes.

use diagram_core::{Annotation, ColorMode, PageFrame, PixelSize, Region, ShapeKind, Vertex};
use diagram_overlay::{draw, draw_rows, Channels, Color, DrawError, OverlayOptions, Scene, Style};

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

fn gray_page(
    list: &[Annotation],
    (w, h): (u32, u32),
    style: Style,
    background: u8,
) -> impl Fn(usize, usize) -> u8 {
    let size = PixelSize::new(w, h).unwrap();
    let options = OverlayOptions { color: style, gray: style };
    let scene = Scene::build(list, 1, &PageFrame::of_pixels(size), ColorMode::Gray, &options);
    let mut page = vec![background; (w * h) as usize];
    draw(&scene, &mut page, size, Channels::Gray).unwrap();
    move |x, y| page[y * w as usize + x]
}

/// Source-over of an opaque-black-premultiplied (0) source at `alpha` on `dst`, rounded
/// to nearest: dst (255 - alpha) / 255.
fn over_black(dst: u8, alpha: u8) -> u8 {
    (dst as f64 * (255 - alpha) as f64 / 255.0).round() as u8
}

#[test]
fn default_styles_change_white_and_black_pixels_alike() {
    // A 60 x 60 page, the box 15..45 on each axis; the 3 px outline covers 13.5..16.5
    // and 43.5..46.5, so pixels 14, 15, 44 and 45 are fully under it.
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
        let n = channels.bytes();
        for background in [255u8, 0, 160] {
            let mut page = vec![background; 3600 * n];
            draw(&scene, &mut page, size, channels).unwrap();
            let at = |x: usize, y: usize| page[(y * 60 + x) * n..][..n].to_vec();
            let what = format!("grayscale {grayscale} on {background}");
            // The outline: #1a1a1a (26) on gray pages, #e6007e on colour ones, opaque.
            let stroke = if grayscale { vec![26] } else { vec![0xe6, 0x00, 0x7e] };
            for (x, y) in [(14, 30), (15, 30), (44, 30), (45, 30), (30, 14), (30, 45)] {
                assert_eq!(at(x, y), stroke, "{what}: outline at ({x}, {y})");
            }
            // Inside: the fill over the background. Gray: black at 46/255.
            let inside = at(30, 30);
            if grayscale {
                assert_eq!(inside, [over_black(background, 46)], "{what}");
            } else {
                // #e6007e at 51/255 over the background, channel by channel, within the
                // rounding of the premultiplied colour.
                for (c, got) in [0xe6u8, 0x00, 0x7e].iter().zip(&inside) {
                    let want = (*c as f64 * 51.0 + background as f64 * 204.0) / 255.0;
                    assert!((*got as f64 - want).abs() <= 1.0, "{what}: {inside:?}");
                }
            }
            // Away from the box: untouched.
            for (x, y) in [(12, 30), (30, 12), (47, 30), (30, 47), (2, 2), (57, 57), (30, 5)] {
                assert_eq!(at(x, y), vec![background; n], "{what}: ({x}, {y})");
            }
        }
    }
}

#[test]
fn translucent_fill_rounds_to_nearest() {
    // 200 (255 - 100) / 255 = 121.57: 122, where truncation would give 121.
    let style = Style {
        stroke: Color::rgba(0, 0, 0, 255),
        stroke_width: 0.0,
        fill: Color::rgba(0, 0, 0, 100),
    };
    let at = gray_page(&[rect(0.0, 0.0, 1.0, 1.0)], (8, 8), style, 200);
    assert_eq!(over_black(200, 100), 122);
    assert_eq!(at(4, 4), 122);
    // In RGB, each channel: a white fill at 100/255 over 0, 100, 200: 100 + dst 155/255.
    let size = PixelSize::new(4, 4).unwrap();
    let white = Style { fill: Color::rgba(255, 255, 255, 100), ..style };
    let options = OverlayOptions { color: white, gray: white };
    let scene = Scene::build(
        &[rect(0.0, 0.0, 1.0, 1.0)],
        1,
        &PageFrame::of_pixels(size),
        ColorMode::Rgb,
        &options,
    );
    let mut page: Vec<u8> = (0..16).flat_map(|_| [0u8, 100, 200]).collect();
    draw(&scene, &mut page, size, Channels::Rgb).unwrap();
    // 100 + 0; 100 + 100 * 155 / 255 = 160.78; 100 + 200 * 155 / 255 = 221.57.
    assert_eq!(&page[..3], [100, 161, 222]);
}

#[test]
fn a_zero_width_stroke_draws_no_outline_even_when_opaque() {
    // An opaque black stroke of width 0 and no fill: nothing changes (tiny-skia would
    // draw a hairline for width 0).
    let style = Style {
        stroke: Color::rgba(0, 0, 0, 255),
        stroke_width: 0.0,
        fill: Color::rgba(0, 0, 0, 0),
    };
    let at = gray_page(&[rect(0.25, 0.25, 0.75, 0.75)], (40, 40), style, 255);
    for y in 0..40 {
        for x in 0..40 {
            assert_eq!(at(x, y), 255, "({x}, {y})");
        }
    }
    // Nor one of a width that is not a finite number.
    for width in [f32::INFINITY, f32::NAN, -2.0] {
        let at = gray_page(
            &[rect(0.25, 0.25, 0.75, 0.75)],
            (40, 40),
            Style { stroke_width: width, ..style },
            255,
        );
        assert!((0..40).all(|y| (0..40).all(|x| at(x, y) == 255)), "width {width}");
    }
}

#[test]
fn a_transparent_stroke_changes_nothing() {
    let style =
        Style { stroke: Color::rgba(0, 0, 0, 0), stroke_width: 4.0, fill: Color::rgba(0, 0, 0, 0) };
    let at = gray_page(&[rect(0.25, 0.25, 0.75, 0.75)], (40, 40), style, 90);
    assert!((0..40).all(|y| (0..40).all(|x| at(x, y) == 90)));
}

#[test]
fn a_thick_outline_is_drawn_to_its_anti_aliased_edge() {
    // The box 20..60 of an 80 x 80 page with a 5 px outline: 17.5..22.5 on the left, so
    // pixels 17 and 22 are half covered and 18 to 21 fully (57.5..62.5 on the right).
    let style = Style {
        stroke: Color::rgba(0, 0, 0, 255),
        stroke_width: 5.0,
        fill: Color::rgba(0, 0, 0, 0),
    };
    let at = gray_page(&[rect(0.25, 0.25, 0.75, 0.75)], (80, 80), style, 255);
    for x in 18..=21 {
        assert_eq!(at(x, 40), 0, "x {x}");
    }
    for x in 58..=61 {
        assert_eq!(at(x, 40), 0, "x {x}");
    }
    // Half covered: about half way to black (anti-aliasing), on each side.
    for (x, y) in [(17, 40), (22, 40), (62, 40), (40, 17), (40, 62)] {
        let v = at(x, y);
        assert!((96..=160).contains(&v), "({x}, {y}) is {v}");
    }
    assert_eq!(at(16, 40), 255);
    assert_eq!(at(64, 40), 255);
    assert_eq!(at(40, 40), 255, "no fill");
}

#[test]
fn tiles_of_one_width_and_another_height_are_not_reused() {
    // Two boxes of the same width and different heights, the taller one second: each is
    // drawn in a tile of its own size.
    let style = Style {
        stroke: Color::rgba(0, 0, 0, 0),
        stroke_width: 0.0,
        fill: Color::rgba(0, 0, 0, 255),
    };
    let list = [rect(0.1, 0.1, 0.3, 0.2), rect(0.5, 0.1, 0.7, 0.9)];
    let at = gray_page(&list, (100, 100), style, 255);
    let black =
        (0..100).flat_map(|y| (0..100).map(move |x| (x, y))).filter(|&(x, y)| at(x, y) == 0);
    // 20 x 10 and 20 x 80 pixels.
    assert_eq!(black.count(), 200 + 1600);
    assert_eq!(at(60, 85), 0);
    assert_eq!(at(60, 95), 255);
}

#[test]
fn a_size_mismatch_names_both_sizes() {
    let size = PixelSize::new(10, 10).unwrap();
    let scene = Scene::build(
        &[rect(0.1, 0.1, 0.5, 0.5)],
        1,
        &PageFrame::of_pixels(size),
        ColorMode::Gray,
        &OverlayOptions::default(),
    );
    let other = PixelSize::new(5, 20).unwrap();
    let mut page = vec![0u8; 100];
    let err = draw(&scene, &mut page, other, Channels::Gray).unwrap_err();
    assert_eq!(err, DrawError::SizeMismatch { scene: size, buffer: other });
    assert_eq!(
        err.to_string(),
        "the highlights were placed on a 10x10 page but the page is 5x20 pixels"
    );
    // RGB needs three bytes a pixel.
    let mut rgb = vec![0u8; 100];
    let err = draw(&scene, &mut rgb, size, Channels::Rgb).unwrap_err();
    assert_eq!(err, DrawError::BufferSize { expected: 300, found: 100 });
    assert_eq!((Channels::Gray.bytes(), Channels::Rgb.bytes()), (1, 3));
}

#[test]
fn an_outline_off_the_page_still_draws_the_part_that_reaches_onto_it() {
    // A box left of a 20 x 20 page, x -10..-0.5 px, with a 3 px outline: its right edge's
    // outline covers -2..1, so pixel column 0 is fully under it. The same above the page.
    let style = Style {
        stroke: Color::rgba(0, 0, 0, 255),
        stroke_width: 3.0,
        fill: Color::rgba(0, 0, 0, 0),
    };
    let left = gray_page(&[rect(-0.5, 0.25, -0.025, 0.75)], (20, 20), style, 255);
    assert_eq!(left(0, 10), 0);
    assert_eq!(left(1, 10), 255);
    let above = gray_page(&[rect(0.25, -0.5, 0.75, -0.025)], (20, 20), style, 255);
    assert_eq!(above(10, 0), 0);
    assert_eq!(above(10, 1), 255);
}

/// Shapes of many sizes and positions, some larger than a tile, some across the page's
/// edges, with the default translucent styles.
fn busy_scene(size: PixelSize, colors: ColorMode) -> Scene {
    let mut boxes = Vec::new();
    for i in 0..40 {
        let f = i as f64 / 40.0;
        boxes.push(rect(f * 0.9, (f * 7.3) % 1.0, f * 0.9 + 0.05, (f * 7.3) % 1.0 + 0.013));
    }
    boxes.push(rect(-0.1, 0.2, 1.1, 0.93)); // taller and wider than a tile, off the page
    boxes.push(rect(0.3, 0.0, 0.31, 1.0)); // a column from top to bottom
    Scene::build(&boxes, 1, &PageFrame::of_pixels(size), colors, &OverlayOptions::default())
}

#[test]
fn strips_of_any_height_give_the_pixels_of_the_whole_page() {
    // 1100 rows: more than two tiles, so tiles straddle strips in every way.
    let size = PixelSize::new(700, 1100).unwrap();
    for (colors, channels) in [(ColorMode::Gray, Channels::Gray), (ColorMode::Rgb, Channels::Rgb)] {
        let scene = busy_scene(size, colors);
        let row_bytes = 700 * channels.bytes();
        // A page that is not plain white, so compositing onto it shows.
        let paper: Vec<u8> = (0..row_bytes * 1100).map(|i| (i % 251) as u8).collect();
        let mut whole = paper.clone();
        draw(&scene, &mut whole, size, channels).unwrap();
        assert_ne!(whole, paper, "the scene draws something");
        for rows in [1, 3, 4, 100, 511, 512, 513, 1099, 1100] {
            // Strips of a few rows cover rows 497 to 528 only, across the seam of the
            // first two tile rows (512), which each strip draws anew: the whole page at one
            // row per strip would draw every tile 512 times, for no other case.
            let (from, to) = if rows < 100 { (497, 529) } else { (0, 1100) };
            let mut banded = paper.clone();
            let window = &mut banded[row_bytes * from..row_bytes * to];
            for (i, strip) in window.chunks_mut(row_bytes * rows).enumerate() {
                draw_rows(&scene, strip, (from + i * rows) as u32, channels).unwrap();
            }
            let (got, want) = (
                &banded[row_bytes * from..row_bytes * to],
                &whole[row_bytes * from..row_bytes * to],
            );
            assert!(got == want, "{colors:?}, strips of {rows} rows");
            assert!(
                banded[..row_bytes * from] == paper[..row_bytes * from],
                "drawn above the strips"
            );
            assert!(banded[row_bytes * to..] == paper[row_bytes * to..], "drawn below the strips");
        }
    }
}

#[test]
fn a_strip_that_is_not_whole_rows_of_the_page_is_an_error() {
    let size = PixelSize::new(10, 20).unwrap();
    let scene = busy_scene(size, ColorMode::Gray);
    let strip = |y0, len| draw_rows(&scene, &mut vec![255; len], y0, Channels::Gray);
    assert_eq!(strip(0, 200), Ok(()));
    assert_eq!(strip(15, 50), Ok(()));
    assert_eq!(strip(3, 15), Err(DrawError::Strip { y0: 3, found: 15, size }));
    let err = strip(15, 60).unwrap_err();
    assert_eq!(err, DrawError::Strip { y0: 15, found: 60, size });
    assert_eq!(
        err.to_string(),
        "a strip of 60 bytes from row 15 is not whole rows of the 10x20 page"
    );
}

/// A triangle with a 35 degree corner at (200, 100) on a 300 x 200 page, outlined black
/// `stroke_width` wide on white: the gray page it draws.
fn sharp_triangle(stroke_width: f32) -> impl Fn(usize, usize) -> u8 {
    let style =
        Style { stroke: Color::rgba(0, 0, 0, 255), stroke_width, fill: Color::rgba(0, 0, 0, 0) };
    let (w, h) = (300.0, 200.0);
    let tan = 35f64.to_radians().tan();
    let pts = [(100.0, 100.0), (200.0, 100.0), (100.0, 100.0 + 100.0 * tan)];
    let polygon = Annotation {
        text: "T-1".into(),
        confidence: None,
        region: Region {
            shape: ShapeKind::Polygon,
            page: 1,
            vertices: pts.iter().map(|&(x, y)| Vertex { x: x / w, y: y / h }).collect(),
        },
        entities: None,
    };
    gray_page(&[polygon], (300, 200), style, 255)
}

#[test]
fn the_miter_tip_of_a_sharp_corner_is_drawn() {
    // Outlined 3 px wide, the miter (limit 4, tiny-skia's default) reaches
    // 1.5 / sin(17.5 deg) = 5 px beyond the corner; the box of the triangle grown by half
    // the width and a pixel ends at x = 203.
    let at = sharp_triangle(3.0);
    // Drawn at x 203 and 204, which a tile grown by half the width and a pixel cut off
    // (measured: 128 and 207 on row 98, 159 at (203, 99)).
    for (x, y) in [(203, 98), (204, 98), (203, 99)] {
        assert!(at(x, y) < 224, "({x}, {y}) is {}: the tip is cut off", at(x, y));
    }
    assert_eq!(at(206, 98), 255, "past the tip");
}

#[test]
fn the_miter_tip_of_a_thick_outline_is_drawn() {
    // Outlined 12 px wide, the miter reaches 6 / sin(17.5 deg) = 19.95 px from the corner,
    // along the outer bisector (17.5 deg above the x axis): its tip is at (219.0, 94.0),
    // within the miter limit (1 / sin(17.5 deg) = 3.3 < 4), so not beveled. A tile grown
    // by the half width plus the miter limit (6 + 4 + 1 px) rather than times it would end
    // at x = 211.
    let at = sharp_triangle(12.0);
    for (x, y) in [(212, 96), (214, 96), (216, 95)] {
        assert!(at(x, y) < 128, "({x}, {y}) is {}: the tip is cut off", at(x, y));
    }
    assert_eq!(at(222, 93), 255, "past the tip");
}
