//! The output bytes do not depend on the number of threads.

mod engine_support;

use std::fs;

use diagram_convert::{
    ConvertOptions, Converter, DirResolver, MemorySink, OutputFormat, RenderOptions,
};
use diagram_core::JobStatus;
use engine_support::*;

/// Each page's item, number, PNG and SVG.
type Pages = Vec<(usize, u32, Option<Vec<u8>>, Option<Vec<u8>>)>;

fn run(threads: usize, files: &std::path::Path, json: &str, o: &ConvertOptions) -> Pages {
    let sink = MemorySink::new();
    let o = ConvertOptions { threads, ..o.clone() };
    let job = Converter::new(o).convert(request(json), &DirResolver::new(files).unwrap(), &sink);
    assert_eq!(job.status, JobStatus::Completed);
    for item in &job.items {
        assert_eq!(item.error_message, None, "{:?}", item.file);
        for r in item.results.as_ref().unwrap() {
            assert_eq!(r.error_message, None, "{:?} page {}", item.file, r.page);
        }
    }
    sink.pages()
        .into_iter()
        .map(|p| {
            let bytes = |f| p.bytes(f).map(<[u8]>::to_vec);
            (p.item, p.page, bytes(OutputFormat::Png), bytes(OutputFormat::Svg))
        })
        .collect()
}

fn at_20_dpi() -> RenderOptions {
    RenderOptions { dpi: 20.0, ..Default::default() }
}

#[test]
fn one_and_two_threads_write_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("gen.pdf"),
        make_pdf(&[(300.0, 200.0), (200.0, 300.0), (250.0, 250.0)]),
    )
    .unwrap();
    fs::write(dir.path().join("img.png"), make_png(64, 48)).unwrap();
    let valhall = fixtures().join("valhall");
    for name in ["valhall_mixed_4pages.pdf", "PH-25578-P-4110006-001.pdf"] {
        fs::copy(valhall.join(name), dir.path().join(name)).unwrap();
    }
    let json = format!(
        r#"{{"items": [
            {{"fileExternalId": "valhall_mixed_4pages.pdf", "annotations": [{}, {}]}},
            {{"fileExternalId": "gen.pdf", "annotations": [{}]}},
            {{"fileExternalId": "img.png", "annotations": [{}]}},
            {{"fileExternalId": "PH-25578-P-4110006-001.pdf", "annotations": []}}]}}"#,
        annotation("on-1", 1, 0.2, 0.2, 0.3, 0.25),
        annotation("on-3", 3, 0.5, 0.5, 0.6, 0.55),
        annotation("gen", 2, 0.1, 0.1, 0.5, 0.5),
        annotation("img", 1, 0.4, 0.4, 0.9, 0.9),
    );
    for o in [
        ConvertOptions { render: at_20_dpi(), ..options(1) },
        ConvertOptions {
            render: at_20_dpi(),
            annotate_png: true,
            grayscale: Some(false),
            ..options(1)
        },
    ] {
        let one = run(1, dir.path(), &json, &o);
        let two = run(2, dir.path(), &json, &o);
        assert_eq!(one.len(), 4 + 3 + 1 + 1);
        assert!(one.iter().all(|p| p.2.is_some() && p.3.is_some()));
        assert!(one == two, "outputs differ between 1 and 2 threads");
    }
}

#[test]
fn the_band_budget_does_not_change_the_bytes() {
    // hayro rasterizes in bands, the highlights are drawn band by band and the PNG is
    // encoded as the bands come: one strip row per band (a budget of 1 byte) must write
    // the bytes of the default budget, with highlights that straddle band edges.
    let dir = tempfile::tempdir().unwrap();
    let valhall = fixtures().join("valhall");
    fs::copy(valhall.join("valhall_mixed_4pages.pdf"), dir.path().join("m.pdf")).unwrap();
    let json = format!(
        r#"{{"items": [{{"fileExternalId": "m.pdf", "annotations": [{}, {}, {}]}}]}}"#,
        annotation("tall", 1, 0.1, 0.05, 0.3, 0.95),
        annotation("small", 1, 0.5, 0.5, 0.52, 0.51),
        annotation("wide", 2, 0.0, 0.4, 1.0, 0.6),
    );
    for annotate_png in [false, true] {
        let o = |band_bytes| ConvertOptions {
            render: RenderOptions { dpi: 40.0, band_bytes, ..Default::default() },
            annotate_png,
            grayscale: Some(annotate_png),
            ..options(1)
        };
        let default = run(1, dir.path(), &json, &o(diagram_raster::DEFAULT_BAND_BYTES));
        let thin = run(1, dir.path(), &json, &o(1));
        assert_eq!(default.len(), 4);
        assert!(default.iter().all(|p| p.2.is_some() && p.3.is_some()));
        assert!(default == thin, "annotate_png {annotate_png}: the band budget changes the bytes");
    }
}

#[test]
fn a_page_on_helper_threads_writes_the_bytes_of_one_thread() {
    // A one-page job on 3 threads renders on helper threads, which also compress the
    // PNG's segments of rows in parallel; bands of 1 MiB cut across those segments.
    let dir = tempfile::tempdir().unwrap();
    let a0 = "PH-25578-P-4110010-001.pdf";
    fs::copy(fixtures().join("valhall").join(a0), dir.path().join(a0)).unwrap();
    let json = format!(
        r#"{{"items": [{{"fileExternalId": "{a0}", "annotations": [{}]}}]}}"#,
        annotation("tag", 1, 0.3, 0.3, 0.35, 0.32),
    );
    for annotate_png in [false, true] {
        let o = ConvertOptions {
            render: RenderOptions { dpi: 100.0, band_bytes: 1 << 20, ..Default::default() },
            annotate_png,
            ..options(1)
        };
        let one = run(1, dir.path(), &json, &o);
        let three = run(3, dir.path(), &json, &o);
        assert!(one.iter().all(|p| p.2.as_ref().is_some_and(|png| png.len() > 500_000)));
        assert!(one == three, "annotate_png {annotate_png}: helper threads change the bytes");
    }
}
