//! At most `threads + 1` pages are in flight (decoded or waiting for the sink), however
//! many pages a file has.

mod engine_support;

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use diagram_convert::{
    Converter, DirResolver, Fault, FileResolver, MemorySink, PageOutput, ResolveError, Sink,
    SinkError, StoredPage,
};
use diagram_core::{FileRef, JobStatus};
use engine_support::*;

/// Counts pages as they are scheduled (the engine asks for a fault right after a page
/// gets its slot) and as the sink finishes with them; `changed` wakes the sink on each.
#[derive(Default)]
struct Counter {
    counts: Mutex<Counts>,
    changed: Condvar,
}

#[derive(Default)]
struct Counts {
    scheduled: usize,
    stored: usize,
    max_in_flight: usize,
    /// A wait timed out: the engine stopped short of the bound, and the pages are stored
    /// without waiting from then on.
    gave_up: bool,
}

struct CountingResolver(DirResolver, Arc<Counter>);

impl FileResolver for CountingResolver {
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError> {
        self.0.resolve(file)
    }

    fn inject_fault(&self, _: &FileRef, _: u32) -> Option<Fault> {
        let mut c = self.1.counts.lock().unwrap();
        c.scheduled += 1;
        c.max_in_flight = c.max_in_flight.max(c.scheduled - c.stored);
        self.1.changed.notify_all();
        None
    }
}

/// A store that holds each page until the engine has scheduled `bound` pages that are not
/// stored yet (or every page), so that the bound is reached whatever the timing: pages
/// pile up as far as the engine lets them. It waits on the counter's condition variable,
/// woken by each page scheduled; an engine that stops short of the bound would hold it
/// for ever, so it gives up after a minute (once for the job) and the test then sees the
/// shortfall.
struct HoldingSink {
    inner: MemorySink,
    counter: Arc<Counter>,
    bound: usize,
    total: usize,
}

impl Sink for HoldingSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let counter = &self.counter;
        let counts = counter.counts.lock().unwrap();
        let (mut counts, waited) = counter
            .changed
            .wait_timeout_while(counts, Duration::from_secs(60), |c| {
                !c.gave_up && c.scheduled - c.stored < self.bound && c.scheduled < self.total
            })
            .unwrap();
        counts.gave_up |= waited.timed_out();
        drop(counts);
        let stored = self.inner.page(output)?;
        counter.counts.lock().unwrap().stored += 1;
        counter.changed.notify_all();
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
        let max = counter.counts.lock().unwrap().max_in_flight;
        // Pages are scheduled ahead up to the bound, and never past it.
        assert_eq!(max, threads + 1, "threads {threads}");
    }
}
