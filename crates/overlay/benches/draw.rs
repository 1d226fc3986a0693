//! Drawing highlights onto an A0 page at 150 DPI (7016 x 4961), gray and RGB: the 78
//! boxes of PH-25578-P-4110010-001, and one box covering the whole page (the worst case
//! for the tiled compositing).

use criterion::{criterion_group, criterion_main, Criterion};
use diagram_core::{read_request, ColorMode, PageFrame, PixelSize};
use diagram_overlay::{draw, Channels, OverlayOptions, Scene};

fn overlay(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/valhall/requests/PH-25578-P-4110010-001.json");
    let request = read_request(&path, &Default::default()).unwrap();
    let mut annotations = request.items[0].annotations.clone();
    let size = PixelSize::new(7016, 4961).unwrap();
    for (channels, grayscale) in [(Channels::Gray, true), (Channels::Rgb, false)] {
        let colors = ColorMode::from_grayscale(grayscale);
        let frame = PageFrame::of_pixels(size);
        let scene = Scene::build(&annotations, 1, &frame, colors, &OverlayOptions::default());
        let mut page = vec![255u8; size.area() as usize * channels.bytes()];
        c.bench_function(&format!("draw 78 boxes on A0 {channels:?}"), |b| {
            b.iter(|| draw(&scene, &mut page, size, channels).unwrap())
        });
    }
    let whole = &mut annotations[0];
    whole.region.vertices =
        vec![diagram_core::Vertex { x: 0.0, y: 0.0 }, diagram_core::Vertex { x: 1.0, y: 1.0 }];
    let scene = Scene::build(
        &annotations[..1],
        1,
        &PageFrame::of_pixels(size),
        ColorMode::Gray,
        &OverlayOptions::default(),
    );
    let mut page = vec![255u8; size.area() as usize];
    c.bench_function("draw a page-sized box on A0 Gray", |b| {
        b.iter(|| draw(&scene, &mut page, size, Channels::Gray).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = overlay
}
criterion_main!(benches);
