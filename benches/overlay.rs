//! Building and drawing the highlight scene on real pages at 150 DPI, gray and colour.
//!
//! Run: `cargo bench --bench overlay`.

mod common;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use diagram_core::ColorMode;
use diagram_overlay::{draw, Channels, OverlayOptions, Scene};
use diagram_raster::PageImage;

fn overlay(c: &mut Criterion) {
    let mut group = c.benchmark_group("overlay");
    for sample in common::samples() {
        let doc = sample.open();
        let annotations = sample.annotations();
        for colors in [ColorMode::Gray, ColorMode::Rgb] {
            let page = sample.render(&doc, colors);
            let size = page.frame.size();
            let mode = if colors.is_gray() { "gray" } else { "rgb" };
            let channels = match page.image {
                PageImage::Gray(_) => Channels::Gray,
                PageImage::Rgb(_) => Channels::Rgb,
            };
            let options = OverlayOptions::default();
            group.bench_function(format!("build/{}/{mode}", sample.name), |b| {
                b.iter(|| Scene::build(&annotations, 1, &page.frame, colors, &options))
            });
            let scene = Scene::build(&annotations, 1, &page.frame, colors, &options);
            // The page copy is made outside the timed part.
            group.bench_function(
                format!("draw/{}/{mode}/{}-boxes", sample.name, scene.shapes().len()),
                |b| {
                    b.iter_batched_ref(
                        || page.image.clone(),
                        |image| draw(&scene, image.as_bytes_mut(), size, channels).unwrap(),
                        BatchSize::LargeInput,
                    )
                },
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = criterion::Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = overlay
}
criterion_main!(benches);
