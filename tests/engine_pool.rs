//! A converter owns one worker pool for its lifetime: every job it runs, and every clone
//! of it, converts pages on the same threads.

mod engine_support;

use std::collections::BTreeSet;
use std::sync::Mutex;

use diagram_convert::{
    Converter, DirResolver, MemorySink, PageOutput, Sink, SinkError, StoredPage,
};
use diagram_core::JobStatus;
use engine_support::*;

/// Records the name of the thread each page is stored from (a worker of the pool).
#[derive(Default)]
struct ThreadNames {
    inner: MemorySink,
    names: Mutex<BTreeSet<String>>,
    ids: Mutex<BTreeSet<String>>,
}

impl Sink for ThreadNames {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let thread = std::thread::current();
        self.names.lock().unwrap().insert(thread.name().unwrap_or("?").to_string());
        self.ids.lock().unwrap().insert(format!("{:?}", thread.id()));
        self.inner.page(output)
    }
}

#[test]
fn jobs_of_one_converter_share_its_pool() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("six.pdf"), make_pdf(&[(120.0, 90.0); 6])).unwrap();
    let json = r#"{"items": [{"fileExternalId": "six.pdf", "annotations": []}]}"#;
    let resolver = DirResolver::new(dir.path()).unwrap();
    let converter = Converter::new(options(2));
    let sink = ThreadNames::default();
    for _ in 0..3 {
        assert_eq!(converter.convert(request(json), &resolver, &sink).status, JobStatus::Completed);
    }
    // A clone shares the pool too.
    let clone = converter.clone();
    assert_eq!(clone.convert(request(json), &resolver, &sink).status, JobStatus::Completed);
    assert_eq!(sink.inner.pages().len(), 24);
    let ids = sink.ids.lock().unwrap().clone();
    // 24 pages on at most 2 threads: the pool's, not new ones per job.
    assert!(!ids.is_empty() && ids.len() <= 2, "pages ran on {} threads: {ids:?}", ids.len());
    let names = sink.names.lock().unwrap().clone();
    assert!(names.iter().all(|n| n.starts_with("diagram-convert worker ")), "{names:?}");

    // Another converter has its own pool.
    let other = Converter::new(options(2));
    let sink2 = ThreadNames::default();
    assert_eq!(other.convert(request(json), &resolver, &sink2).status, JobStatus::Completed);
    let ids2 = sink2.ids.lock().unwrap().clone();
    assert!(ids2.is_disjoint(&ids), "{ids2:?} and {ids:?}");
}
