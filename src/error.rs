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
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
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
