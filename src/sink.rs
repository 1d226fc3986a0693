//! Where a job's outputs go: each page's artifacts as soon as they are ready, then the
//! finished job.

use std::collections::BTreeMap;
use std::sync::Mutex;

use diagram_core::{FileRef, Job};

use crate::output::{Artifact, OutputFile, OutputFormat};

/// One page's outputs, handed to a [`Sink`] as soon as the page is converted. Pages
/// arrive in any order; `item` and `page` say where they belong.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
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
    /// One artifact per output format, in the order of
    /// [`ConvertOptions::formats`](crate::ConvertOptions::formats).
    pub artifacts: &'a [Artifact],
}

impl PageOutput<'_> {
    /// The conventional relative path of one of the page's files: `<key>/<file path>`,
    /// e.g. `PH-ME-P-0003-001/page-1.png`.
    pub fn path(&self, file: &OutputFile) -> String {
        format!("{}/{}", self.key, file.path)
    }

    /// The artifact of `format`, if the page has one.
    pub fn artifact(&self, format: OutputFormat) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.format == format)
    }
}

/// Where a sink stored a page: for each artifact, the URL of its main file, which goes
/// into the page's result (`pngUrl`, `svgUrl`, or `otherUrls`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredPage {
    /// The URL of each stored format's main file.
    pub urls: BTreeMap<OutputFormat, String>,
}

impl StoredPage {
    /// Nothing stored yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same, with `url` for `format`.
    pub fn with_url(mut self, format: OutputFormat, url: impl Into<String>) -> Self {
        self.urls.insert(format, url.into());
        self
    }

    /// The URL stored for `format`.
    pub fn url(&self, format: OutputFormat) -> Option<&str> {
        self.urls.get(&format).map(String::as_str)
    }
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
#[non_exhaustive]
pub struct MemoryPage {
    /// The request item's index, from 0.
    pub item: usize,
    /// The request item's file reference.
    pub file: FileRef,
    /// The file's output key.
    pub key: String,
    /// The page, from 1.
    pub page: u32,
    /// The page's artifacts, one per output format.
    pub artifacts: Vec<Artifact>,
}

impl MemoryPage {
    /// The bytes of `format`'s main file (the PNG, the SVG), if the page has it.
    pub fn bytes(&self, format: OutputFormat) -> Option<&[u8]> {
        self.artifacts.iter().find(|a| a.format == format).map(|a| a.main().bytes.as_slice())
    }
}

/// Keeps every output in memory; for embedders and tests. Its URLs are the conventional
/// relative paths ([`PageOutput::path`], `<key>/page-<n>.png`), as a [`crate::DirSink`]
/// would write them.
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
        let mut stored = StoredPage::new();
        for artifact in output.artifacts {
            stored.urls.insert(artifact.format, output.path(artifact.main()));
        }
        self.pages.lock().unwrap_or_else(|e| e.into_inner()).push(MemoryPage {
            item: output.item,
            file: output.file.clone(),
            key: output.key.to_string(),
            page: output.page,
            artifacts: output.artifacts.to_vec(),
        });
        Ok(stored)
    }

    fn finish(&self, job: &Job) -> Result<(), SinkError> {
        *self.job.lock().unwrap_or_else(|e| e.into_inner()) = Some(job.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_page_holds_the_url_of_each_format() {
        let page = StoredPage::new()
            .with_url(OutputFormat::Png, "file:///out/page-1.png")
            .with_url(OutputFormat::Svg, "file:///out/page-1.svg");
        assert_eq!(page.url(OutputFormat::Png), Some("file:///out/page-1.png"));
        assert_eq!(page.url(OutputFormat::Svg), Some("file:///out/page-1.svg"));
        assert_eq!(page.url(OutputFormat::Dzi), None);
        assert_eq!(StoredPage::new().urls.len(), 0);
    }
}
