//! A job's identity, state, progress and cancellation, shared between the thread that
//! runs it and any thread that watches it.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use diagram_core::{ConvertRequest, Job, JobStatus, ResultItem};

/// Milliseconds since the Unix epoch, UTC.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A new job id: the creation time in milliseconds times 1000 plus a per-process
/// counter, so ids are unique within a process, grow with time, and stay below 2^53
/// (exact in JavaScript readers) until the year 2255.
fn next_id(created_ms: i64) -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) % 1000;
    (created_ms.max(0) as u64) * 1000 + n
}

/// How far a job has got. Files are opened lazily, so the number of pages grows while
/// the job runs: [`Progress::estimated_total`] counts one page for each file not opened
/// yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Files in the request.
    pub files_total: usize,
    /// Files opened so far (or failed to open).
    pub files_started: usize,
    /// Pages of the files opened so far.
    pub pages_total: usize,
    /// Pages finished, converted or failed.
    pub pages_done: usize,
}

impl Progress {
    /// The pages the job will have converted at the end, counting one for every file not
    /// opened yet; exact once every file is opened.
    pub fn estimated_total(&self) -> usize {
        self.pages_total + (self.files_total - self.files_started)
    }
}

#[derive(Debug)]
struct State {
    status: JobStatus,
    start_time: Option<i64>,
    status_time: i64,
    error_message: Option<String>,
    items: Vec<ResultItem>,
}

#[derive(Debug)]
struct Shared {
    id: u64,
    created_time: i64,
    grayscale: bool,
    request: Arc<ConvertRequest>,
    state: Mutex<State>,
    cancelled: AtomicBool,
    files_started: AtomicUsize,
    pages_total: AtomicUsize,
    pages_done: AtomicUsize,
}

/// A handle to a job: cheap to clone, usable from any thread to watch its status and
/// progress or to cancel it. Made by [`crate::Converter::job`], run by
/// [`crate::Converter::run`].
#[derive(Debug, Clone)]
pub struct JobHandle {
    shared: Arc<Shared>,
}

impl JobHandle {
    pub(crate) fn new(request: ConvertRequest, grayscale: bool) -> Self {
        let created_time = now_ms();
        Self {
            shared: Arc::new(Shared {
                id: next_id(created_time),
                created_time,
                grayscale,
                request: Arc::new(request),
                state: Mutex::new(State {
                    status: JobStatus::Queued,
                    start_time: None,
                    status_time: created_time,
                    error_message: None,
                    items: Vec::new(),
                }),
                cancelled: AtomicBool::new(false),
                files_started: AtomicUsize::new(0),
                pages_total: AtomicUsize::new(0),
                pages_done: AtomicUsize::new(0),
            }),
        }
    }

    /// The job id.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// The request being converted.
    pub fn request(&self) -> &ConvertRequest {
        &self.shared.request
    }

    pub(crate) fn request_arc(&self) -> Arc<ConvertRequest> {
        self.shared.request.clone()
    }

    /// The grayscale flag in effect for this job (the job's `grayscale` in the hosted
    /// shape).
    pub fn grayscale(&self) -> bool {
        self.shared.grayscale
    }

    /// The colours of this job's pages, decided once when the job was made.
    pub fn colors(&self) -> diagram_core::ColorMode {
        diagram_core::ColorMode::from_grayscale(self.shared.grayscale)
    }

    /// The current status.
    pub fn status(&self) -> JobStatus {
        self.lock().status
    }

    /// How far the job has got.
    pub fn progress(&self) -> Progress {
        let s = &self.shared;
        Progress {
            files_total: s.request.items.len(),
            files_started: s.files_started.load(Ordering::Relaxed),
            pages_total: s.pages_total.load(Ordering::Relaxed),
            pages_done: s.pages_done.load(Ordering::Relaxed),
        }
    }

    /// Asks the job to stop: pages not started yet are not converted and the job ends
    /// [`JobStatus::Failed`] with the message "the job was cancelled". Pages already being
    /// converted finish first (and are kept). Cancelling a queued job makes it fail as
    /// soon as it is run; cancelling a finished job does nothing.
    pub fn cancel(&self) {
        self.shared.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`JobHandle::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancelled.load(Ordering::Relaxed)
    }

    /// The job in the hosted shape as it is now; `items` is filled once it has ended.
    pub fn snapshot(&self) -> Job {
        let state = self.lock();
        Job {
            job_id: self.shared.id,
            status: state.status,
            created_time: self.shared.created_time,
            start_time: state.start_time,
            status_time: state.status_time,
            grayscale: self.shared.grayscale,
            items: state.items.clone(),
            error_message: state.error_message.clone(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves a queued job to running; `false` if it was not queued.
    pub(crate) fn start(&self) -> bool {
        let mut state = self.lock();
        if state.status != JobStatus::Queued {
            return false;
        }
        let now = now_ms();
        state.status = JobStatus::Running;
        state.start_time = Some(now);
        state.status_time = now;
        true
    }

    /// Ends the job with its results.
    pub(crate) fn finish(&self, items: Vec<ResultItem>, error_message: Option<String>) {
        let mut state = self.lock();
        state.status =
            if error_message.is_some() { JobStatus::Failed } else { JobStatus::Completed };
        state.status_time = now_ms().max(state.start_time.unwrap_or(0));
        state.items = items;
        state.error_message = error_message;
    }

    /// Turns an ended job into a failed one (its results could not be stored).
    pub(crate) fn fail(&self, error_message: String) {
        let mut state = self.lock();
        state.status = JobStatus::Failed;
        state.status_time = now_ms().max(state.status_time);
        state.error_message = Some(error_message);
    }

    pub(crate) fn file_started(&self, pages: usize) {
        self.shared.pages_total.fetch_add(pages, Ordering::Relaxed);
        self.shared.files_started.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn page_done(&self) {
        self.shared.pages_done.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ConvertRequest {
        serde_json::from_str(r#"{"items": [{"fileId": 1, "annotations": []}]}"#).unwrap()
    }

    #[test]
    fn moves_queued_running_completed_with_ordered_times() {
        let job = JobHandle::new(request(), true);
        assert_eq!(job.status(), JobStatus::Queued);
        let queued = job.snapshot();
        assert_eq!(queued.start_time, None);
        assert!(job.start());
        assert!(!job.start(), "a running job cannot start again");
        job.finish(Vec::new(), None);
        let done = job.snapshot();
        assert_eq!(done.status, JobStatus::Completed);
        assert!(done.created_time <= done.start_time.unwrap());
        assert!(done.start_time.unwrap() <= done.status_time);
        assert_eq!(done.error_message, None);
    }

    #[test]
    fn times_are_the_clock_s_and_the_grayscale_flag_is_kept() {
        let ms = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
        let before = ms(SystemTime::now());
        let job = JobHandle::new(request(), false);
        let after = ms(SystemTime::now());
        let created = job.snapshot().created_time;
        assert!(before <= created && created <= after, "{before} <= {created} <= {after}");
        assert!(!job.grayscale());
        assert_eq!(job.colors(), diagram_core::ColorMode::Rgb);
        let gray = JobHandle::new(request(), true);
        assert!(gray.grayscale());
        assert_eq!(gray.colors(), diagram_core::ColorMode::Gray);
    }

    #[test]
    fn ids_are_unique_and_exact_in_json_numbers() {
        let a = JobHandle::new(request(), true).id();
        let b = JobHandle::new(request(), true).id();
        assert_ne!(a, b);
        assert!(a < 1 << 53 && b < 1 << 53);
    }

    #[test]
    fn progress_estimate_counts_unopened_files() {
        let job = JobHandle::new(request(), false);
        assert_eq!(job.progress().estimated_total(), 1);
        job.file_started(4);
        job.page_done();
        let p = job.progress();
        assert_eq!((p.pages_total, p.pages_done, p.estimated_total()), (4, 1, 4));
    }
}
