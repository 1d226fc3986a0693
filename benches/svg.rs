//! Writing the interactive SVG of real pages at 150 DPI: the vector layer of vector
//! sheets (gray and colour) and the raster layer of scans, plus the annotation groups.
//! The page PNG that a raster layer embeds is encoded beforehand, as the engine does.
//!
//! Run: `cargo bench --bench svg`.

mod common;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::{encode_png, PngOptions};
use diagram_svg_writer::{write_svg, PageSource, SvgOptions};

fn svg(c: &mut Criterion) {
    let mut group = c.benchmark_group("svg");
    for sample in common::samples() {
        let doc = sample.open();
        let annotations = sample.annotations();
        for grayscale in [true, false] {
            let page = sample.render(&doc, grayscale);
            let size = page.image.size();
            let png = encode_png(&page.image, &PngOptions::default()).unwrap();
            drop(page.image);
            let scene = Scene::build(&annotations, 1, size, grayscale, &OverlayOptions::default());
            let options = SvgOptions { grayscale, ..SvgOptions::default() };
            let source = match doc.pdf() {
                Some(pdf) => PageSource::Pdf { pdf, index: 0, geometry: page.geometry },
                None => PageSource::Raster,
            };
            let mut raster_png = || Ok(png.clone());
            let first = write_svg(source, &mut raster_png, &scene, &annotations, 1, &options)
                .unwrap_or_else(|e| panic!("{}: {e}", sample.file));
            let mode = if grayscale { "gray" } else { "rgb" };
            let name = format!(
                "{}/{mode}/{:?}-layer/{:.1}MB",
                sample.name,
                first.layer,
                first.svg.len() as f64 / 1e6
            );
            group.bench_function(name, |b| {
                b.iter(|| {
                    write_svg(source, &mut raster_png, &scene, &annotations, 1, &options).unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = criterion::Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = svg
}
criterion_main!(benches);
