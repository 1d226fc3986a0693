//! Isolation: converting pages in worker processes, so that no input can take the job
//! down.
//!
//! A renderer fed a hostile file can do what no `catch_unwind` catches: a failed
//! allocation aborts the process, a stack overflow kills it, and a thread cannot be
//! stopped. With [`Isolation::Workers`] the engine opens every file and converts every
//! page in a pool of worker processes (the same or another program running
//! [`main`] and speaking to the engine over its stdin and stdout), each under a memory
//! limit it sets on itself and a time limit the engine enforces by killing it. A worker
//! that dies fails only the page (or the file) it held, with a message that says why ("the
//! page needed more than 1 GiB of memory"); it is replaced and the job goes on. The engine
//! itself never parses a file: it reads the bytes, hands them to a worker, and stores
//! what comes back.
//!
//! | | [`Isolation::InProcess`] (the library's default) | [`Isolation::Workers`] (the CLI's default) |
//! |---|---|---|
//! | a panic | fails its page | fails its page |
//! | a failed allocation, a stack overflow, a signal | ends the process | fails its page |
//! | memory per page | unbounded but for the renderer's own limits | the worker's limit (default 1 GiB) |
//! | a page past its time limit | stopped where the renderer checks its deadline; else its thread runs on | stopped where it checks its deadline; else killed |
//! | needs | nothing | a worker program (see [`WorkerOptions`]) |
//! | cost | none | a file's bytes piped to each worker that converts its pages, the outputs piped back |
//!
//! Worker processes work on every platform that runs child processes; the memory limit
//! (`setrlimit(RLIMIT_DATA)`) and the names of signals are Unix only: elsewhere workers
//! run without a memory limit, and the time limit still holds.

mod pool;
mod serve;
mod wire;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) use pool::{RemoteFile, WorkerPool};
#[cfg(feature = "fault-injection")]
pub(crate) use serve::kill_self;
pub use serve::main;

/// Where a [`Converter`](crate::Converter) converts pages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Isolation {
    /// On the converter's threads, in this process: no set-up, but a hostile file can end
    /// the process (see the [module docs](self)). The default, since a library cannot
    /// know a worker program.
    #[default]
    InProcess,
    /// In worker processes, one per worker thread, each converting one page at a time.
    Workers(WorkerOptions),
}

/// How worker processes are started and limited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerOptions {
    /// The worker program: one whose `main` runs [`main`] when given [`Self::args`]. The
    /// CLI uses itself (`diagram-convert worker`); this package's binary
    /// `diagram-convert-worker` does nothing else.
    pub program: PathBuf,
    /// The arguments that start `program` as a worker. Default: none.
    pub args: Vec<OsString>,
    /// Each worker's memory limit in bytes (its data segment: heap and anonymous
    /// mappings, what page buffers and decoders take), or `None` for no limit. A page
    /// needing more fails with "the page needed more than 1 GiB of memory". Unix only.
    /// Default: 1 GiB.
    pub memory_limit: Option<u64>,
    /// How long past the page time limit a worker that has not answered is given before
    /// it is killed (the page fails as timed out either way; the grace lets a worker stop
    /// at its own deadline and stay alive for the next page). Default: 2 s.
    pub kill_grace: Duration,
    /// How long a new worker has to answer the handshake. Default: 30 s.
    pub start_timeout: Duration,
}

impl WorkerOptions {
    /// The default memory limit: 1 GiB.
    pub const DEFAULT_MEMORY_LIMIT: u64 = 1 << 30;

    /// Workers that run `program` with `args`, with the default limits.
    pub fn new(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Self {
        Self {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            memory_limit: Some(Self::DEFAULT_MEMORY_LIMIT),
            kill_grace: Duration::from_secs(2),
            start_timeout: Duration::from_secs(30),
        }
    }

    /// The same with another memory limit.
    pub fn with_memory_limit(mut self, bytes: Option<u64>) -> Self {
        self.memory_limit = bytes;
        self
    }
}
