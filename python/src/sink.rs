//! Keeping a job's outputs in memory within a budget (`convert(..., out=None)`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use diagram_convert::{JobHandle, MemorySink, PageOutput, Sink, SinkError, StoredPage};
use diagram_core::Job;

pyo3::create_exception!(
    _native,
    MemoryBudgetExceeded,
    pyo3::exceptions::PyMemoryError,
    "The outputs kept in memory passed the memory budget (pass out= to write them to a folder)."
);

/// A [`MemorySink`] that refuses a page whose outputs would take the total past a budget,
/// and then cancels the job: the pages after it would be refused too.
pub(crate) struct BudgetSink {
    inner: MemorySink,
    budget: u64,
    used: AtomicU64,
    exceeded: AtomicBool,
    job: JobHandle,
}

impl BudgetSink {
    pub(crate) fn new(budget: u64, job: JobHandle) -> Self {
        Self {
            inner: MemorySink::new(),
            budget,
            used: AtomicU64::new(0),
            exceeded: AtomicBool::new(false),
            job,
        }
    }

    /// Whether a page was refused for the budget.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// The pages kept, in request order.
    pub(crate) fn into_inner(self) -> MemorySink {
        self.inner
    }

    /// The message of a page refused for the budget, and of the error `convert` raises.
    pub(crate) fn message(budget: u64) -> String {
        format!(
            "the outputs kept in memory passed the budget of {} MiB; pass out= to write \
             them to a folder instead, or raise memory_budget",
            budget >> 20
        )
    }
}

impl Sink for BudgetSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let size: u64 = output
            .artifacts
            .iter()
            .flat_map(|a| a.files.iter())
            .map(|f| f.bytes.len() as u64)
            .sum();
        let before = self.used.fetch_add(size, Ordering::Relaxed);
        if before.saturating_add(size) > self.budget {
            self.used.fetch_sub(size, Ordering::Relaxed);
            self.exceeded.store(true, Ordering::Relaxed);
            self.job.cancel();
            return Err(SinkError::Other(Self::message(self.budget)));
        }
        self.inner.page(output)
    }

    fn finish(&self, job: &Job) -> Result<(), SinkError> {
        self.inner.finish(job)
    }
}
