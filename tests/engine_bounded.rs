//! At most `threads + 1` pages are in flight (decoded or waiting for the sink), however
//! many pages a file has.

mod engine_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diagram_convert::{
    Converter, DirResolver, Fault, FileResolver, MemorySink, PageOutput, ResolveError, Sink,
    SinkError, StoredPage,
};
use diagram_core::{FileRef, JobStatus};
use engine_support::*;

/// Counts pages as they are scheduled (the engine asks for a fault right after a page
/// gets its slot) and as the sink finishes with them.
#[derive(Default)]
struct Counter {
    scheduled: AtomicUsize,
    stored: AtomicUsize,
    max_in_flight: AtomicUsize,
}

struct CountingResolver(DirResolver, Arc<Counter>);

impl FileResolver for CountingResolver {
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError> {
        self.0.resolve(file)
    }

    fn inject_fault(&self, _: &FileRef, _: u32) -> Option<Fault> {
        let c = &self.1;
        let scheduled = c.scheduled.fetch_add(1, Ordering::SeqCst) + 1;
        let in_flight = scheduled - c.stored.load(Ordering::SeqCst);
        c.max_in_flight.fetch_max(in_flight, Ordering::SeqCst);
        None
    }
}

/// A slow store, so that pages pile up if nothing holds them back.
struct SlowSink(MemorySink, Arc<Counter>);

impl Sink for SlowSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        std::thread::sleep(Duration::from_millis(40));
        let stored = self.0.page(output)?;
        self.1.stored.fetch_add(1, Ordering::SeqCst);
        Ok(stored)
    }
}

#[test]
fn pages_in_flight_never_exceed_threads_plus_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("many.pdf"), make_pdf(&[(120.0, 90.0); 24])).unwrap();
    std::fs::write(dir.path().join("more.pdf"), make_pdf(&[(90.0, 120.0); 6])).unwrap();
    let json = r#"{"items": [{"fileExternalId": "many.pdf", "annotations": []},
                             {"fileExternalId": "more.pdf", "annotations": []}]}"#;
    for threads in [1, 2, 3] {
        let counter = Arc::new(Counter::default());
        let resolver = CountingResolver(DirResolver::new(dir.path()).unwrap(), counter.clone());
        let sink = SlowSink(MemorySink::new(), counter.clone());
        let job = Converter::new(options(threads)).convert(request(json), &resolver, &sink);
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(sink.0.pages().len(), 30);
        let max = counter.max_in_flight.load(Ordering::SeqCst);
        // Pages are scheduled ahead up to the bound, and never past it.
        assert_eq!(max, threads + 1, "threads {threads}");
    }
}
