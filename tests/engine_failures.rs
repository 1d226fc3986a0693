//! Failures stay where they happen: a file, a page, never the whole job.

mod engine_support;

use std::collections::HashMap;
use std::fs;
use std::time::Duration;

use diagram_convert::{
    Converter, DirResolver, DirSink, Fault, JobHandle, Limits, MemorySink, PageOutput, Sink,
    SinkError, StoredPage,
};
use diagram_core::{FileRef, Job, JobStatus};
use engine_support::*;

fn files_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("good.pdf"), make_pdf(&[(200.0, 100.0), (100.0, 200.0)])).unwrap();
    fs::write(dir.path().join("four.pdf"), make_pdf(&[(150.0, 100.0); 4])).unwrap();
    fs::write(dir.path().join("photo.png"), make_png(40, 30)).unwrap();
    // A PDF cut in half, and bytes that are no supported type.
    let pdf = make_pdf(&[(200.0, 100.0)]);
    fs::write(dir.path().join("cut.pdf"), &pdf[..pdf.len() / 2]).unwrap();
    fs::write(dir.path().join("notes.pdf"), b"PK\x03\x04 this is a zip archive").unwrap();
    dir
}

fn page_errors(job: &Job, item: usize) -> Vec<Option<String>> {
    job.items[item].results.as_ref().unwrap().iter().map(|r| r.error_message.clone()).collect()
}

#[test]
fn bad_files_fail_alone_and_results_keep_request_order() {
    let dir = files_dir();
    let req = request(&format!(
        r#"{{"items": [
            {{"fileExternalId": "cut.pdf", "annotations": []}},
            {{"fileExternalId": "good.pdf", "annotations": [{}]}},
            {{"fileExternalId": "missing.pdf", "annotations": []}},
            {{"fileId": 7, "annotations": []}},
            {{"fileExternalId": "notes", "annotations": []}},
            {{"fileExternalId": "photo", "annotations": []}}]}}"#,
        annotation("21-PT-1019", 2, 0.1, 0.1, 0.3, 0.2)
    ));
    let sink = MemorySink::new();
    let job =
        Converter::new(options(2)).convert(req, &DirResolver::new(dir.path()).unwrap(), &sink);

    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert_eq!(job.error_message, None);
    let files: Vec<&FileRef> = job.items.iter().map(|i| &i.file).collect();
    assert_eq!(
        files,
        [
            &FileRef::ExternalId("cut.pdf".into()),
            &FileRef::ExternalId("good.pdf".into()),
            &FileRef::ExternalId("missing.pdf".into()),
            &FileRef::Id(7),
            &FileRef::ExternalId("notes".into()),
            &FileRef::ExternalId("photo".into()),
        ]
    );
    let error = |i: usize| job.items[i].error_message.clone().unwrap_or_default();
    assert!(error(0).contains("damaged") || error(0).contains("truncated"), "{}", error(0));
    assert!(job.items[0].results.is_none());
    assert_eq!(job.items[1].error_message, None);
    assert_eq!(page_errors(&job, 1), [None, None]);
    assert!(error(2).starts_with("file not found"), "{}", error(2));
    assert!(error(3).starts_with("file not found"), "{}", error(3));
    assert!(error(4).contains("ZIP"), "{}", error(4));
    assert_eq!(page_errors(&job, 5), [None]);

    // The sink got exactly the converted pages; the collector lists them in order.
    let pages: Vec<(usize, u32)> = sink.pages().iter().map(|p| (p.item, p.page)).collect();
    assert_eq!(pages, [(1, 1), (1, 2), (5, 1)]);
    assert_eq!(sink.job().as_ref(), Some(&job));
}

#[test]
fn annotations_past_the_last_page_warn_while_pages_convert() {
    let dir = files_dir();
    let anns = [
        annotation("a", 1, 0.1, 0.1, 0.2, 0.2),
        annotation("b", 5, 0.1, 0.1, 0.2, 0.2),
        annotation("c", 5, 0.3, 0.1, 0.4, 0.2),
        annotation("d", 9, 0.1, 0.1, 0.2, 0.2),
    ];
    let req = request(&format!(
        r#"{{"items": [{{"fileExternalId": "four.pdf", "annotations": [{}]}}]}}"#,
        anns.join(",")
    ));
    let job = Converter::new(options(2)).convert(
        req,
        &DirResolver::new(dir.path()).unwrap(),
        &MemorySink::new(),
    );
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(
        job.items[0].warnings,
        [
            "2 annotations on page 5; the file has 4 pages",
            "1 annotation on page 9; the file has 4 pages"
        ]
    );
    assert_eq!(page_errors(&job, 0), [None, None, None, None]);
}

fn faulty(dir: &tempfile::TempDir, faults: &[(&str, u32, Fault)]) -> FaultyResolver {
    FaultyResolver {
        inner: DirResolver::new(dir.path()).unwrap(),
        faults: faults
            .iter()
            .map(|(f, p, fault)| ((FileRef::ExternalId(f.to_string()), *p), *fault))
            .collect::<HashMap<_, _>>(),
    }
}

const FOUR: &str = r#"{"items": [{"fileExternalId": "four.pdf", "annotations": []},
                                 {"fileExternalId": "good.pdf", "annotations": []}]}"#;

#[test]
fn a_renderer_panic_fails_only_its_page() {
    let dir = files_dir();
    let resolver = faulty(&dir, &[("four.pdf", 2, Fault::Panic)]);
    for limit in [None, Some(Duration::from_secs(60))] {
        // With and without a deadline.
        let mut o = options(2);
        o.limits.page_time_limit = limit;
        let job = Converter::new(o).convert(request(FOUR), &resolver, &MemorySink::new());
        assert_eq!(job.status, JobStatus::Completed);
        let errors = page_errors(&job, 0);
        assert_eq!(errors[0], None);
        let e = errors[1].clone().unwrap();
        assert!(e.contains("crashed") && e.contains("injected renderer panic"), "{e}");
        assert_eq!(&errors[2..], [None, None]);
        assert_eq!(page_errors(&job, 1), [None, None]);
    }
}

#[test]
fn a_page_past_the_time_limit_is_stopped() {
    let dir = files_dir();
    // A stall 200 times the limit: only the deadline can end it in time, however loaded
    // the machine (a page that ran its course would come out converted, not stopped).
    let resolver = faulty(&dir, &[("four.pdf", 3, Fault::Stall(Duration::from_secs(60)))]);
    let o = diagram_convert::ConvertOptions {
        limits: Limits { page_time_limit: Some(Duration::from_millis(300)), ..Limits::default() },
        ..options(2)
    };
    let sink = MemorySink::new();
    let job = Converter::new(o).convert(request(FOUR), &resolver, &sink);
    assert_eq!(job.status, JobStatus::Completed);
    let errors = page_errors(&job, 0);
    let e = errors[2].clone().unwrap();
    assert_eq!(e, "the page took longer than the time limit of 300 ms and was stopped");
    assert_eq!((errors[0].clone(), errors[1].clone(), errors[3].clone()), (None, None, None));
    // The stopped page never reaches the sink.
    assert!(sink.pages().iter().all(|p| !(p.item == 0 && p.page == 3)));
    assert_eq!(sink.pages().len(), 4 + 2 - 1);
}

#[path = "../crates/raster/tests/common/mod.rs"]
mod raster_common;

#[test]
fn a_page_that_would_take_hours_is_stopped_at_the_time_limit() {
    let dir = files_dir();
    // 10^9 nested squares: only the interpreter's deadline check ends this page.
    std::fs::write(dir.path().join("hours.pdf"), raster_common::fan_out_pdf(9, 10)).unwrap();
    let json = r#"{"items": [{"fileExternalId": "hours.pdf", "annotations": []},
                             {"fileExternalId": "good.pdf", "annotations": []}]}"#;
    let o = diagram_convert::ConvertOptions {
        limits: Limits { page_time_limit: Some(Duration::from_millis(500)), ..Limits::default() },
        ..options(2)
    };
    let sink = MemorySink::new();
    let resolver = DirResolver::new(dir.path()).unwrap();
    let job = Converter::new(o).convert(request(json), &resolver, &sink);
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(
        page_errors(&job, 0),
        [Some("the page took longer than the time limit of 500 ms and was stopped".to_string())]
    );
    assert_eq!(page_errors(&job, 1), [None, None]);
    assert_eq!(sink.pages().len(), 2);
}

/// A sink that cancels its job once it has received `after` pages.
struct CancellingSink {
    inner: MemorySink,
    job: JobHandle,
    after: usize,
}

impl Sink for CancellingSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let stored = self.inner.page(output)?;
        if self.inner.pages().len() >= self.after {
            self.job.cancel();
        }
        Ok(stored)
    }
}

#[test]
fn cancellation_stops_the_job_and_keeps_finished_pages() {
    let dir = files_dir();
    let converter = Converter::new(options(1));
    let job = converter.job(request(FOUR));
    let sink = CancellingSink { inner: MemorySink::new(), job: job.clone(), after: 1 };
    let done = converter.run(&job, &DirResolver::new(dir.path()).unwrap(), &sink);
    assert_eq!(done.status, JobStatus::Failed);
    assert_eq!(done.error_message.as_deref(), Some("the job was cancelled"));
    let errors = page_errors(&done, 0);
    assert_eq!(errors[0], None, "the first page was stored before the cancel");
    assert!(errors[2..].iter().all(|e| e.as_deref() == Some("the job was cancelled")));
    assert_eq!(done.items[1].error_message.as_deref(), Some("the job was cancelled"));
    assert_eq!(job.status(), JobStatus::Failed);
    let p = job.progress();
    assert_eq!(p.files_started, p.files_total);
    assert_eq!(p.pages_done, p.pages_total);

    // A job cancelled while queued fails at once, converting nothing.
    let queued = converter.job(request(FOUR));
    queued.cancel();
    let sink = MemorySink::new();
    let done = converter.run(&queued, &DirResolver::new(dir.path()).unwrap(), &sink);
    assert_eq!(done.status, JobStatus::Failed);
    assert!(sink.pages().is_empty());
}

#[test]
fn an_interrupted_write_leaves_no_partial_file() {
    let dir = files_dir();
    let out = tempfile::tempdir().unwrap();
    // An earlier run's complete file, and a folder where page 2's PNG must go: that
    // write fails after the PNG bytes were written to a temporary file.
    fs::create_dir_all(out.path().join("four")).unwrap();
    fs::write(out.path().join("four/page-1.png"), b"earlier run").unwrap();
    fs::create_dir_all(out.path().join("four/page-2.png/x")).unwrap();

    let sink = DirSink::new(out.path()).unwrap();
    let job = Converter::new(options(2)).convert(
        request(FOUR),
        &DirResolver::new(dir.path()).unwrap(),
        &sink,
    );
    assert_eq!(job.status, JobStatus::Completed);
    let errors = page_errors(&job, 0);
    assert!(errors[1].as_deref().unwrap().starts_with("cannot write"), "{errors:?}");
    assert_eq!((errors[0].clone(), errors[2].clone(), errors[3].clone()), (None, None, None));

    // No temporary or half-written file anywhere; page 1 replaced by a complete PNG.
    let files = tree(out.path());
    assert!(files.iter().all(|f| !f.contains("/.") && !f.ends_with(".tmp")), "{files:?}");
    let png = fs::read(out.path().join("four/page-1.png")).unwrap();
    assert!(image::load_from_memory(&png).is_ok());

    // job.json reads back into the model and equals the returned job.
    let json = fs::read(out.path().join("job.json")).unwrap();
    let back: Job = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, job);
    let results = back.items[1].results.as_ref().unwrap();
    assert_eq!(results[0].png_url.as_deref(), Some("good/page-1.png"));
    assert_eq!(results[0].svg_url.as_deref(), Some("good/page-1.svg"));
}

/// A sink with a bug: it panics on page 2 of the first item.
struct PanickingSink(MemorySink);

impl Sink for PanickingSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        assert_ne!((output.item, output.page), (0, 2), "sink bug");
        self.0.page(output)
    }
}

#[test]
fn a_panicking_sink_fails_only_that_page() {
    let dir = files_dir();
    let sink = PanickingSink(MemorySink::new());
    let job = Converter::new(options(2)).convert(
        request(FOUR),
        &DirResolver::new(dir.path()).unwrap(),
        &sink,
    );
    assert_eq!(job.status, JobStatus::Completed);
    let errors = page_errors(&job, 0);
    assert_eq!(errors[1].as_deref(), Some("the sink crashed while storing the page"));
    assert_eq!(page_errors(&job, 1), [None, None]);
    assert_eq!(sink.0.pages().len(), 5);
}

/// A store with a bug: it panics for one file.
struct PanickingResolver(DirResolver);

impl diagram_convert::FileResolver for PanickingResolver {
    fn resolve(
        &self,
        file: &FileRef,
    ) -> Result<std::sync::Arc<[u8]>, diagram_convert::ResolveError> {
        assert_ne!(file, &FileRef::ExternalId("four.pdf".into()), "store bug");
        self.0.resolve(file)
    }
}

#[test]
fn a_panic_while_opening_fails_only_that_file() {
    let dir = files_dir();
    let resolver = PanickingResolver(DirResolver::new(dir.path()).unwrap());
    let job = Converter::new(options(2)).convert(request(FOUR), &resolver, &MemorySink::new());
    assert_eq!(job.status, JobStatus::Completed);
    let e = job.items[0].error_message.as_deref().unwrap();
    assert!(e.starts_with("the file could not be read: the reader crashed: "), "{e}");
    assert!(e.contains("store bug"), "{e}");
    assert_eq!(page_errors(&job, 1), [None, None]);
}
