//! Text goldens of SVGs for small generated pages, at fixed precision.
//!
//! `UPDATE_GOLDENS=1 cargo test -p diagram-svg-writer --test goldens` rewrites the
//! references in `tests/goldens/` and still fails, so that a regeneration is always a
//! deliberate, reviewed step; a missing reference fails.

mod common;

use std::path::PathBuf;

use common::*;
use diagram_core::{Annotation, ColorMode, Region, ShapeKind, Vertex};
use diagram_overlay::{OverlayOptions, Scene};
use diagram_svg_writer::{write_svg, LayerKind, PageLayerMode, SvgOptions};
use serde_json::json;

const CONTENT: &str = "\
0.1 w 0 0 1 RG 10 10 m 190 90 l S
1 0 0 rg 20 60 40 20 re f
[4 2] 0 d 2 w 0 g 0 G 10 50 m 190 50 l S
[] 0 d
q 100 0 50 100 re W n 0 0.5 0 rg 90 20 80 20 re f Q
0 0 0 rg 160 70 m 180 70 l 170 90 l h f
";

fn annotations() -> Vec<Annotation> {
    let mut tag = rectangle("21-PT-1019", 1, (0.1, 0.2, 0.3, 0.4));
    tag.entities = Some(vec![
        json!({"name": "21-PT-1019", "tags": ["PT", "1019"], "count": 3, "ok": true, "none": null})
            .as_object()
            .unwrap()
            .clone(),
        json!({"id": 7}).as_object().unwrap().clone(),
    ]);
    let v = |x, y| Vertex { x, y };
    let triangle = Annotation {
        text: "VALVE".into(),
        confidence: None,
        region: Region {
            shape: ShapeKind::Polygon,
            page: 1,
            vertices: vec![v(0.8, 0.1), v(0.9, 0.3), v(0.7, 0.3)],
        },
        entities: None,
    };
    let elsewhere = rectangle("OTHER-PAGE", 2, (0.1, 0.1, 0.2, 0.2));
    vec![tag, elsewhere, triangle]
}

struct Case {
    name: &'static str,
    page: PdfPage<'static>,
    colors: ColorMode,
}

fn cases() -> Vec<Case> {
    let base = PdfPage {
        media: [0.0, 0.0, 200.0, 100.0],
        crop: None,
        rotate: 0,
        user_unit: None,
        content: CONTENT,
    };
    vec![
        Case { name: "r0-colour", page: PdfPage { ..base }, colors: ColorMode::Rgb },
        Case { name: "r0-gray", page: PdfPage { ..base }, colors: ColorMode::Gray },
        Case {
            name: "r90-crop-negative-origin",
            page: PdfPage {
                media: [-20.0, -30.0, 200.0, 100.0],
                crop: Some([5.0, 5.0, 195.0, 95.0]),
                rotate: 90,
                ..base
            },
            colors: ColorMode::Gray,
        },
        Case {
            name: "r270-user-unit",
            page: PdfPage { rotate: 270, user_unit: Some(0.5), ..base },
            colors: ColorMode::Rgb,
        },
    ]
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/goldens").join(format!("{name}.svg"))
}

/// Compares with the reference, or rewrites it under `UPDATE_GOLDENS=1` (that value
/// only, as everywhere in the project); returns a failure message. A differing output is
/// written to cargo's temporary folder for tests, never beside the tracked references.
fn check_golden(name: &str, svg: &str) -> Option<String> {
    let path = golden_path(name);
    if std::env::var("UPDATE_GOLDENS").as_deref() == Ok("1") {
        std::fs::write(&path, svg).unwrap();
        return Some(format!("{name}: reference rewritten (UPDATE_GOLDENS is set)"));
    }
    match std::fs::read_to_string(&path) {
        Err(e) => Some(format!("{name}: no reference at {}: {e}", path.display())),
        Ok(expected) if expected != svg => {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("svg-goldens");
            std::fs::create_dir_all(&dir).unwrap();
            let actual = dir.join(format!("{name}.actual.svg"));
            std::fs::write(&actual, svg).unwrap();
            Some(format!("{name}: differs from its reference; see {}", actual.display()))
        }
        Ok(_) => None,
    }
}

#[test]
fn vector_pages_match_their_goldens_and_their_pngs() {
    let mut failures = Vec::new();
    let annotations = annotations();
    for case in cases() {
        let doc = open(make_pdf(&case.page));
        let content = content(&doc, 0, case.colors);
        let overlay = OverlayOptions::default();
        let scene = Scene::build(&annotations, 1, content.frame(), case.colors, &overlay);
        let options = SvgOptions::default();
        let write = || write_svg(&scene, &content, &options).unwrap();
        let page = write();
        assert_eq!(page.layer, LayerKind::Vector, "{}", case.name);
        assert!(page.warnings.is_empty(), "{}: {:?}", case.name, page.warnings);
        assert_eq!(page.svg, write().svg, "{}: not deterministic", case.name);
        let svg = String::from_utf8(page.svg.clone()).unwrap();
        failures.extend(check_golden(case.name, &svg));

        // The vector layer draws what the raster draws: the highlights aside, which the
        // PNG does not carry, the pixels agree.
        let no_highlights = Scene::build(&[], 1, content.frame(), case.colors, &overlay);
        let bare = write_svg(&no_highlights, &content, &options).unwrap();
        let (w, h, ours) = rasterise_gray(&bare.svg);
        let image = content.image();
        assert_eq!((w, h), (image.width(), image.height()), "{}", case.name);
        let diff = block_mean_abs_diff(w, h, &ours, &gray_of(image), 4);
        assert!(diff < 1.5, "{}: mean difference {diff:.2} gray levels", case.name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn raster_page_matches_its_golden() {
    // A 4 x 2 gray image page: its layer is its PNG, as the engine encodes it.
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, 4, 2);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[0, 64, 128, 255, 255, 128, 64, 0]).unwrap();
    }
    let annotations = annotations();
    let doc = open(png.into());
    let content = content(&doc, 0, ColorMode::Gray);
    let scene =
        Scene::build(&annotations, 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    let options = SvgOptions { page_layer: PageLayerMode::Vector, ..Default::default() };
    let page = write_svg(&scene, &content, &options).unwrap();
    assert_eq!(page.layer, LayerKind::Raster);
    let svg = String::from_utf8(page.svg).unwrap();
    if let Some(failure) = check_golden("raster", &svg) {
        panic!("{failure}");
    }
}
