//! The engine's side: a pool of worker processes, started as needed up to the number of
//! worker threads, each used by one page at a time. A worker that dies or passes its time
//! is killed and dropped from the pool; the next page that needs one starts a new one.

use std::collections::VecDeque;
use std::io::{self, BufReader, BufWriter, Read};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use diagram_core::{Annotation, Limits};

use super::wire::{read_frame, write_frame, Frame, FromWorker, ToWorker, VERSION};
use super::WorkerOptions;
use crate::error::{FileError, PageError, WorkerFailure};
use crate::job::JobHandle;
use crate::output::{Artifact, OutputFile};
use crate::page::{Converted, PageSettings};

/// How much of a worker's stderr is kept, to tell why it died.
const STDERR_TAIL_BYTES: usize = 8 << 10;

/// How often a wait for a worker looks at the job's cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// A file as the engine holds it for its workers: its bytes, its page count (from the
/// worker that opened it) and the token by which workers hold it.
#[derive(Debug)]
pub(crate) struct RemoteFile {
    token: u64,
    bytes: Arc<[u8]>,
    /// Each page's [`Document::page_area`](diagram_raster::Document::page_area), as the
    /// worker that opened the file answered.
    areas: Vec<f64>,
    limits: Limits,
}

impl RemoteFile {
    pub(crate) fn page_count(&self) -> usize {
        self.areas.len()
    }

    pub(crate) fn page_areas(&self) -> &[f64] {
        &self.areas
    }
}

/// The pool.
#[derive(Debug)]
pub(crate) struct WorkerPool {
    options: WorkerOptions,
    max: usize,
    state: Mutex<State>,
    freed: Condvar,
    next_token: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    idle: Vec<Worker>,
    /// Workers started and not dropped, idle or busy.
    live: usize,
}

/// One worker process.
#[derive(Debug)]
struct Worker {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    replies: Receiver<io::Result<Frame<FromWorker>>>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    /// The thread that reads stderr: joined once the worker ended, so that its last words
    /// (an allocation failure, a stack overflow) are in `stderr` before they are read.
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    /// The file it holds.
    file: Option<u64>,
    /// Set once it was killed on purpose, and why.
    killed: Option<Kill>,
}

#[derive(Debug, Clone, Copy)]
enum Kill {
    Time(Duration),
    Cancel,
}

/// How a call to a worker ended other than with an answer.
enum Lost {
    Failure(WorkerFailure),
    TimedOut(Duration),
    Cancelled,
}

impl Lost {
    fn page_error(self) -> PageError {
        match self {
            Lost::Failure(f) => PageError::Worker(f),
            Lost::TimedOut(limit) => PageError::TimedOut { limit },
            Lost::Cancelled => PageError::Cancelled,
        }
    }

    fn file_error(self) -> FileError {
        match self {
            Lost::Failure(f) => FileError::Worker(f),
            Lost::TimedOut(limit) => FileError::TimedOut { limit },
            Lost::Cancelled => FileError::Cancelled,
        }
    }
}

impl WorkerPool {
    /// A pool of at most `max` workers; none is started yet.
    pub(crate) fn new(options: WorkerOptions, max: usize) -> Self {
        Self {
            options,
            max: max.max(1),
            state: Mutex::default(),
            freed: Condvar::new(),
            next_token: AtomicU64::new(1),
        }
    }

    /// Makes sure one worker runs (starting it if none is idle), so that a program that
    /// is missing or is not a worker fails the job once, up front.
    pub(crate) fn check(&self) -> Result<(), WorkerFailure> {
        let worker = self.checkout(None)?;
        self.checkin(worker);
        Ok(())
    }

    /// Opens `bytes` in a worker: the file's page count, or why it could not be opened.
    pub(crate) fn open(
        &self,
        bytes: Arc<[u8]>,
        limits: &Limits,
        job: &JobHandle,
    ) -> Result<RemoteFile, FileError> {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let mut file = RemoteFile { token, bytes, areas: Vec::new(), limits: limits.clone() };
        let mut worker = self.checkout(None).map_err(FileError::Worker)?;
        let loaded = self.load(&mut worker, &file, job);
        match self.settle(worker, loaded).map_err(Lost::file_error)? {
            Ok(areas) => {
                file.areas = areas;
                Ok(file)
            }
            Err(message) => Err(FileError::Reported(message)),
        }
    }

    /// Converts page `index` of `file` in a worker (one that holds the file if one is
    /// idle).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn convert(
        &self,
        file: &RemoteFile,
        index: usize,
        helper_threads: u16,
        annotations: &[Annotation],
        settings: &PageSettings,
        job: &JobHandle,
        #[cfg(feature = "fault-injection")] fault: Option<crate::Fault>,
    ) -> Result<Converted, PageError> {
        let mut worker = self.checkout(Some(file.token)).map_err(PageError::Worker)?;
        let result = self.convert_in(
            &mut worker,
            file,
            index,
            helper_threads,
            annotations,
            settings,
            job,
            #[cfg(feature = "fault-injection")]
            fault,
        );
        self.settle(worker, result).map_err(Lost::page_error)?
    }

    /// Gives `worker` back to the pool after a call that it answered, or drops it (killed)
    /// after one it did not.
    fn settle<T>(&self, worker: Worker, result: Result<T, Lost>) -> Result<T, Lost> {
        match result {
            Ok(_) => self.checkin(worker),
            Err(_) => self.drop_worker(worker),
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn convert_in(
        &self,
        worker: &mut Worker,
        file: &RemoteFile,
        index: usize,
        helper_threads: u16,
        annotations: &[Annotation],
        settings: &PageSettings,
        job: &JobHandle,
        #[cfg(feature = "fault-injection")] fault: Option<crate::Fault>,
    ) -> Result<Result<Converted, PageError>, Lost> {
        if worker.file != Some(file.token) {
            match self.load(worker, file, job)? {
                Ok(areas) if areas.len() == file.page_count() => {}
                Ok(areas) => {
                    let detail = format!(
                        "a second worker counted {} pages in the file, not {}",
                        areas.len(),
                        file.page_count()
                    );
                    return Ok(Err(PageError::Worker(WorkerFailure::Protocol(detail))));
                }
                Err(message) => return Ok(Err(PageError::Reported(message))),
            }
        }
        let message = ToWorker::Convert {
            file: file.token,
            index,
            helper_threads,
            annotations: annotations.to_vec(),
            settings: Box::new(settings.clone()),
            #[cfg(feature = "fault-injection")]
            fault,
        };
        let (reply, blobs) =
            self.call(worker, &message, &[], settings.options.limits.page_time_limit, job)?;
        match reply {
            FromWorker::Converted { warnings, artifacts } => {
                let mut blobs = blobs.into_iter();
                let mut out = Vec::with_capacity(artifacts.len());
                for (format, paths) in artifacts {
                    let mut files = Vec::with_capacity(paths.len());
                    for path in paths {
                        // The sink writes under the file's folder: a worker taken over by
                        // a hostile file must not name a path that leaves it.
                        if !is_output_path(&path) {
                            return Err(protocol(&format!("named the output file {path:?}")));
                        }
                        let Some(bytes) = blobs.next() else {
                            return Err(protocol("fewer output files than named"));
                        };
                        files.push(OutputFile::new(path, bytes.to_vec()));
                    }
                    out.push(Artifact { format, files });
                }
                Ok(Ok(Converted { artifacts: out, warnings }))
            }
            FromWorker::PageFailed { message } => Ok(Err(PageError::Reported(message))),
            other => Err(protocol(&format!("answered a page with {other:?}"))),
        }
    }

    /// Makes `worker` hold `file`: its pages' areas, or the message of why it failed.
    fn load(
        &self,
        worker: &mut Worker,
        file: &RemoteFile,
        job: &JobHandle,
    ) -> Result<Result<Vec<f64>, String>, Lost> {
        worker.file = None;
        let message = ToWorker::Open { file: file.token, limits: file.limits.clone() };
        let (reply, _) =
            self.call(worker, &message, &[&file.bytes], file.limits.page_time_limit, job)?;
        match reply {
            FromWorker::Opened { areas } if !areas.is_empty() => {
                worker.file = Some(file.token);
                Ok(Ok(areas))
            }
            FromWorker::OpenFailed { message } => Ok(Err(message)),
            other => Err(protocol(&format!("answered Open with {other:?}"))),
        }
    }

    /// Sends one message and waits for the answer, within `limit` (plus the options'
    /// grace) and while the job is not cancelled; past either the worker is killed.
    fn call(
        &self,
        worker: &mut Worker,
        message: &ToWorker,
        blobs: &[&[u8]],
        limit: Option<Duration>,
        job: &JobHandle,
    ) -> Result<Frame<FromWorker>, Lost> {
        let started = Instant::now();
        if let Err(e) = write_frame(&mut worker.stdin, message, blobs) {
            return Err(self.death(worker, Some(e)));
        }
        let kill_at = limit.map(|l| started + l + self.options.kill_grace);
        loop {
            let wait = match kill_at {
                Some(at) => at.saturating_duration_since(Instant::now()).min(CANCEL_POLL),
                None => CANCEL_POLL,
            };
            match worker.replies.recv_timeout(wait) {
                Ok(Ok(reply)) => return Ok(reply),
                Ok(Err(e)) => return Err(self.death(worker, Some(e))),
                Err(RecvTimeoutError::Disconnected) => return Err(self.death(worker, None)),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if job.is_cancelled() {
                worker.kill(Kill::Cancel);
                return Err(Lost::Cancelled);
            }
            if let (Some(at), Some(limit)) = (kill_at, limit) {
                if Instant::now() >= at {
                    worker.kill(Kill::Time(limit));
                    return Err(Lost::TimedOut(limit));
                }
            }
        }
    }

    /// Why `worker` stopped answering: waits for it to end and reads its status and the
    /// end of its stderr.
    fn death(&self, worker: &mut Worker, error: Option<io::Error>) -> Lost {
        match worker.killed {
            Some(Kill::Time(limit)) => return Lost::TimedOut(limit),
            Some(Kill::Cancel) => return Lost::Cancelled,
            None => {}
        }
        // The pipe broke or closed: the worker is ending or has ended. A worker that
        // wrote garbage is killed instead.
        let status = match &error {
            Some(e) if e.kind() == io::ErrorKind::InvalidData => {
                worker.kill(Kill::Cancel);
                return Lost::Failure(WorkerFailure::Protocol(e.to_string()));
            }
            _ => worker.child.wait(),
        };
        let tail = worker.last_words();
        Lost::Failure(match status {
            Ok(status) => classify(status, &tail, self.options.memory_limit),
            Err(e) => WorkerFailure::Protocol(format!("cannot wait for the worker: {e}")),
        })
    }

    /// An idle worker, one holding `file` if there is one; else a new one if the pool is
    /// not full; else waits for one to come back.
    fn checkout(&self, file: Option<u64>) -> Result<Worker, WorkerFailure> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if !state.idle.is_empty() {
                let at = file
                    .and_then(|f| state.idle.iter().position(|w| w.file == Some(f)))
                    .unwrap_or(state.idle.len() - 1);
                return Ok(state.idle.swap_remove(at));
            }
            if state.live < self.max {
                state.live += 1;
                drop(state);
                return self.start().inspect_err(|_| {
                    self.state.lock().unwrap_or_else(|e| e.into_inner()).live -= 1;
                    self.freed.notify_one();
                });
            }
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn checkin(&self, worker: Worker) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).idle.push(worker);
        self.freed.notify_one();
    }

    fn drop_worker(&self, mut worker: Worker) {
        worker.kill(Kill::Cancel);
        self.state.lock().unwrap_or_else(|e| e.into_inner()).live -= 1;
        self.freed.notify_one();
    }

    /// Starts a worker and shakes hands with it.
    fn start(&self) -> Result<Worker, WorkerFailure> {
        let program = &self.options.program;
        let mut child = Command::new(program)
            .args(&self.options.args)
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| WorkerFailure::Start(format!("cannot run {}: {e}", program.display())))?;
        let (stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(i), Some(o), Some(e)) => (i, o, e),
                _ => unreachable!("all three pipes were asked for"),
            };
        let (send, replies) = mpsc::channel();
        let reader = std::thread::Builder::new()
            .name("diagram-convert worker reader".into())
            .spawn(move || {
                let mut stdout = BufReader::with_capacity(1 << 16, stdout);
                loop {
                    match read_frame::<FromWorker>(&mut stdout) {
                        Ok(Some(frame)) => {
                            if send.send(Ok(frame)).is_err() {
                                return;
                            }
                        }
                        Ok(None) => return,
                        Err(e) => {
                            let _ = send.send(Err(e));
                            return;
                        }
                    }
                }
            });
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let keep = tail.clone();
        let errors = std::thread::Builder::new()
            .name("diagram-convert worker stderr".into())
            .spawn(move || {
                let mut stderr = stderr;
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stderr.read(&mut buf) {
                    let mut tail = keep.lock().unwrap_or_else(|e| e.into_inner());
                    tail.extend(&buf[..n]);
                    let excess = tail.len().saturating_sub(STDERR_TAIL_BYTES);
                    tail.drain(..excess);
                }
            });
        let mut worker = Worker {
            child,
            stdin: BufWriter::with_capacity(1 << 16, stdin),
            replies,
            stderr: tail,
            stderr_reader: None,
            file: None,
            killed: None,
        };
        match (reader, errors) {
            (Ok(_), Ok(errors)) => worker.stderr_reader = Some(errors),
            (Err(e), _) | (_, Err(e)) => {
                worker.kill(Kill::Cancel);
                return Err(WorkerFailure::Start(format!("cannot start a thread: {e}")));
            }
        }
        let hello = ToWorker::Hello { version: VERSION, memory_limit: self.options.memory_limit };
        let not_a_worker = |detail: String| {
            WorkerFailure::Start(format!(
                "{} did not answer as a diagram-convert worker: {detail}",
                program.display()
            ))
        };
        if let Err(e) = write_frame(&mut worker.stdin, &hello, &[]) {
            let detail = e.to_string();
            worker.kill(Kill::Cancel);
            return Err(not_a_worker(detail));
        }
        let answer = worker.replies.recv_timeout(self.options.start_timeout);
        let failure = match answer {
            Ok(Ok((FromWorker::Ready { version: VERSION }, _))) => return Ok(worker),
            Ok(Ok((FromWorker::Refused { message }, _))) => not_a_worker(message),
            Ok(Ok((other, _))) => not_a_worker(format!("it answered {other:?}")),
            Ok(Err(e)) => not_a_worker(e.to_string()),
            Err(RecvTimeoutError::Timeout) => not_a_worker(format!(
                "no answer within {} s",
                self.options.start_timeout.as_secs_f64()
            )),
            Err(RecvTimeoutError::Disconnected) => {
                let status = worker.child.wait();
                let tail = worker.last_words().trim().to_string();
                let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                not_a_worker(if tail.is_empty() { status } else { format!("{status}: {tail}") })
            }
        };
        worker.kill(Kill::Cancel);
        Err(failure)
    }
}

impl Worker {
    /// The end of the stderr of a worker that has ended: waits for the stderr reader to
    /// reach the end of the pipe first, so nothing it printed last is missed.
    fn last_words(&mut self) -> String {
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let tail = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&tail.iter().copied().collect::<Vec<u8>>()).into_owned()
    }

    /// Kills the process (SIGKILL) and reaps it; remembers why.
    fn kill(&mut self, why: Kill) {
        self.killed.get_or_insert(why);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        for mut worker in state.idle.drain(..) {
            // Idle workers end at the end of their input; kill them in case one does not.
            worker.kill(Kill::Cancel);
        }
    }
}

fn protocol(what: &str) -> Lost {
    Lost::Failure(WorkerFailure::Protocol(what.to_string()))
}

/// Why a worker that was not killed on purpose ended, from its exit status and the end of
/// its stderr: the Rust runtime prints `memory allocation of N bytes failed` before it
/// aborts on a failed allocation, C++ code `std::bad_alloc`, and a stack overflow `has
/// overflowed its stack`.
fn classify(status: ExitStatus, stderr: &str, memory_limit: Option<u64>) -> WorkerFailure {
    let out_of_memory = stderr.contains("memory allocation of") || stderr.contains("bad_alloc");
    if let (true, Some(limit)) = (out_of_memory, memory_limit) {
        return WorkerFailure::OutOfMemory { limit };
    }
    if stderr.contains("has overflowed its stack") {
        return WorkerFailure::StackOverflow;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return WorkerFailure::Signal { signal };
        }
    }
    WorkerFailure::Exited { status: status.code() }
}

/// Whether a worker's output path is one the engine writes: `/`-separated parts of
/// `[A-Za-z0-9._-]`, none empty, none starting with a `.` (so no `.`, `..` or hidden
/// name), e.g. `page-1.png` or `page-1_files/12/3_4.png`.
fn is_output_path(path: &str) -> bool {
    path.split('/').all(|part| {
        !part.is_empty()
            && !part.starts_with('.')
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn status_of_signal(signal: i32) -> ExitStatus {
        use std::os::unix::process::ExitStatusExt;
        ExitStatus::from_raw(signal)
    }

    #[cfg(unix)]
    #[test]
    fn tells_memory_stack_and_signals_apart() {
        let abort = status_of_signal(6);
        let oom = classify(abort, "memory allocation of 4294967296 bytes failed\n", Some(1 << 30));
        assert!(matches!(oom, WorkerFailure::OutOfMemory { limit } if limit == 1 << 30));
        let cpp = classify(abort, "terminate called after throwing 'std::bad_alloc'", Some(7));
        assert!(matches!(cpp, WorkerFailure::OutOfMemory { limit: 7 }));
        // Without a limit, an allocation failure is the machine's, not ours to name.
        let unlimited = classify(abort, "memory allocation of 1 bytes failed", None);
        assert!(matches!(unlimited, WorkerFailure::Signal { signal: 6 }));
        let stack = classify(abort, "thread 'x' has overflowed its stack\n", Some(1));
        assert!(matches!(stack, WorkerFailure::StackOverflow));
        let killed = classify(status_of_signal(9), "", Some(1));
        assert!(matches!(killed, WorkerFailure::Signal { signal: 9 }));
        use std::os::unix::process::ExitStatusExt;
        let exited = classify(ExitStatus::from_raw(3 << 8), "", Some(1));
        assert!(matches!(exited, WorkerFailure::Exited { status: Some(3) }));
    }
}
