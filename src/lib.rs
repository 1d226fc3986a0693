//! diagram-convert: the job engine. It converts a request in the hosted shape (files
//! plus their detected tag annotations) into one PNG and one interactive SVG per page,
//! in parallel, with bounded memory, keeping every failure to its file or page.
//!
//! The pieces: a [`Converter`] configured by a plain [`ConvertOptions`]; a
//! [`FileResolver`] that yields a file's bytes ([`DirResolver`] reads a folder); a
//! [`Sink`] that receives each page's outputs as soon as they are ready
//! ([`DirSink`] writes files atomically, [`MemorySink`] collects them); a [`JobHandle`]
//! to watch progress or cancel from another thread; and the finished
//! [`Job`](diagram_core::Job) in the hosted shape.
//!
//! ```no_run
//! use diagram_convert::{ConvertOptions, Converter, DirResolver, MemorySink, OutputFormat};
//! use diagram_convert::RenderOptions;
//! use diagram_core::{parse_request, ValidateOptions};
//!
//! let request = parse_request(
//!     br#"{"items": [{"fileExternalId": "drawing.pdf", "annotations": []}]}"#,
//!     &ValidateOptions::default(),
//! )?;
//! let converter = Converter::new(ConvertOptions {
//!     render: RenderOptions { dpi: 72.0, ..Default::default() },
//!     ..Default::default()
//! });
//! let sink = MemorySink::new();
//! let job = converter.convert(request, &DirResolver::new("files")?, &sink);
//! for page in sink.pages() {
//!     let png = page.bytes(OutputFormat::Png).unwrap();
//!     println!("{} page {}: {} PNG bytes", page.key, page.page, png.len());
//! }
//! println!("{}", serde_json::to_string_pretty(&job)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How a job runs
//! Files are resolved and opened lazily, in request order, on the thread that calls
//! [`Converter::run`]; their pages are converted on the converter's rayon pool of
//! [`ConvertOptions::threads`] workers (one pool for the converter's lifetime), started
//! in request order. At most `threads + 1`
//! pages are decoded or waiting for the sink at any time, and a file is dropped when its
//! last page is done, so memory stays a few page buffers even for 50-page A0 files. Each
//! page is a pure function of the file, the page and the options, so the output bytes
//! do not depend on the number of threads. With pdfium, rendering is serialised inside
//! `diagram-raster` while highlights, PNG encoding and SVG writing stay parallel.
//!
//! # Failures
//! A file that cannot be found, read or opened (unsupported type, damaged, more than 50
//! pages) gets an `errorMessage` and no `results`; a page that fails gets a result
//! entry with an `errorMessage`; annotations on pages the file does not have become a
//! `warnings` entry of the file. A panic while converting a page is caught at the page
//! boundary and becomes that page's error; a page running past
//! [`Limits::page_time_limit`] is stopped at its deadline (best effort: see there for
//! what can and cannot be interrupted). Only a job that could not run at all (see
//! [`JobError`]) ends `Failed` with a job-level `errorMessage`. Errors are typed
//! ([`FileError`], [`PageError`]) until the hosted [`Job`](diagram_core::Job) is built.

#![forbid(unsafe_code)]

pub use diagram_core as core;

mod dir_sink;
mod engine;
mod error;
mod job;
pub mod key;
mod options;
mod output;
mod page;
mod resolve;
mod sink;
pub mod worker;

pub use dir_sink::{write_atomic, DirSink};
pub use engine::Converter;
pub use error::{FileError, JobError, PageError, WorkerFailure};
pub use job::{JobHandle, Progress};
pub use options::ConvertOptions;
pub use output::{Artifact, OutputFile, OutputFormat};
#[cfg(feature = "fault-injection")]
pub use page::Fault;
pub use resolve::{read_file, DirResolver, FileResolver, ResolveError};
pub use sink::{MemoryPage, MemorySink, PageOutput, Sink, SinkError, StoredPage};
pub use worker::{Isolation, WorkerOptions};

// Re-exported so embedders can fill the options without naming the crates.
pub use diagram_core::{ColorMode, Limits};
pub use diagram_overlay::OverlayOptions;
pub use diagram_raster::{
    DziLayout, DziOptions, InputKind, PngCompression, PngFilter, PngOptions, RenderOptions,
    Renderer, DEFAULT_BAND_BYTES,
};
pub use diagram_svg_writer::{PageLayerMode, SvgOptions};
