//! The entry point's contract: errors, when the page PNG is encoded, forced modes, gray
//! embedded images.

mod common;

use base64::Engine as _;
use common::*;
use std::time::Duration;

use diagram_core::{ColorMode, Deadline, Limits};
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::{Document, PageContent, PngCompression, PngFilter, PngOptions, RenderOptions};
use diagram_svg_writer::{write_svg, LayerKind, PageLayerMode, SvgError, SvgOptions, SvgPage};

const LINES: &str = "0 0 1 RG 1 w 10 10 m 190 90 l S 1 0 0 rg 20 20 30 30 re f";

fn vector_doc() -> diagram_raster::Document {
    open(make_pdf(&PdfPage {
        media: [0.0, 0.0, 200.0, 100.0],
        crop: None,
        rotate: 0,
        user_unit: None,
        content: LINES,
    }))
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SvgOptions>();
    check::<SvgPage>();
    check::<SvgError>();
}

/// The first page of `doc` at 150 DPI in gray, its PNG encoded with `png`, by `deadline`.
fn content_with(
    doc: &Document,
    png: PngOptions,
    deadline: Deadline,
) -> diagram_raster::PageContent<'_> {
    let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
    let page = doc.render(&plan, ColorMode::Gray, Deadline::NONE).unwrap();
    PageContent::new(doc, page, png, deadline)
}

/// PNG options the encoder refuses: any attempt to encode the page fails.
const UNENCODABLE: PngOptions =
    PngOptions { compression: PngCompression::Level(12), filter: PngFilter::Paeth };

#[test]
fn errors_name_the_problem() {
    let doc = vector_doc();
    let content = content(&doc, 0, ColorMode::Gray);
    let annotations = vec![rectangle("A", 1, (0.1, 0.1, 0.2, 0.2))];
    let options = SvgOptions::default();

    // A scene placed on the page at another resolution than its content.
    let at_72 = RenderOptions { dpi: 72.0, ..Default::default() };
    let frame = doc.plan(0, &at_72, &Limits::default()).unwrap().frame;
    let scene = Scene::build(&annotations, 1, &frame, ColorMode::Gray, &OverlayOptions::default());
    let err = write_svg(&scene, &content, &options).unwrap_err();
    assert!(matches!(err, SvgError::FrameMismatch { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the highlights were placed on a 200x100 page but the page is 417x208 pixels"
    );

    let scene =
        Scene::build(&annotations, 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    let raster = SvgOptions { page_layer: PageLayerMode::Raster, ..Default::default() };
    let unencodable = content_with(&doc, UNENCODABLE, Deadline::NONE);
    let err = write_svg(&scene, &unencodable, &raster).unwrap_err();
    assert!(matches!(err, SvgError::Png(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the page image for the SVG could not be encoded: png compression level 12 is out of \
         range; use 1 (fastest) to 9 (smallest)"
    );

    // A vector pass past the page's deadline stops and says so.
    let late = content_with(&doc, PngOptions::default(), Deadline::after(Some(Duration::ZERO)));
    let err = write_svg(&scene, &late, &options).unwrap_err();
    assert!(matches!(err, SvgError::TimedOut), "{err:?}");
    assert_eq!(err.to_string(), "writing the SVG stopped at the time limit");
}

#[test]
fn the_page_png_is_encoded_only_for_the_raster_layer() {
    let doc = vector_doc();
    // A content whose PNG cannot be encoded: writing succeeds exactly when it is not needed.
    let content = content_with(&doc, UNENCODABLE, Deadline::NONE);
    let scene = Scene::build(&[], 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    for (mode, needs_png) in [
        (PageLayerMode::Auto, false),
        (PageLayerMode::Vector, false),
        (PageLayerMode::Raster, true),
    ] {
        let options = SvgOptions { page_layer: mode, ..Default::default() };
        match write_svg(&scene, &content, &options) {
            Ok(page) => {
                assert!(!needs_png, "{mode:?}");
                assert_eq!(page.layer, LayerKind::Vector, "{mode:?}");
            }
            Err(e) => assert!(needs_png && matches!(e, SvgError::Png(_)), "{mode:?}: {e}"),
        }
    }
    // The raster layer embeds exactly the content's PNG.
    let plain = content_with(&doc, PngOptions::default(), Deadline::NONE);
    let options = SvgOptions { page_layer: PageLayerMode::Raster, ..Default::default() };
    let page = write_svg(&scene, &plain, &options).unwrap();
    let svg = String::from_utf8(page.svg).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(plain.png().unwrap());
    assert!(svg.contains(&format!("data:image/png;base64,{b64}\"")));
}

#[test]
fn a_tiny_budget_falls_back_to_raster_with_a_warning() {
    let doc = vector_doc();
    let content = content(&doc, 0, ColorMode::Gray);
    let scene = Scene::build(&[], 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    let options = SvgOptions { max_vector_bytes: 100, ..Default::default() };
    let page = write_svg(&scene, &content, &options).unwrap();
    assert_eq!(page.layer, LayerKind::Raster);
    assert_eq!(page.warnings.len(), 1);
    assert!(page.warnings[0].contains("larger than the 0.0 MB limit"), "{:?}", page.warnings);
}

/// The colour types of the PNGs embedded in an SVG (IHDR byte 9: 0 gray, 2 RGB,
/// 4 gray + alpha, 6 RGBA).
fn embedded_png_colour_types(svg: &str) -> Vec<u8> {
    svg.split("data:image/png;base64,")
        .skip(1)
        .map(|rest| {
            let b64 = &rest[..rest.find('"').unwrap()];
            let png = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
            png[25]
        })
        .collect()
}

#[test]
fn forced_vector_on_a_scan_embeds_its_image_gray_or_in_colour() {
    let bytes = std::fs::read(fixtures().join("valhall/PH-ME-P-0152-001.pdf")).unwrap();
    let doc = open(bytes.into());
    for (colors, allowed) in [(ColorMode::Gray, [0u8, 4]), (ColorMode::Rgb, [2u8, 6])] {
        // Its PNG cannot be encoded: the forced vector layer never asks for it.
        let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
        let page = doc.render(&plan, colors, Deadline::NONE).unwrap();
        let content = PageContent::new(&doc, page, UNENCODABLE, Deadline::NONE);
        let scene = Scene::build(&[], 1, content.frame(), colors, &OverlayOptions::default());
        let options = SvgOptions { page_layer: PageLayerMode::Vector, ..Default::default() };
        let page = write_svg(&scene, &content, &options).unwrap();
        assert_eq!(page.layer, LayerKind::Vector);
        let svg = String::from_utf8(page.svg).unwrap();
        let types = embedded_png_colour_types(&svg);
        assert!(!types.is_empty(), "the scan image is embedded");
        assert!(types.iter().all(|t| allowed.contains(t)), "{colors:?}: {types:?}");
    }
}

#[path = "../../raster/tests/common/mod.rs"]
mod raster_common;

#[test]
fn the_vector_pass_stops_at_the_deadline() {
    // 10^9 nested squares: without the interpreter's hook the vector pass does not return.
    let doc = open(raster_common::fan_out_pdf(9, 10).into());
    let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
    // The pixels would take as long; a white page of the plan's frame stands in for them.
    let size = plan.frame.size();
    let white = image::GrayImage::from_pixel(size.width(), size.height(), image::Luma([255]));
    let page = diagram_raster::RenderedPage {
        index: 0,
        image: diagram_raster::PageImage::Gray(white),
        frame: plan.frame,
        warnings: Vec::new(),
    };
    let deadline = Deadline::after(Some(Duration::from_millis(200)));
    let content = PageContent::new(&doc, page, PngOptions::default(), deadline);
    let scene = Scene::build(&[], 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    for mode in [PageLayerMode::Auto, PageLayerMode::Vector] {
        let options = SvgOptions { page_layer: mode, ..Default::default() };
        let err = write_svg(&scene, &content, &options).unwrap_err();
        assert!(matches!(err, SvgError::TimedOut), "{mode:?}: {err:?}");
    }
}

/// A page of line art with one `side` x `side` RGB image in a corner (its samples short
/// of that: the size check comes first), so that it is no scan.
fn image_page(side: i64) -> std::sync::Arc<[u8]> {
    use lopdf::{dictionary, Stream};
    let mut doc = lopdf::Document::with_version("1.6");
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => side, "Height" => side,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
        },
        vec![128; 3 * 64],
    ));
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"1 w 10 10 m 190 190 l S q 50 0 0 50 10 140 cm /Im0 Do Q".to_vec(),
    ));
    let page = dictionary! {
        "Type" => "Page", "Contents" => content,
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image } },
        "MediaBox" => vec![0.into(), 0.into(), 200.into(), 200.into()],
    };
    raster_common::single_page_pdf(doc, page).into()
}

/// The vector pass interprets the page before it is rendered, so it runs under the
/// page's memory budget as the render does: an image whose RGBA copy is over the budget
/// fails the layer with the render's own error instead of being allocated.
#[test]
fn the_vector_pass_runs_under_the_page_memory_budget() {
    let limits = Limits { max_page_bytes: 1 << 20, ..Default::default() };
    for (side, refused) in [(2048, true), (400, false)] {
        let doc = Document::open(image_page(side), &limits).unwrap();
        let plan =
            doc.plan(0, &RenderOptions { dpi: 72.0, ..Default::default() }, &limits).unwrap();
        let source = doc.source(&plan, Deadline::NONE);
        let scene =
            Scene::build(&[], 1, source.frame(), ColorMode::Gray, &OverlayOptions::default());
        for mode in [PageLayerMode::Auto, PageLayerMode::Vector] {
            let options = SvgOptions { page_layer: mode, ..Default::default() };
            let layer = diagram_svg_writer::page_layer(&scene, &source, &options);
            match (refused, layer) {
                (
                    true,
                    Err(SvgError::OverBudget(diagram_raster::RasterError::OverBudget {
                        bytes,
                        budget,
                        ..
                    })),
                ) => {
                    // 2048 x 2048 pixels of RGBA.
                    assert_eq!((bytes, budget), (2048 * 2048 * 4, 1 << 20), "{mode:?}");
                }
                (false, Ok(_)) => {}
                (_, other) => panic!("{side} px, {mode:?}: {other:?}"),
            }
        }
        // The render refuses the same page the same way.
        let render = doc.render(&plan, ColorMode::Gray, Deadline::NONE);
        assert_eq!(
            refused,
            matches!(render, Err(diagram_raster::RasterError::OverBudget { .. })),
            "{side}"
        );
    }
}

#[test]
fn the_page_layer_says_why_it_is_raster() {
    // `page_layer`, the engine's entry point, carries the same warning as `write_svg`.
    let doc = vector_doc();
    let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
    let scene = Scene::build(&[], 1, &plan.frame, ColorMode::Gray, &OverlayOptions::default());
    let source = doc.source(&plan, Deadline::NONE);
    let tiny = SvgOptions { max_vector_bytes: 100, ..Default::default() };
    let layer = diagram_svg_writer::page_layer(&scene, &source, &tiny).unwrap();
    assert_eq!(layer.kind(), LayerKind::Raster);
    assert_eq!(layer.warnings().len(), 1, "{:?}", layer.warnings());
    assert!(layer.warnings()[0].contains("larger than the 0.0 MB limit"), "{:?}", layer.warnings());
    let layer = diagram_svg_writer::page_layer(&scene, &source, &SvgOptions::default()).unwrap();
    assert_eq!(layer.kind(), LayerKind::Vector);
    assert_eq!(layer.warnings(), &[] as &[String]);
}

#[test]
fn a_page_over_the_budget_at_zero_decimals_is_not_retried() {
    // No decimal to drop: the layer falls back to raster at once (a retry would ask for
    // decimals - 1).
    let doc = vector_doc();
    let content = content(&doc, 0, ColorMode::Gray);
    let scene = Scene::build(&[], 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    let options = SvgOptions { max_vector_bytes: 100, decimals: 0, ..Default::default() };
    let page = write_svg(&scene, &content, &options).unwrap();
    assert_eq!(page.layer, LayerKind::Raster);
    assert!(page.warnings[0].contains("larger than the 0.0 MB limit"), "{:?}", page.warnings);
    // Within the budget, zero decimals write whole pixels.
    let options = SvgOptions { decimals: 0, ..Default::default() };
    let page = write_svg(&scene, &content, &options).unwrap();
    assert_eq!(page.layer, LayerKind::Vector);
    let svg = String::from_utf8(page.svg).unwrap();
    let layer =
        &svg[svg.find("<g id=\"page\"").unwrap()..svg.find("<g id=\"annotations\"").unwrap()];
    let paths: Vec<&str> =
        layer.split(" d=\"").skip(1).map(|p| &p[..p.find('"').unwrap()]).collect();
    assert_eq!(paths.len(), 2, "{layer}");
    for d in paths {
        assert!(!d.contains('.'), "whole pixels: {d}");
    }
}

#[test]
fn options_missing_the_raster_cap_get_its_default() {
    // Options serialised before `max_raster_pixels` existed.
    let mut json = serde_json::to_value(SvgOptions::default()).unwrap();
    json.as_object_mut().unwrap().remove("max_raster_pixels");
    let options: SvgOptions = serde_json::from_value(json).unwrap();
    assert_eq!(options.max_raster_pixels, diagram_svg_writer::DEFAULT_MAX_RASTER_PIXELS);
    assert_eq!(options.max_raster_pixels, 100_000_000);
}

/// The vector page layer of a 200 x 100 pt page drawing `content`, at 150 DPI in gray.
fn vector_layer_of(content: &str) -> String {
    let doc = open(make_pdf(&PdfPage {
        media: [0.0, 0.0, 200.0, 100.0],
        crop: None,
        rotate: 0,
        user_unit: None,
        content,
    }));
    let content = common::content(&doc, 0, ColorMode::Gray);
    let scene = Scene::build(&[], 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    let page = write_svg(&scene, &content, &SvgOptions::default()).unwrap();
    assert_eq!(page.layer, LayerKind::Vector);
    let svg = String::from_utf8(page.svg).unwrap();
    let start = svg.find("data-layer=\"vector\">").unwrap();
    svg[start..svg.find("<g id=\"annotations\"").unwrap()].to_string()
}

#[test]
fn translucent_fills_and_strokes_carry_their_opacity() {
    let attrs = |layer: &str| {
        let path = &layer[layer.find("<path ").expect("a path")..];
        path[..path.find("/>").unwrap()].to_string()
    };
    let fill = attrs(&vector_layer_of("/Half gs 10 10 50 50 re f"));
    // 0.5 as hayro's 8-bit alpha: 128 / 255.
    assert!(fill.contains(" fill-opacity=\".502\""), "{fill}");
    let opaque = attrs(&vector_layer_of("10 10 50 50 re f"));
    assert!(!opaque.contains("opacity"), "{opaque}");
    let stroke = attrs(&vector_layer_of("/HalfStroke gs 2 w 10 10 50 50 re S"));
    assert!(stroke.contains(" stroke-opacity=\".502\""), "{stroke}");
    assert!(!stroke.contains("fill-opacity"), "{stroke}");
    let opaque = attrs(&vector_layer_of("2 w 10 10 50 50 re S"));
    assert!(!opaque.contains("opacity"), "{opaque}");
}

#[test]
fn a_page_just_over_the_budget_at_zero_decimals_falls_back_without_a_retry() {
    // 200 squares: a layer of a few kB, whose budget one tenth under its size does not
    // make a retry hopeless (0.6 of the estimate fits), yet there is no decimal to drop.
    let squares: String =
        (0..200).map(|i| format!("{} {} 4 4 re f\n", 5 * (i % 40), 5 * (i / 40))).collect();
    let doc = open(make_pdf(&PdfPage {
        media: [0.0, 0.0, 200.0, 100.0],
        crop: None,
        rotate: 0,
        user_unit: None,
        content: &squares,
    }));
    let content = common::content(&doc, 0, ColorMode::Gray);
    let scene = Scene::build(&[], 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    let whole = SvgOptions { decimals: 0, ..Default::default() };
    let svg = String::from_utf8(write_svg(&scene, &content, &whole).unwrap().svg).unwrap();
    let layer = &svg
        [svg.find("data-layer=\"vector\">").unwrap()..svg.find("<g id=\"annotations\"").unwrap()];
    assert!(layer.len() > 4_000, "{}", layer.len());
    let options = SvgOptions { max_vector_bytes: layer.len() * 9 / 10, ..whole };
    let page = write_svg(&scene, &content, &options).unwrap();
    assert_eq!(page.layer, LayerKind::Raster);
    assert!(page.warnings[0].contains("larger than the 0.0 MB limit"), "{:?}", page.warnings);
}

#[test]
fn a_transparency_group_is_written_around_what_it_draws() {
    // hayro draws an inline image inside a group; the group's tag is written with its
    // first drawing.
    let layer =
        vector_layer_of("q 50 0 0 50 20 20 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\x7f\x7f\x00 EI Q");
    assert!(layer.contains("\n<g>\n<image width=\"2\" height=\"2\""), "{layer}");
    assert_eq!(layer.matches("<g>").count(), 1, "{layer}");
    assert_eq!(layer.matches("</g>").count(), 2, "the group and the page layer: {layer}");
    // The same group around an image off the page draws nothing and is left out.
    let layer = vector_layer_of(
        "q 50 0 0 50 -200 20 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\x7f\x7f\x00 EI Q",
    );
    assert!(!layer.contains("<g>") && !layer.contains("<image"), "{layer}");
}

#[test]
fn stroked_text_is_thinned_to_a_quarter_pixel_like_other_strokes_to_one() {
    // 0.1 pt at 150 DPI is 0.21 px: text (render mode 1) is widened to 0.25 px, as hayro
    // draws it in the PNG; a path to the 1 px minimum.
    let text = vector_layer_of("BT /F1 12 Tf 1 Tr 0.1 w 10 50 Td (Hi) Tj ET");
    assert!(text.contains("stroke-width=\".25\""), "{text}");
    let path = vector_layer_of("0 G 0.1 w 10 10 m 100 10 l S");
    assert!(path.contains("stroke-width=\"1\""), "{path}");
}

#[test]
fn consecutive_opaque_strokes_of_one_style_are_one_path() {
    let layer = vector_layer_of("0 G 1 w 10 10 m 100 10 l S 10 20 m 100 20 l S");
    assert_eq!(layer.matches("<path").count(), 1, "{layer}");
    assert!(layer.contains("d=\"M20.83 187.5h187.5M20.83 166.67h187.5\""), "{layer}");
    // Another width starts another path.
    let layer = vector_layer_of("0 G 1 w 10 10 m 100 10 l S 2 w 10 20 m 100 20 l S");
    assert_eq!(layer.matches("<path").count(), 2, "{layer}");
}

#[test]
fn a_layer_of_exactly_the_budget_stays_vector() {
    let doc = vector_doc();
    let content = content(&doc, 0, ColorMode::Gray);
    let scene = Scene::build(&[], 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    let svg = write_svg(&scene, &content, &SvgOptions::default()).unwrap().svg;
    let svg = String::from_utf8(svg).unwrap();
    // The layer's markup follows the tag on a line of its own.
    let start = svg.find("data-layer=\"vector\">").unwrap() + "data-layer=\"vector\">\n".len();
    let end = svg.find("</g>\n<g id=\"annotations\"").unwrap();
    let size = end - start;
    // At the limit the layer is kept as it is; one byte under it, the page is written
    // again at one decimal fewer, which fits.
    let at = SvgOptions { max_vector_bytes: size, ..Default::default() };
    let page = write_svg(&scene, &content, &at).unwrap();
    assert_eq!(page.layer, LayerKind::Vector);
    assert_eq!(String::from_utf8(page.svg).unwrap(), svg, "the same layer, at 2 decimals");
    let under = SvgOptions { max_vector_bytes: size - 1, ..Default::default() };
    let page = write_svg(&scene, &content, &under).unwrap();
    assert_eq!(page.layer, LayerKind::Vector);
    let retried = String::from_utf8(page.svg).unwrap();
    assert!(retried.len() < svg.len(), "written again at 1 decimal");
}

#[test]
fn type3_text_is_drawn_by_its_glyph_procedures() {
    // Two glyphs of /F3 at 10 pt: two filled squares of 10 pt, side by side, one path
    // each, and nothing else.
    let layer = vector_layer_of("BT /F3 10 Tf 20 30 Td (aa) Tj ET");
    assert_eq!(layer.matches("<path").count(), 2, "{layer}");
    assert!(!layer.contains("d=\"\""), "no empty path: {layer}");
    // 10 pt is 20.83 px at 150 DPI; the squares start at x = 41.67 and 62.5 px.
    assert!(layer.contains("M41.67 "), "{layer}");
    assert!(layer.contains("M62.5 "), "{layer}");
}

#[test]
fn an_image_keeps_its_soft_mask_resampled_to_its_size() {
    let layer = vector_layer_of("q 40 0 0 40 20 20 cm /Im1 Do Q");
    let b64 = layer.split("data:image/png;base64,").nth(1).expect("an embedded image");
    let png =
        base64::engine::general_purpose::STANDARD.decode(&b64[..b64.find('"').unwrap()]).unwrap();
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!(img.color(), image::ColorType::La8, "gray with alpha");
    let la = img.to_luma_alpha8();
    assert_eq!(la.dimensions(), (4, 4));
    let gray: Vec<u8> = la.pixels().map(|p| p[0]).collect();
    assert_eq!(gray, (0..16).map(|i| i * 16).collect::<Vec<u8>>());
    // Each mask sample covers two pixels of a row.
    let alpha: Vec<u8> = la.pixels().map(|p| p[1]).collect();
    #[rustfmt::skip]
    let want = [10, 10, 60, 60, 110, 110, 200, 200, 30, 30, 90, 90, 150, 150, 250, 250];
    assert_eq!(alpha, want);
}

#[test]
fn a_stencil_mask_is_painted_under_the_fill_opacity() {
    // An 8 x 1 image mask (bits 0000 1111 with /Decode [1 0]: the last four paint)
    // filled in black at opacity 0.5.
    let layer = vector_layer_of(
        "q /Half gs 0 g 40 0 0 10 20 20 cm BI /W 8 /H 1 /IM true /BPC 1 /D [1 0] ID \x0f EI Q",
    );
    let b64 = layer.split("data:image/png;base64,").nth(1).expect("an embedded image");
    let png =
        base64::engine::general_purpose::STANDARD.decode(&b64[..b64.find('"').unwrap()]).unwrap();
    let la = image::load_from_memory(&png).unwrap().to_luma_alpha8();
    let alpha: Vec<u8> = la.pixels().map(|p| p[1]).collect();
    // hayro applies the opacity to a group around the mask, which is painted opaque.
    assert!(layer.contains("\n<g opacity=\".5\">\n<image width=\"8\" height=\"1\""), "{layer}");
    assert_eq!(alpha, [0, 0, 0, 0, 255, 255, 255, 255], "{layer}");
    assert!(la.pixels().all(|p| p[0] == 0), "black");
}
