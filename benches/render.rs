//! Page rendering and PNG encoding on real pages: `cargo bench --bench render`.
//!
//! Rendering: hayro on the vector A0 sheet (PH-25578-P-4110010-001), the dense vector
//! A4 (PH-25578-P-4110006-001), the A1 scan (PH-ME-P-0156-002) and the 9934x7016 TIFF;
//! pdfium on the three PDF pages when its library can be bound (skipped otherwise).
//! Encoding: the A0 page at 150 DPI, gray and colour, with the default [`PngOptions`] and
//! the alternatives measured when choosing it (see `diagram_raster`'s `encode` module).
//! The encoded sizes are printed once, since criterion reports only times.
//! Bands: the A0 page with band budgets from 1 MiB to the whole page in one band
//! ([`RenderOptions::band_bytes`]). Conversion: premultiplied RGBA onto white, to gray and
//! to RGB, on the A0 page's pixels (mostly white) and on pixels that are all ink.
//!
//! Sample sizes are small (10 samples, a few seconds each) so the whole run takes a few
//! minutes on two cores.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use diagram_core::{ColorMode, Deadline, Limits};
use diagram_raster::{
    encode_png, pdfium_available, premultiplied_onto_white, Document, PageImage, PngCompression,
    PngFilter, PngOptions, PngStream, RenderOptions, RenderedPage, Renderer,
};

const A0: &str = "valhall/PH-25578-P-4110010-001.pdf";
const A4_DENSE: &str = "valhall/PH-25578-P-4110006-001.pdf";
const SCAN: &str = "valhall/PH-ME-P-0156-002.pdf";
const TIFF: &str = "scans/pnid.tiff";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures").join(rel)
}

fn open(rel: &str) -> Document {
    let bytes: Arc<[u8]> = std::fs::read(fixture(rel)).expect("fixture").into();
    Document::open(bytes, &Limits::default()).expect("opens")
}

/// The first page at 150 DPI, planned and rendered.
fn render(doc: &Document, renderer: Renderer, colors: ColorMode) -> RenderedPage {
    let options = RenderOptions { renderer, ..Default::default() };
    let plan = doc.plan(0, &options, &Limits::default()).expect("plans");
    doc.render(&plan, colors, Deadline::NONE).expect("renders")
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
}

fn name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

fn render_hayro(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_hayro_150dpi_gray");
    configure(&mut group);
    for rel in [A0, A4_DENSE, SCAN, TIFF] {
        let doc = open(rel);
        group.bench_function(name(rel), |b| {
            b.iter(|| render(&doc, Renderer::Hayro, ColorMode::Gray))
        });
    }
    group.finish();
}

fn render_pdfium(c: &mut Criterion) {
    if let Err(e) = pdfium_available() {
        eprintln!("note: pdfium benches skipped: {e}");
        return;
    }
    let mut group = c.benchmark_group("render_pdfium_150dpi_gray");
    configure(&mut group);
    for rel in [A0, A4_DENSE, SCAN] {
        let doc = open(rel);
        group.bench_function(name(rel), |b| {
            b.iter(|| render(&doc, Renderer::Pdfium, ColorMode::Gray))
        });
    }
    group.finish();
}

fn bands(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_hayro_a0_150dpi_gray_bands");
    configure(&mut group);
    let doc = open(A0);
    for (label, band_bytes) in [
        ("256KiB", 256 << 10),
        ("1MiB", 1 << 20),
        ("2MiB", 2 << 20),
        ("8MiB(default)", 8 << 20),
        ("32MiB", 32 << 20),
        ("whole", usize::MAX),
    ] {
        let options = RenderOptions { band_bytes, ..Default::default() };
        let plan = doc.plan(0, &options, &Limits::default()).expect("plans");
        group.bench_function(label, |b| {
            b.iter(|| doc.render(&plan, ColorMode::Gray, Deadline::NONE).expect("renders"))
        });
    }
    // What the engine does: the rows of each band straight into the PNG encoder, no
    // page image.
    let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).expect("plans");
    group.bench_function("8MiB(default)_streamed_to_png", |b| {
        b.iter(|| {
            let size = plan.frame.size();
            let options = PngOptions::default();
            let mut png = PngStream::new(size.width(), size.height(), ColorMode::Gray, &options)
                .expect("starts");
            doc.render_rows(&plan, ColorMode::Gray, Deadline::NONE, &mut |_, rows| {
                png.write_rows(rows).expect("encodes")
            })
            .expect("renders");
            png.finish().expect("ends")
        })
    });
    group.finish();
}

fn conversion(c: &mut Criterion) {
    // The A0 page's pixels as premultiplied RGBA (opaque, so the gray value in each
    // channel), and the same number of pixels of half-transparent ink.
    let page = render(&open(A0), Renderer::Hayro, ColorMode::Gray).image;
    let sheet: Vec<u8> = page.as_bytes().iter().flat_map(|&v| [v, v, v, 255]).collect();
    let ink: Vec<u8> = (0..sheet.len() / 4).flat_map(|i| [(i % 97) as u8, 30, 60, 128]).collect();
    let pixels = sheet.len() / 4;
    let mut group = c.benchmark_group("premultiplied_onto_white_a0_150dpi");
    configure(&mut group);
    for (label, rgba) in [("sheet", &sheet), ("ink", &ink)] {
        for (mode, colors, channels) in [("gray", ColorMode::Gray, 1), ("rgb", ColorMode::Rgb, 3)] {
            let mut out = vec![0u8; pixels * channels];
            group.bench_function(format!("{label}_{mode}"), |b| {
                b.iter(|| premultiplied_onto_white(rgba, &mut out, colors))
            });
        }
    }
    group.finish();
}

fn encode(c: &mut Criterion) {
    let doc = open(A0);
    let gray = render(&doc, Renderer::Hayro, ColorMode::Gray).image;
    let rgb = render(&doc, Renderer::Hayro, ColorMode::Rgb).image;
    use PngCompression::{Fast, Level};
    let settings: [(&str, PngOptions); 6] = [
        ("fast_paeth(default)", PngOptions::default()),
        ("fast_adaptive", PngOptions { compression: Fast, filter: PngFilter::Adaptive }),
        ("fast_up", PngOptions { compression: Fast, filter: PngFilter::Up }),
        ("level1_up", PngOptions { compression: Level(1), filter: PngFilter::Up }),
        ("level3_none", PngOptions { compression: Level(3), filter: PngFilter::None }),
        ("level6_adaptive", PngOptions { compression: Level(6), filter: PngFilter::Adaptive }),
    ];
    for (mode, image) in [("gray", &gray), ("rgb", &rgb)] {
        let mut group = c.benchmark_group(format!("encode_png_a0_150dpi_{mode}"));
        configure(&mut group);
        for (label, options) in &settings {
            let size = encode_png(image, options).expect("encodes").len();
            eprintln!("encode {mode} {label}: {size} bytes for {}", describe(image));
            group.bench_function(*label, |b| {
                b.iter(|| encode_png(image, options).expect("encodes"))
            });
        }
        group.finish();
    }
}

fn describe(image: &PageImage) -> String {
    format!(
        "{}x{} {}",
        image.width(),
        image.height(),
        if image.channels() == 1 { "gray" } else { "rgb" }
    )
}

criterion_group!(benches, render_hayro, render_pdfium, bands, conversion, encode);
criterion_main!(benches);
