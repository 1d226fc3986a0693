//! Writing the interactive SVG of real pages at 150 DPI: the vector layer of vector
//! sheets (gray and colour) and the raster layer of scans, plus the annotation groups.
//! The page PNG that a raster layer embeds is encoded beforehand, as the engine does.
//!
//! Run: `cargo bench --bench svg`.

mod common;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use diagram_core::{ColorMode, Deadline};
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::{PageContent, PngOptions};
use diagram_svg_writer::{write_svg, SvgOptions};

fn svg(c: &mut Criterion) {
    let mut group = c.benchmark_group("svg");
    for sample in common::samples() {
        let doc = sample.open();
        let annotations = sample.annotations();
        for colors in [ColorMode::Gray, ColorMode::Rgb] {
            let page = sample.render(&doc, colors);
            let scene =
                Scene::build(&annotations, 1, &page.frame, colors, &OverlayOptions::default());
            let content = PageContent::new(&doc, page, PngOptions::default(), Deadline::NONE);
            // Encoded beforehand, as the engine shares it with the PNG output.
            content.png().unwrap();
            let options = SvgOptions::default();
            let first = write_svg(&scene, &content, &options)
                .unwrap_or_else(|e| panic!("{}: {e}", sample.file));
            let mode = if colors.is_gray() { "gray" } else { "rgb" };
            let name = format!(
                "{}/{mode}/{:?}-layer/{:.1}MB",
                sample.name,
                first.layer,
                first.svg.len() as f64 / 1e6
            );
            group.bench_function(name, |b| {
                b.iter(|| write_svg(&scene, &content, &options).unwrap())
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
