//! Where a job's outputs go: each page's PNG and SVG as soon as they are ready, then the
//! finished job.

use std::sync::Mutex;

use diagram_core::{FileRef, Job};

/// One page's outputs, handed to a [`Sink`] as soon as the page is converted. Pages
/// arrive in any order; `item` and `page` say where they belong.
#[derive(Debug, Clone, Copy)]
pub struct PageOutput<'a> {
    /// The index of the request item, from 0.
    pub item: usize,
    /// The request item's file reference.
    pub file: &'a FileRef,
    /// The file's output key, unique within the job (see [`crate::key`]), e.g.
    /// `PH-ME-P-0003-001` or `a~2`.
    pub key: &'a str,
    /// The page, from 1.
    pub page: u32,
    /// The PNG, when PNG output is on.
    pub png: Option<&'a [u8]>,
    /// The SVG, when SVG output is on.
    pub svg: Option<&'a [u8]>,
}

impl PageOutput<'_> {
    /// The conventional relative path of the PNG: `<key>/page-<n>.png`.
    pub fn png_path(&self) -> String {
        format!("{}/page-{}.png", self.key, self.page)
    }

    /// The conventional relative path of the SVG: `<key>/page-<n>.svg`.
    pub fn svg_path(&self) -> String {
        format!("{}/page-{}.svg", self.key, self.page)
    }
}

/// Where a sink stored a page: the URLs that go into the page's result (`pngUrl`,
/// `svgUrl`), one per output it was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredPage {
    /// Where the PNG is.
    pub png_url: Option<String>,
    /// Where the SVG is.
    pub svg_url: Option<String>,
}

/// Why a sink could not store an output. A page that cannot be stored fails that page.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The job could not be serialised.
    #[error("cannot serialise the job: {0}")]
    Json(#[from] serde_json::Error),
    /// An embedder's own store failed.
    #[error("{0}")]
    Other(String),
}

/// Receives a job's outputs. Called from worker threads, concurrently; each page once.
pub trait Sink: Send + Sync {
    /// Stores one page's outputs and says where they are.
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError>;

    /// Called once at the end with the finished job, its results in request order.
    /// Default: nothing.
    fn finish(&self, job: &Job) -> Result<(), SinkError> {
        let _ = job;
        Ok(())
    }
}

/// One page kept by a [`MemorySink`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryPage {
    /// The request item's index, from 0.
    pub item: usize,
    /// The request item's file reference.
    pub file: FileRef,
    /// The file's output key.
    pub key: String,
    /// The page, from 1.
    pub page: u32,
    /// The PNG bytes, when PNG output is on.
    pub png: Option<Vec<u8>>,
    /// The SVG bytes, when SVG output is on.
    pub svg: Option<Vec<u8>>,
}

/// Keeps every output in memory; for embedders and tests. Its URLs are the conventional
/// relative paths (`<key>/page-<n>.png`), as a [`crate::DirSink`] would write them.
#[derive(Debug, Default)]
pub struct MemorySink {
    pages: Mutex<Vec<MemoryPage>>,
    job: Mutex<Option<Job>>,
}

impl MemorySink {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// The pages received so far, in request order (item, then page).
    pub fn pages(&self) -> Vec<MemoryPage> {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner()).clone();
        pages.sort_by_key(|p| (p.item, p.page));
        pages
    }

    /// The finished job, once the job has ended.
    pub fn job(&self) -> Option<Job> {
        self.job.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Sink for MemorySink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let stored = StoredPage {
            png_url: output.png.map(|_| output.png_path()),
            svg_url: output.svg.map(|_| output.svg_path()),
        };
        self.pages.lock().unwrap_or_else(|e| e.into_inner()).push(MemoryPage {
            item: output.item,
            file: output.file.clone(),
            key: output.key.to_string(),
            page: output.page,
            png: output.png.map(<[u8]>::to_vec),
            svg: output.svg.map(<[u8]>::to_vec),
        });
        Ok(stored)
    }

    fn finish(&self, job: &Job) -> Result<(), SinkError> {
        *self.job.lock().unwrap_or_else(|e| e.into_inner()) = Some(job.clone());
        Ok(())
    }
}
