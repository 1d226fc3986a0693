//! SVG writing on real pages: the vector layer of A1 and A0 sheets (grayscale on and
//! off), the raster layer of a scan, and the dense A4 sheet whose vector drawing is past
//! the size budget (PNGs rendered once, outside the measurement).

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use diagram_core::read_request;
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::{encode_png, Document, OpenOptions, PngOptions, RenderOptions};
use diagram_svg_writer::{write_svg, PageSource, SvgOptions};

fn bench_file(c: &mut Criterion, name: &str, grayscale: bool) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/valhall");
    let bytes: Arc<[u8]> = std::fs::read(dir.join(format!("{name}.pdf"))).unwrap().into();
    let request =
        read_request(&dir.join("requests").join(format!("{name}.json")), &Default::default())
            .unwrap();
    let annotations = &request.items[0].annotations;
    let doc = Document::open(bytes, &OpenOptions::default()).unwrap();
    let render = RenderOptions { grayscale, ..Default::default() };
    let plan = doc.plan(0, &render).unwrap();
    let png = encode_png(&doc.render(0, &render).unwrap().image, &PngOptions::default()).unwrap();
    let scene = Scene::build(annotations, 1, plan.size, grayscale, &OverlayOptions::default());
    let options = SvgOptions { grayscale, ..Default::default() };
    let mode = if grayscale { "gray" } else { "colour" };
    c.bench_function(&format!("write_svg {name} {mode}"), |b| {
        b.iter(|| {
            let source =
                PageSource::Pdf { pdf: doc.pdf().unwrap(), index: 0, geometry: plan.geometry };
            write_svg(source, &mut || Ok(png.clone()), &scene, annotations, 1, &options).unwrap()
        })
    });
}

fn svg(c: &mut Criterion) {
    for grayscale in [true, false] {
        bench_file(c, "PH-ME-P-0003-001", grayscale);
        bench_file(c, "PH-25578-P-4110010-001", grayscale);
    }
    bench_file(c, "PH-ME-P-0152-001", true);
    // The dense A4 sheet: vector drawing past the budget, raster layer.
    bench_file(c, "PH-25578-P-4110006-001", true);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = svg
}
criterion_main!(benches);
