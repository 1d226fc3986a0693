//! The entry point's contract: errors, when the raster closure is called, forced modes,
//! gray embedded images.

mod common;

use base64::Engine as _;
use common::*;
use diagram_core::PixelSize;
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::RenderOptions;
use diagram_svg_writer::{
    write_svg, LayerKind, PageLayerMode, PageSource, SvgError, SvgOptions, SvgPage,
};

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

#[test]
fn errors_name_the_problem() {
    let doc = vector_doc();
    let plan = doc.plan(0, &RenderOptions::default()).unwrap();
    let annotations = vec![rectangle("A", 1, (0.1, 0.1, 0.2, 0.2))];
    let scene = Scene::build(&annotations, 1, plan.size, true, &OverlayOptions::default());
    let pdf = doc.pdf().unwrap();
    let source = |index| PageSource::Pdf { pdf, index, geometry: plan.geometry };
    let options = SvgOptions::default();

    let err = write_svg(source(3), &mut || Ok(vec![]), &scene, &annotations, 4, &options);
    // The scene's annotation is on page 1, not 4.
    assert_eq!(err.unwrap_err(), SvgError::SceneMismatch { annotation: 0, page: 4 });
    let empty = Scene { shapes: vec![], ..scene.clone() };
    let err =
        write_svg(source(3), &mut || Ok(vec![]), &empty, &annotations, 4, &options).unwrap_err();
    assert_eq!(err.to_string(), "the PDF has 1 page(s), there is no page 4");

    let raster = SvgOptions { page_layer: PageLayerMode::Raster, ..Default::default() };
    let err =
        write_svg(source(0), &mut || Err("disk on fire".into()), &scene, &annotations, 1, &raster)
            .unwrap_err();
    assert_eq!(err.to_string(), "the page image for the SVG could not be produced: disk on fire");
}

#[test]
fn the_raster_closure_runs_only_for_the_raster_layer() {
    let doc = vector_doc();
    let plan = doc.plan(0, &RenderOptions::default()).unwrap();
    let scene = Scene::build(&[], 1, plan.size, true, &OverlayOptions::default());
    let source = PageSource::Pdf { pdf: doc.pdf().unwrap(), index: 0, geometry: plan.geometry };
    let (_, png) = render(&doc, 0, true);
    for (mode, calls_expected, layer) in [
        (PageLayerMode::Auto, 0, LayerKind::Vector),
        (PageLayerMode::Vector, 0, LayerKind::Vector),
        (PageLayerMode::Raster, 1, LayerKind::Raster),
    ] {
        let mut calls = 0;
        let options = SvgOptions { page_layer: mode, ..Default::default() };
        let page = write_svg(
            source,
            &mut || {
                calls += 1;
                Ok(png.clone())
            },
            &scene,
            &[],
            1,
            &options,
        )
        .unwrap();
        assert_eq!((calls, page.layer), (calls_expected, layer), "{mode:?}");
    }
}

#[test]
fn a_tiny_budget_falls_back_to_raster_with_a_warning() {
    let doc = vector_doc();
    let plan = doc.plan(0, &RenderOptions::default()).unwrap();
    let scene = Scene::build(&[], 1, plan.size, true, &OverlayOptions::default());
    let source = PageSource::Pdf { pdf: doc.pdf().unwrap(), index: 0, geometry: plan.geometry };
    let (_, png) = render(&doc, 0, true);
    let options = SvgOptions { max_vector_bytes: 100, ..Default::default() };
    let page = write_svg(source, &mut || Ok(png.clone()), &scene, &[], 1, &options).unwrap();
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
    let plan = doc.plan(0, &RenderOptions::default()).unwrap();
    let size: PixelSize = plan.size;
    let scene = Scene::build(&[], 1, size, true, &OverlayOptions::default());
    let source = PageSource::Pdf { pdf: doc.pdf().unwrap(), index: 0, geometry: plan.geometry };
    for (grayscale, allowed) in [(true, [0u8, 4]), (false, [2u8, 6])] {
        let options =
            SvgOptions { page_layer: PageLayerMode::Vector, grayscale, ..Default::default() };
        let page = write_svg(source, &mut || panic!("vector was forced"), &scene, &[], 1, &options)
            .unwrap();
        assert_eq!(page.layer, LayerKind::Vector);
        let svg = String::from_utf8(page.svg).unwrap();
        let types = embedded_png_colour_types(&svg);
        assert!(!types.is_empty(), "the scan image is embedded");
        assert!(types.iter().all(|t| allowed.contains(t)), "grayscale {grayscale}: {types:?}");
    }
}
