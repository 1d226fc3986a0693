//! The job queue and the threads that run jobs on the engine: a bounded FIFO of job ids,
//! a few job threads (each runs one job at a time through the shared
//! [`Converter`], whose pool converts the pages), and a sweeper that removes jobs past
//! their retention.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use diagram_convert::{
    Converter, DirResolver, DirSink, JobHandle, OutputFormat, PageOutput, Sink, SinkError,
    StoredPage,
};
use diagram_core::{parse_request, Job, JobStatus};

use crate::log::log;
use crate::store::{now_ms, Store};
use crate::ServeOptions;

#[derive(Default)]
struct QueueState {
    ids: VecDeque<i64>,
    stopping: bool,
}

/// What [`Queue::push_new`] did.
pub enum Push<T> {
    /// The job was made and queued.
    Queued(T),
    /// The queue is full.
    Full,
    /// The server is stopping.
    Stopping,
}

/// The jobs waiting to run.
pub struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
    capacity: usize,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes a job with `create` and queues it, unless the queue is full or stopping; the
    /// queue stays locked meanwhile, so the capacity holds exactly.
    pub fn push_new<T, E>(
        &self,
        create: impl FnOnce() -> Result<(i64, T), E>,
    ) -> Result<Push<T>, E> {
        let mut state = self.lock();
        if state.stopping {
            return Ok(Push::Stopping);
        }
        if state.ids.len() >= self.capacity {
            return Ok(Push::Full);
        }
        let (id, value) = create()?;
        state.ids.push_back(id);
        drop(state);
        self.ready.notify_one();
        Ok(Push::Queued(value))
    }

    /// The number of jobs waiting.
    pub fn len(&self) -> usize {
        self.lock().ids.len()
    }

    fn pop(&self) -> Option<i64> {
        let mut state = self.lock();
        loop {
            if state.stopping {
                return None;
            }
            if let Some(id) = state.ids.pop_front() {
                return Some(id);
            }
            state = self.ready.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn stop(&self) {
        self.lock().stopping = true;
        self.ready.notify_all();
    }
}

/// The jobs running now, for their progress, and whether the server is stopping.
#[derive(Default)]
pub struct Running(Mutex<RunningJobs>);

#[derive(Default)]
struct RunningJobs {
    handles: HashMap<i64, JobHandle>,
    /// Set once by [`Running::cancel_all`]: a job registered later is cancelled at once.
    stopping: bool,
}

impl Running {
    fn lock(&self) -> MutexGuard<'_, RunningJobs> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The handle of a running job.
    pub fn get(&self, id: i64) -> Option<JobHandle> {
        self.lock().handles.get(&id).cloned()
    }

    /// Registers a job about to run; when the server is already stopping it is cancelled
    /// here. A job is marked Running in the store before its handle exists, so a stop in
    /// between would otherwise find nothing to cancel and let it run to its end.
    fn insert(&self, id: i64, handle: JobHandle) {
        let mut jobs = self.lock();
        if jobs.stopping {
            handle.cancel();
        }
        jobs.handles.insert(id, handle);
    }

    fn remove(&self, id: i64) {
        self.lock().handles.remove(&id);
    }

    /// Cancels every running job, and every job registered from now on.
    fn cancel_all(&self) {
        let mut jobs = self.lock();
        jobs.stopping = true;
        for job in jobs.handles.values() {
            job.cancel();
        }
    }
}

/// Set to stop the sweeper, which waits on it between sweeps.
type StopFlag = (Mutex<bool>, Condvar);

/// The job threads and the sweeper.
pub struct Runner {
    queue: Arc<Queue>,
    running: Arc<Running>,
    threads: Vec<JoinHandle<()>>,
    sweeper: Option<(Arc<StopFlag>, JoinHandle<()>)>,
}

impl Runner {
    /// Starts the job threads with `queued` (recovered jobs) in the queue.
    pub fn start(
        options: Arc<ServeOptions>,
        store: Arc<Store>,
        resolver: Arc<DirResolver>,
        queued: Vec<i64>,
    ) -> Runner {
        let queue = Arc::new(Queue {
            state: Mutex::new(QueueState { ids: queued.into(), stopping: false }),
            ready: Condvar::new(),
            capacity: options.queue_capacity,
        });
        let running = Arc::new(Running::default());
        let converter = Converter::new(options.convert.clone());
        let threads = (0..options.job_slots())
            .map(|i| {
                let (queue, running, store, resolver, converter, options) = (
                    queue.clone(),
                    running.clone(),
                    store.clone(),
                    resolver.clone(),
                    converter.clone(),
                    options.clone(),
                );
                std::thread::Builder::new()
                    .name(format!("diagram-serve job {i}"))
                    .spawn(move || {
                        while let Some(id) = queue.pop() {
                            run_job(id, &options, &store, &resolver, &converter, &running);
                        }
                    })
                    .expect("a job thread")
            })
            .collect();
        let stop: Arc<StopFlag> = Arc::new((Mutex::new(false), Condvar::new()));
        let sweeper = {
            let (stop, store, options) = (stop.clone(), store.clone(), options.clone());
            let every =
                (options.retention / 10).clamp(Duration::from_secs(1), Duration::from_secs(60));
            std::thread::Builder::new()
                .name("diagram-serve sweeper".into())
                .spawn(move || loop {
                    let before = now_ms() - options.retention.as_millis() as i64;
                    match store.sweep(before) {
                        Ok(ids) => {
                            for id in ids {
                                log(
                                    &options,
                                    format_args!("job {id}: removed after its retention"),
                                );
                            }
                        }
                        Err(e) => log(&options, format_args!("the sweep of old jobs failed: {e}")),
                    }
                    let (lock, cond) = &*stop;
                    let stopped = lock.lock().unwrap_or_else(|e| e.into_inner());
                    let (stopped, _) = cond
                        .wait_timeout_while(stopped, every, |s| !*s)
                        .unwrap_or_else(|e| e.into_inner());
                    if *stopped {
                        return;
                    }
                })
                .expect("the sweeper thread")
        };
        Runner { queue, running, threads, sweeper: Some((stop, sweeper)) }
    }

    /// The queue.
    pub fn queue(&self) -> Arc<Queue> {
        self.queue.clone()
    }

    /// The running jobs.
    pub fn running(&self) -> Arc<Running> {
        self.running.clone()
    }

    /// Stops taking jobs, cancels the running ones (their pages in progress finish; the
    /// jobs go back in the queue) and waits for the threads.
    pub fn stop(mut self) {
        self.queue.stop();
        self.running.cancel_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        if let Some((stop, sweeper)) = self.sweeper.take() {
            *stop.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
            stop.1.notify_all();
            let _ = sweeper.join();
        }
    }
}

fn run_job(
    id: i64,
    options: &ServeOptions,
    store: &Store,
    resolver: &DirResolver,
    converter: &Converter,
    running: &Running,
) {
    let fail = |message: String| fail(id, &message, options, store);
    let row = match store.start(id, now_ms()) {
        Ok(Some(row)) => row,
        Ok(None) => return,
        Err(e) => {
            log(options, format_args!("job {id}: cannot start: {e}"));
            return;
        }
    };
    log(options, format_args!("job {id}: Queued -> Running (attempt {})", row.attempts));
    let request = match parse_request(row.request.as_bytes(), &options.validate_options()) {
        Ok(r) => r,
        Err(e) => {
            return fail(format!("the stored request is no longer valid: {}", e.lines().join("; ")))
        }
    };
    let sink = match DirSink::new(store.job_dir(id)) {
        Ok(dir) => JobSink { dir },
        Err(e) => return fail(format!("cannot create the job's folder: {e}")),
    };
    let handle = converter.job(request);
    running.insert(id, handle.clone());
    #[cfg(feature = "fault-injection")]
    pause_while_file_exists();
    let job = converter.run(&handle, resolver, &sink);
    running.remove(id);
    if handle.is_cancelled() {
        // Only the server's shutdown cancels a job: it runs again on the next start.
        log(options, format_args!("job {id}: Running -> Queued: the server is stopping"));
        if let Err(e) = store.requeue(id, now_ms()) {
            log(options, format_args!("job {id}: cannot be put back in the queue: {e}"));
        }
        return;
    }
    if options.convert.formats.contains(&OutputFormat::Svg) {
        // The job's viewer beside its files (GET …/viewer links to it); the job stands
        // without it.
        if let Err(e) = diagram_viewer::write_viewer(&store.job_dir(id)) {
            log(options, format_args!("job {id}: no viewer: {e}"));
        }
    }
    finish(id, &job, options, store);
}

/// Ends a running job as failed, with the reason, and logs it.
fn fail(id: i64, message: &str, options: &ServeOptions, store: &Store) {
    log(options, format_args!("job {id}: Running -> Failed: {message}"));
    if let Err(e) = store.finish(id, JobStatus::Failed, None, Some(message), now_ms()) {
        log(options, format_args!("job {id}: cannot be stored: {e}"));
    }
}

/// Stores a job the engine ran to its end, and logs the transition.
fn finish(id: i64, job: &Job, options: &ServeOptions, store: &Store) {
    let result = match serde_json::to_string(job) {
        Ok(json) => json,
        Err(e) => return fail(id, &format!("cannot serialise the job: {e}"), options, store),
    };
    let (pages, failed) = job
        .items
        .iter()
        .flat_map(|i| i.results.iter().flatten())
        .fold((0, 0), |(n, f), p| (n + 1, f + usize::from(p.error_message.is_some())));
    let files_failed = job.items.iter().filter(|i| i.error_message.is_some()).count();
    match store.finish(id, job.status, Some(&result), job.error_message.as_deref(), now_ms()) {
        Ok(()) => match &job.error_message {
            Some(e) => log(options, format_args!("job {id}: Running -> Failed: {e}")),
            None => log(
                options,
                format_args!(
                    "job {id}: Running -> Completed: {pages} pages ({failed} failed), {} files \
                     ({files_failed} failed)",
                    job.items.len()
                ),
            ),
        },
        Err(e) => log(options, format_args!("job {id}: cannot be stored: {e}")),
    }
}

/// Test builds: `DIAGRAM_CONVERT_SERVE_FAULT=pause-while:PATH` holds every job, once it
/// is running, for as long as PATH exists (so that a test can fill the queue or stop the
/// server with a job running, without racing it).
#[cfg(feature = "fault-injection")]
fn pause_while_file_exists() {
    if let Ok(fault) = std::env::var("DIAGRAM_CONVERT_SERVE_FAULT") {
        if let Some(path) = fault.strip_prefix("pause-while:") {
            while std::path::Path::new(path).exists() {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// The job's folder, and in test builds the fault that kills the server mid-job.
struct JobSink {
    dir: DirSink,
}

impl Sink for JobSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let stored = self.dir.page(output)?;
        #[cfg(all(unix, feature = "fault-injection"))]
        if std::env::var("DIAGRAM_CONVERT_SERVE_FAULT").as_deref() == Ok("kill-after-page") {
            // As `kill -9` would: no destructor, no flush, no chance to clean up.
            let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
        }
        Ok(stored)
    }

    fn finish(&self, job: &Job) -> Result<(), SinkError> {
        self.dir.finish(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle() -> JobHandle {
        let converter = Converter::new(diagram_convert::ConvertOptions::default());
        converter.job(diagram_core::ConvertRequest { items: vec![], grayscale: true })
    }

    #[test]
    fn a_job_registered_after_the_stop_began_is_cancelled() {
        let running = Running::default();
        let (before, after) = (handle(), handle());
        running.insert(1, before.clone());
        running.cancel_all();
        assert!(before.is_cancelled());
        // Marked Running in the store, its handle made only now: it must not run on.
        running.insert(2, after.clone());
        assert!(after.is_cancelled());
        assert!(running.get(2).is_some());
        running.remove(2);
        assert!(running.get(2).is_none());
    }
}
