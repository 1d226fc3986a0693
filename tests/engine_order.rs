//! The pages of a file start biggest first, in process and in worker processes alike,
//! while results, outputs and job.json keep request order.

mod engine_support;

use std::sync::{Arc, Mutex};

use diagram_convert::{
    ConvertOptions, Converter, DirResolver, Fault, FileResolver, Isolation, MemorySink,
    OutputFormat, ResolveError, WorkerOptions,
};
use diagram_core::{FileRef, JobStatus};
use engine_support::*;

/// Records the order in which pages get their slot: the engine asks for a page's fault
/// right when it schedules the page.
struct Recording(DirResolver, Mutex<Vec<(String, u32)>>);

impl FileResolver for Recording {
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError> {
        self.0.resolve(file)
    }

    fn inject_fault(&self, file: &FileRef, page: u32) -> Option<Fault> {
        let name = match file {
            FileRef::ExternalId(name) => name.clone(),
            other => other.to_string(),
        };
        self.1.lock().unwrap().push((name, page));
        None
    }
}

fn png_size(png: &[u8]) -> (u32, u32) {
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (be(&png[16..20]), be(&png[20..24]))
}

#[test]
fn biggest_pages_start_first_and_results_keep_page_order() {
    let dir = tempfile::tempdir().unwrap();
    // Areas 1, 4, 2.25, 4 (in units of 100x100 pt) and a page of area 0.25; at 36 DPI,
    // half a pixel per point.
    let sizes = [(100.0, 100.0), (200.0, 200.0), (150.0, 150.0), (400.0, 100.0), (50.0, 50.0)];
    std::fs::write(dir.path().join("mixed.pdf"), make_pdf(&sizes)).unwrap();
    std::fs::write(dir.path().join("first.pdf"), make_pdf(&[(60.0, 60.0), (300.0, 300.0)]))
        .unwrap();
    let json = r#"{"items": [{"fileExternalId": "first.pdf", "annotations": []},
                             {"fileExternalId": "mixed.pdf", "annotations": []}]}"#;
    let worker =
        WorkerOptions::new(env!("CARGO_BIN_EXE_diagram-convert-worker"), Vec::<String>::new());
    for (mode, isolation) in
        [("in process", Isolation::InProcess), ("workers", Isolation::Workers(worker))]
    {
        for threads in [1, 2] {
            let resolver = Recording(DirResolver::new(dir.path()).unwrap(), Mutex::default());
            let sink = MemorySink::new();
            let options = ConvertOptions { isolation: isolation.clone(), ..options(threads) };
            let job = Converter::new(options).convert(request(json), &resolver, &sink);
            assert_eq!(job.status, JobStatus::Completed, "{mode}, {threads} threads");
            // Files in request order; each file's pages biggest first, equal areas (pages 2
            // and 4) in page order.
            let started = resolver.1.into_inner().unwrap();
            let want: Vec<(String, u32)> = [("first.pdf", 2), ("first.pdf", 1)]
                .into_iter()
                .chain([2, 4, 3, 1, 5].map(|p| ("mixed.pdf", p)))
                .map(|(f, p)| (f.to_string(), p))
                .collect();
            assert_eq!(started, want, "{mode}, {threads} threads");
            // Results in page order, each with its own page's output.
            let pages: Vec<Vec<u32>> = job
                .items
                .iter()
                .map(|i| i.results.as_ref().unwrap().iter().map(|r| r.page).collect())
                .collect();
            assert_eq!(pages, [vec![1, 2], vec![1, 2, 3, 4, 5]], "{mode}, {threads} threads");
            let stored = sink.pages();
            let mixed: Vec<(u32, (u32, u32))> = stored
                .iter()
                .filter(|p| p.item == 1)
                .map(|p| (p.page, png_size(p.bytes(OutputFormat::Png).unwrap())))
                .collect();
            assert_eq!(
                mixed,
                [(1, (50, 50)), (2, (100, 100)), (3, (75, 75)), (4, (200, 50)), (5, (25, 25))],
                "{mode}, {threads} threads"
            );
        }
    }
}
