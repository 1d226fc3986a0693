//! An SVG raster layer has its own pixel limit: past it the SVG embeds a smaller render
//! of the page, while the PNG keeps the page's size.

mod engine_support;

use std::fs;

use diagram_convert::{
    ConvertOptions, Converter, DirResolver, MemorySink, OutputFormat, RenderOptions, SvgOptions,
};
use diagram_core::JobStatus;
use engine_support::*;

/// The sizes of the images the SVG embeds.
fn embedded_sizes(svg: &[u8]) -> Vec<(u32, u32)> {
    fn walk(group: &usvg::Group, out: &mut Vec<(u32, u32)>) {
        for node in group.children() {
            match node {
                usvg::Node::Group(g) => walk(g, out),
                usvg::Node::Image(i) => {
                    let usvg::ImageKind::PNG(png) = i.kind() else { panic!("a PNG") };
                    let image = image::load_from_memory(png).unwrap();
                    out.push((image.width(), image.height()));
                }
                _ => {}
            }
        }
    }
    let tree = usvg::Tree::from_data(svg, &usvg::Options::default()).unwrap();
    let mut out = Vec::new();
    walk(tree.root(), &mut out);
    out
}

#[test]
fn a_raster_layer_over_its_limit_embeds_a_smaller_render() {
    // A scanned A1 sheet: its SVG page layer is raster.
    let dir = tempfile::tempdir().unwrap();
    let scan = fixtures().join("valhall/PH-ME-P-0156-001.pdf");
    fs::copy(scan, dir.path().join("scan.pdf")).unwrap();
    let json = format!(
        r#"{{"items": [{{"fileExternalId": "scan.pdf", "annotations": [{}]}}]}}"#,
        annotation("T-1", 1, 0.4, 0.4, 0.5, 0.45)
    );
    let convert = |max_raster_pixels| {
        let sink = MemorySink::new();
        let o = ConvertOptions {
            render: RenderOptions { dpi: 30.0, ..Default::default() },
            svg: SvgOptions { max_raster_pixels, ..Default::default() },
            ..options(1)
        };
        let job = Converter::new(o).convert(
            request(&json),
            &DirResolver::new(dir.path()).unwrap(),
            &sink,
        );
        assert_eq!(job.status, JobStatus::Completed);
        let result = &job.items[0].results.as_ref().unwrap()[0];
        assert_eq!(result.error_message, None);
        let page = sink.pages().remove(0);
        let png = image::load_from_memory(page.bytes(OutputFormat::Png).unwrap()).unwrap();
        let svg = page.bytes(OutputFormat::Svg).unwrap().to_vec();
        (result.warnings.clone(), (png.width(), png.height()), svg)
    };

    let (warnings, png_size, svg) =
        convert(diagram_convert::SvgOptions::default().max_raster_pixels);
    let (w, h) = png_size;
    assert_eq!(embedded_sizes(&svg), [png_size], "within the limit: the page PNG itself");
    assert!(!warnings.iter().any(|w| w.contains("embeds the page image")), "{warnings:?}");

    // A limit at the page's size keeps it; one pixel less scales it.
    let (_, _, svg) = convert(w as u64 * h as u64);
    assert_eq!(embedded_sizes(&svg), [png_size]);
    let quarter = (w as u64 * h as u64) / 4;
    let (warnings, small_png_size, svg) = convert(quarter);
    assert_eq!(small_png_size, png_size, "the PNG keeps the page's size");
    let embedded = embedded_sizes(&svg);
    let (ew, eh) = embedded[0];
    assert!(ew as u64 * eh as u64 <= quarter, "{ew}x{eh} over {quarter}");
    assert!(ew.abs_diff(w / 2) <= 1 && eh.abs_diff(h / 2) <= 1, "{ew}x{eh} for {w}x{h}");
    let warning = warnings.iter().find(|w| w.contains("embeds the page image")).unwrap();
    assert!(warning.contains(&format!("{ew}x{eh}")), "{warning}");
    // The frame stays the page's: the SVG is as large as the PNG.
    let tree = usvg::Tree::from_data(&svg, &usvg::Options::default()).unwrap();
    assert_eq!((tree.size().width() as u32, tree.size().height() as u32), png_size);
}
