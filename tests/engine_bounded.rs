//! At most `threads + 1` pages are in flight (decoded or waiting for the sink), however
//! many pages a file has.

mod engine_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// A store that holds each page until the engine has scheduled `bound` pages that are not
/// stored yet (or every page), so that the bound is reached whatever the timing: pages
/// pile up as far as the engine lets them. An engine that stops short of the bound gets
/// its pages stored after a timeout, and the test then sees the shortfall.
struct HoldingSink {
    inner: MemorySink,
    counter: Arc<Counter>,
    bound: usize,
    total: usize,
}

impl Sink for HoldingSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let c = &self.counter;
        let give_up = Instant::now() + Duration::from_secs(5);
        loop {
            let scheduled = c.scheduled.load(Ordering::SeqCst);
            let waiting = scheduled - c.stored.load(Ordering::SeqCst);
            if waiting >= self.bound || scheduled == self.total || Instant::now() > give_up {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let stored = self.inner.page(output)?;
        c.stored.fetch_add(1, Ordering::SeqCst);
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
        let sink = HoldingSink {
            inner: MemorySink::new(),
            counter: counter.clone(),
            bound: threads + 1,
            total: 30,
        };
        let job = Converter::new(options(threads)).convert(request(json), &resolver, &sink);
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(sink.inner.pages().len(), 30);
        let max = counter.max_in_flight.load(Ordering::SeqCst);
        // Pages are scheduled ahead up to the bound, and never past it.
        assert_eq!(max, threads + 1, "threads {threads}");
    }
}
