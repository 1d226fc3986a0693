//! SVG writing on real pages: the vector layer of A1 and A0 sheets (grayscale on and
//! off), the raster layer of a scan, and the dense A4 sheet whose vector drawing is past
//! the size budget (PNGs rendered once, outside the measurement).

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use diagram_core::{read_request, ColorMode, Deadline, Limits};
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::{Document, PageContent, PngOptions, RenderOptions};
use diagram_svg_writer::{write_svg, SvgOptions};

fn bench_file(c: &mut Criterion, name: &str, colors: ColorMode) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/valhall");
    let bytes: Arc<[u8]> = std::fs::read(dir.join(format!("{name}.pdf"))).unwrap().into();
    let request =
        read_request(&dir.join("requests").join(format!("{name}.json")), &Default::default())
            .unwrap();
    let annotations = &request.items[0].annotations;
    let doc = Document::open(bytes, &Limits::default()).unwrap();
    let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
    let page = doc.render(&plan, colors, Deadline::NONE).unwrap();
    let content = PageContent::new(&doc, page, PngOptions::default(), Deadline::NONE);
    content.png().unwrap();
    let scene = Scene::build(annotations, 1, content.frame(), colors, &OverlayOptions::default());
    let options = SvgOptions::default();
    let mode = if colors.is_gray() { "gray" } else { "colour" };
    c.bench_function(&format!("write_svg {name} {mode}"), |b| {
        b.iter(|| write_svg(&scene, &content, &options).unwrap())
    });
}

fn svg(c: &mut Criterion) {
    for colors in [ColorMode::Gray, ColorMode::Rgb] {
        bench_file(c, "PH-ME-P-0003-001", colors);
        bench_file(c, "PH-25578-P-4110010-001", colors);
    }
    bench_file(c, "PH-ME-P-0152-001", ColorMode::Gray);
    // The dense A4 sheet: vector drawing past the budget, raster layer.
    bench_file(c, "PH-25578-P-4110006-001", ColorMode::Gray);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = svg
}
criterion_main!(benches);
