//! A whole job on one real file at 150 DPI through the library API: resolve, render,
//! highlights, PNG encoding and SVG, with 2 worker threads, PNG only and PNG + SVG.
//! Outputs go to a sink that only counts bytes, so storage is not measured.
//!
//! Run: `cargo bench --bench job`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use diagram_convert::{
    ConvertOptions, Converter, DirResolver, OutputFormat, PageOutput, Sink, SinkError, StoredPage,
};
use diagram_core::{ConvertRequest, FileRef, JobStatus, RequestItem};

/// Counts the bytes it is given and keeps none.
#[derive(Default)]
struct CountingSink {
    bytes: AtomicUsize,
}

impl Sink for CountingSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let n: usize = output.artifacts.iter().flat_map(|a| &a.files).map(|f| f.bytes.len()).sum();
        self.bytes.fetch_add(n, Ordering::Relaxed);
        Ok(StoredPage::default())
    }
}

fn job(c: &mut Criterion) {
    let mut group = c.benchmark_group("job");
    for sample in common::samples() {
        let request = ConvertRequest {
            items: vec![RequestItem {
                file: FileRef::ExternalId(sample.file.to_string()),
                annotations: sample.annotations(),
            }],
            grayscale: true,
        };
        let resolver = DirResolver::new(&sample.dir).unwrap();
        let png_svg = [OutputFormat::Png, OutputFormat::Svg];
        for (label, formats) in [("png", &png_svg[..1]), ("png+svg", &png_svg[..])] {
            let converter = Converter::new(ConvertOptions {
                threads: 2,
                formats: formats.to_vec(),
                ..ConvertOptions::default()
            });
            group.bench_function(format!("{}/{label}", sample.name), |b| {
                b.iter(|| {
                    let sink = CountingSink::default();
                    let done = converter.convert(request.clone(), &resolver, &sink);
                    assert_eq!(done.status, JobStatus::Completed);
                    let page = &done.items[0].results.as_ref().unwrap()[0];
                    assert!(page.error_message.is_none(), "{:?}", page.error_message);
                    sink.bytes.load(Ordering::Relaxed)
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
        .measurement_time(Duration::from_secs(5));
    targets = job
}
criterion_main!(benches);
