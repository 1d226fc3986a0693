//! Embedding the engine: convert a request with your own file store and your own sink,
//! watching progress from another thread.
//!
//! ```text
//! cargo run --example embed -- ../shared/fixtures/valhall/requests/PH-ME-P-0003-001.json ../shared/fixtures/valhall
//! ```

use std::sync::Arc;
use std::time::Duration;

use diagram_convert::{
    ConvertOptions, Converter, DirResolver, FileResolver, PageOutput, RenderOptions, ResolveError,
    Sink, SinkError, StoredPage,
};
use diagram_core::{read_request, FileRef, ValidateOptions};

/// A store of your own: here a folder, but it could be a database or an object store.
struct MyStore(DirResolver);

impl FileResolver for MyStore {
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError> {
        self.0.resolve(file)
    }
}

/// A sink of your own: it receives each page as soon as it is ready, in any order,
/// and says where it put it (the URLs go into the results).
struct PrintSink;

impl Sink for PrintSink {
    fn page(&self, page: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let mut stored = StoredPage::new();
        for artifact in page.artifacts {
            let bytes: usize = artifact.files.iter().map(|f| f.bytes.len()).sum();
            println!(
                "item {} ({}) page {}: {} {bytes} bytes",
                page.item, page.key, page.page, artifact.format
            );
            let url = format!("mem://{}", page.path(artifact.main()));
            stored = stored.with_url(artifact.format, url);
        }
        Ok(stored)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (request, files) = match args.as_slice() {
        [_, request, files] => (request, files),
        _ => return Err("usage: embed REQUEST.json FILES_DIR".into()),
    };
    let request = read_request(request.as_ref(), &ValidateOptions::default())?;
    let converter = Converter::new(ConvertOptions {
        render: RenderOptions { dpi: 100.0, ..Default::default() },
        ..Default::default()
    });
    let job = converter.job(request);
    let store = MyStore(DirResolver::new(files)?);

    let done = std::thread::scope(|scope| {
        let watcher = job.clone();
        scope.spawn(move || {
            // `watcher.cancel()` would stop the job from here.
            while watcher.status() != diagram_core::JobStatus::Completed
                && watcher.status() != diagram_core::JobStatus::Failed
            {
                let p = watcher.progress();
                eprintln!("{} of ~{} pages", p.pages_done, p.estimated_total());
                std::thread::sleep(Duration::from_millis(500));
            }
        });
        converter.run(&job, &store, &PrintSink)
    });
    println!("{}", serde_json::to_string_pretty(&done)?);
    Ok(())
}
