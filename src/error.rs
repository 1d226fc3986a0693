//! Why a job, a file or a page failed: typed errors with their sources, turned into the
//! hosted shape's `errorMessage` strings only where the [`Job`](diagram_core::Job) is
//! built.

use std::time::Duration;

use diagram_core::{Limits, RequestError};
use diagram_overlay::DrawError;
use diagram_raster::{EncodeError, RasterError};
use diagram_svg_writer::SvgError;

use crate::resolve::ResolveError;
use crate::sink::SinkError;

/// Why a job could not run at all (it ends `Failed` with this as its `errorMessage`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// The request breaks the contract (a request built in Rust rather than parsed).
    #[error("the request is invalid: {0}")]
    InvalidRequest(#[source] RequestError),
    /// The render options or limits are out of range.
    #[error(transparent)]
    InvalidOptions(RasterError),
    /// pdfium was asked for by name but cannot be bound.
    #[error(transparent)]
    PdfiumUnavailable(RasterError),
    /// [`ConvertOptions::formats`](crate::ConvertOptions::formats) is empty.
    #[error("no output format is selected")]
    NoFormat,
    /// [`ConvertOptions::threads`](crate::ConvertOptions::threads) is above
    /// [`ConvertOptions::MAX_THREADS`](crate::ConvertOptions::MAX_THREADS).
    #[error("{threads} worker threads were asked for; the most is {max}")]
    TooManyThreads {
        /// The number asked for.
        threads: usize,
        /// The maximum.
        max: usize,
    },
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
    /// The worker processes of [`Isolation::Workers`](crate::Isolation) could not be
    /// started (the program is missing or is not a worker).
    #[error("cannot start a worker process: {0}")]
    Workers(String),
    /// [`JobHandle::cancel`](crate::JobHandle::cancel) was called.
    #[error("the job was cancelled")]
    Cancelled,
    /// The sink could not store the finished job.
    #[error("cannot store the results: {0}")]
    Store(#[source] SinkError),
}

/// Why a file of the request failed as a whole (its item gets this as `errorMessage` and
/// no `results`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Its bytes could not be had from the resolver.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// It is not a file the renderers can open (unsupported, damaged, too many pages).
    #[error(transparent)]
    Open(RasterError),
    /// The resolver or the file's parser panicked.
    #[error("the file could not be read: the reader crashed: {0}")]
    Crashed(String),
    /// The job was cancelled before the file was opened.
    #[error("the job was cancelled")]
    Cancelled,
    /// A worker process could not open it: the message of the error it reported (one of
    /// the variants above, as that process gave it).
    #[error("{0}")]
    Reported(String),
    /// The worker process opening it died or was stopped.
    #[error("the file {0}")]
    Worker(WorkerFailure),
    /// Opening it took longer than [`Limits::page_time_limit`]; its worker was killed.
    #[error("the file took longer than the time limit of {} to open and was stopped", show_duration(*.limit))]
    TimedOut {
        /// The limit.
        limit: Duration,
    },
}

/// Why one page failed (its result gets this as `errorMessage` and no URLs).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// The page could not be planned or rendered.
    #[error(transparent)]
    Render(RasterError),
    /// The highlights could not be drawn onto the PNG.
    #[error("cannot draw the highlights: {0}")]
    Draw(#[source] DrawError),
    /// The PNG could not be encoded.
    #[error("cannot encode the PNG: {0}")]
    Png(#[source] EncodeError),
    /// The SVG could not be written.
    #[error("cannot write the SVG: {0}")]
    Svg(#[source] SvgError),
    /// The page's conversion passed [`Limits::page_time_limit`] and was stopped.
    #[error("the page took longer than the time limit of {} and was stopped", show_duration(*.limit))]
    TimedOut {
        /// The limit.
        limit: Duration,
    },
    /// A renderer or writer panicked on the page.
    #[error("the renderer crashed on this page: {0}")]
    Crashed(String),
    /// The sink could not store the page's outputs.
    #[error(transparent)]
    Store(SinkError),
    /// The sink panicked while storing the page.
    #[error("the sink crashed while storing the page")]
    SinkCrashed,
    /// The job was cancelled before the page was converted.
    #[error("the job was cancelled")]
    Cancelled,
    /// The page was scheduled but got no result (an engine bug, reported, not hidden).
    #[error("the page was not converted")]
    NotConverted,
    /// The worker process converting it reported this error (one of the variants
    /// above, as that process gave it).
    #[error("{0}")]
    Reported(String),
    /// The worker process converting it died.
    #[error("the page {0}")]
    Worker(WorkerFailure),
}

/// Why a worker process of [`Isolation::Workers`](crate::Isolation) did not answer; the
/// page's or file's message puts "the page" or "the file" before it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerFailure {
    /// It needed more memory than the worker's limit: an allocation failed.
    #[error("needed more than {} of memory and was stopped", show_bytes(*.limit))]
    OutOfMemory {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Its drawing nests so deeply that the worker ran out of stack.
    #[error("nests too deeply: its worker process ran out of stack")]
    StackOverflow,
    /// The worker ended on a signal (Unix).
    #[error("{}", signal_message(*.signal))]
    Signal {
        /// The signal's number.
        signal: i32,
    },
    /// The worker exited by itself.
    #[error("ended its worker process, which exited with {}", .status.map_or("no status".to_string(), |s| format!("status {s}")))]
    Exited {
        /// Its exit status, if it had one.
        status: Option<i32>,
    },
    /// The worker broke the protocol or its pipes failed.
    #[error("lost its worker process: {0}")]
    Protocol(String),
    /// No worker process could be started for it.
    #[error("could not be given to a worker process: {0}")]
    Start(String),
}

/// `crashed its worker process (signal 11, SIGSEGV)`; SIGKILL says it was killed.
fn signal_message(signal: i32) -> String {
    let name = match signal {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => "",
    };
    let which = if name.is_empty() {
        format!("signal {signal}")
    } else {
        format!("signal {signal}, {name}")
    };
    if signal == 9 {
        format!("was stopped: its worker process was killed ({which})")
    } else {
        format!("crashed its worker process ({which})")
    }
}

/// `1 GiB`, `512 MiB`, or bytes.
fn show_bytes(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

impl PageError {
    /// The error of a page stopped at `limits`' time limit.
    pub(crate) fn timed_out(limits: &Limits) -> Self {
        PageError::TimedOut { limit: limits.page_time_limit.unwrap_or_default() }
    }

    /// A render error, the deadline's as [`PageError::TimedOut`].
    pub(crate) fn from_render(e: RasterError, limits: &Limits) -> Self {
        match e {
            RasterError::TimedOut { .. } => Self::timed_out(limits),
            e => PageError::Render(e),
        }
    }

    /// An SVG error, the deadline's as [`PageError::TimedOut`].
    pub(crate) fn from_svg(e: SvgError, limits: &Limits) -> Self {
        match e {
            SvgError::TimedOut => Self::timed_out(limits),
            SvgError::OverBudget(e) => PageError::Render(e),
            e => PageError::Svg(e),
        }
    }
}

/// `3 s`, or `300 ms` for a duration that is not whole seconds.
fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_named_and_a_kill_is_a_stop() {
        let crashed = |which: &str| format!("crashed its worker process ({which})");
        for (signal, name) in [
            (4, "SIGILL"),
            (6, "SIGABRT"),
            (7, "SIGBUS"),
            (8, "SIGFPE"),
            (11, "SIGSEGV"),
            (15, "SIGTERM"),
        ] {
            assert_eq!(signal_message(signal), crashed(&format!("signal {signal}, {name}")));
        }
        assert_eq!(signal_message(5), crashed("signal 5"));
        assert_eq!(
            signal_message(9),
            "was stopped: its worker process was killed (signal 9, SIGKILL)"
        );
    }
}
