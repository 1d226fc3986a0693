//! The converter: files opened lazily in request order, the pages of each started
//! biggest first and converted in parallel on the converter's one pool with a bounded
//! number in flight, every failure kept to its file or page.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use diagram_core::{
    Annotation, ColorMode, ConvertRequest, FileRef, Job, PageResult, ResultItem, ValidateOptions,
};
use diagram_raster::{pdfium_available, Document, Renderer};

use crate::error::{FileError, JobError, PageError, WorkerFailure};
use crate::job::JobHandle;
use crate::key::KeyAllocator;
use crate::options::ConvertOptions;
use crate::output::{formats, OutputFormat};
use crate::page::{convert_page_guarded, panic_message, Converted, PageSettings};
use crate::resolve::FileResolver;
use crate::sink::{PageOutput, Sink, StoredPage};
use crate::worker::{Isolation, RemoteFile, WorkerPool};

/// Converts requests. Make one per process (or per embedder) and reuse it: it owns the
/// worker pool, started on its first job and shared by every later one (and by its
/// clones).
///
/// ```no_run
/// use diagram_convert::{ConvertOptions, Converter, DirResolver, DirSink, RenderOptions};
///
/// let request = diagram_core::read_request(
///     "request.json".as_ref(), &diagram_core::ValidateOptions::default())?;
/// let converter = Converter::new(ConvertOptions {
///     render: RenderOptions { dpi: 100.0, ..Default::default() },
///     ..Default::default()
/// });
/// let job = converter.job(request);
/// let done = converter.run(&job, &DirResolver::new("files")?, &DirSink::new("out")?);
/// println!("job {} {:?}", done.job_id, done.status);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Converter {
    options: ConvertOptions,
    pool: Arc<OnceLock<Result<rayon::ThreadPool, String>>>,
    workers: Arc<OnceLock<Option<WorkerPool>>>,
}

/// An opened file: the document itself, or the bytes a worker process opened, with the
/// pool whose workers convert its pages.
enum Opened<'a> {
    Local(Document),
    Remote(RemoteFile, &'a WorkerPool),
}

impl Opened<'_> {
    fn page_count(&self) -> usize {
        match self {
            Opened::Local(doc) => doc.page_count(),
            Opened::Remote(file, _) => file.page_count(),
        }
    }

    /// The order in which the pages start: biggest first.
    fn page_order(&self) -> Vec<usize> {
        match self {
            Opened::Local(doc) => biggest_first(&doc.page_areas()),
            Opened::Remote(file, _) => biggest_first(file.page_areas()),
        }
    }
}

/// Page indices ordered by area, biggest first, pages of equal area in page order.
///
/// A job's time is that of its busiest worker. Pages handed out in page order leave a big
/// page that comes late running alone on one worker while the others idle; started first
/// (longest processing time first), it runs beside the small ones. Results keep page
/// order whatever the order of starting.
fn biggest_first(areas: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..areas.len()).collect();
    // A stable sort: equal areas keep page order. `total_cmp` orders every float; the
    // areas are finite (`Document::page_areas`).
    order.sort_by(|&a, &b| areas[b].total_cmp(&areas[a]));
    order
}

/// A page's outcome: where its outputs were stored and its warnings, or why it failed.
type PageOutcome = Result<(StoredPage, Vec<String>), PageError>;

/// The state of one request item while its pages convert.
#[derive(Default)]
struct ItemSlot {
    error: Option<FileError>,
    warnings: Vec<String>,
    pages: Vec<Option<PageOutcome>>,
}

/// A counting semaphore: the number of pages decoded or awaiting the sink.
struct Permits {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Permits {
    fn acquire(&self) {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
    }

    fn release(&self) {
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.freed.notify_one();
    }
}

/// Gives a permit back when dropped, also when the page's task unwinds.
struct Permit<'a>(&'a Permits);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// The stack of a worker thread: 32 MiB (reserved address space, committed only as
/// used), which leaves deep but legitimate drawings room; a stack overflow aborts the
/// process rather than unwinding, so it cannot be caught.
const WORKER_STACK_BYTES: usize = 32 << 20;

impl Converter {
    /// A converter with these options. Its worker pool starts with its first job.
    pub fn new(options: ConvertOptions) -> Self {
        Self { options, pool: Arc::default(), workers: Arc::default() }
    }

    /// The options.
    pub fn options(&self) -> &ConvertOptions {
        &self.options
    }

    /// A new job for a request, [`diagram_core::JobStatus::Queued`]; its colours are
    /// decided here, once ([`ConvertOptions::grayscale`], else the request's flag). Keep
    /// a clone of the handle to watch or cancel it from another thread while
    /// [`Converter::run`] runs it.
    pub fn job(&self, request: ConvertRequest) -> JobHandle {
        let grayscale = self.options.grayscale.unwrap_or(request.grayscale);
        JobHandle::new(request, grayscale)
    }

    /// Runs a job to its end on this thread (pages are converted on the converter's pool
    /// of [`ConvertOptions::threads`] workers) and returns it. Each page's outputs go to
    /// `sink` as soon as they are ready; at the end `sink` gets the finished job.
    ///
    /// The job ends [`Completed`](diagram_core::JobStatus::Completed) when its request
    /// could be worked through, even if files or pages failed (their `errorMessage`
    /// says why); [`Failed`](diagram_core::JobStatus::Failed) with a job-level
    /// `errorMessage` when it could not run at all (see [`JobError`]: a request that
    /// breaks the contract or [`ConvertOptions::limits`], options out of range, no output
    /// format, pdfium asked for but not available, no worker threads), was cancelled, or
    /// its results could not be stored. A job that is not queued (already run) is
    /// returned as it is.
    ///
    /// Do not call this from inside a rayon pool's worker: it blocks while pages convert.
    pub fn run(&self, job: &JobHandle, resolver: &dyn FileResolver, sink: &dyn Sink) -> Job {
        if !job.start() {
            return job.snapshot();
        }
        match self.run_items(job, resolver, sink) {
            Ok(items) => {
                let error = job.is_cancelled().then(|| JobError::Cancelled.to_string());
                job.finish(items, error);
            }
            Err(e) => job.finish(Vec::new(), Some(e.to_string())),
        }
        let finished = job.snapshot();
        if let Err(e) = sink.finish(&finished) {
            job.fail(JobError::Store(e).to_string());
            return job.snapshot();
        }
        finished
    }

    /// A convenience: makes a job for `request` and runs it.
    pub fn convert(
        &self,
        request: ConvertRequest,
        resolver: &dyn FileResolver,
        sink: &dyn Sink,
    ) -> Job {
        let job = self.job(request);
        self.run(&job, resolver, sink)
    }

    fn settings(
        &self,
        request: &ConvertRequest,
        colors: ColorMode,
    ) -> Result<PageSettings, JobError> {
        let o = &self.options;
        if o.threads > ConvertOptions::MAX_THREADS {
            let max = ConvertOptions::MAX_THREADS;
            return Err(JobError::TooManyThreads { threads: o.threads, max });
        }
        let validate = ValidateOptions { strict: false, limits: o.limits.clone() };
        request.validate(&validate).map_err(JobError::InvalidRequest)?;
        o.render.validate().map_err(JobError::InvalidOptions)?;
        if o.render.renderer == Renderer::Pdfium {
            // Asked for by name: failing the job says it once, instead of on every file.
            pdfium_available().map_err(JobError::PdfiumUnavailable)?;
        }
        let formats = formats(o);
        if formats.is_empty() {
            return Err(JobError::NoFormat);
        }
        Ok(PageSettings { options: o.clone(), formats, colors })
    }

    /// The converter's pool, started on first use.
    fn pool(&self) -> Result<&rayon::ThreadPool, JobError> {
        let threads = self.options.worker_threads();
        self.pool
            .get_or_init(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .stack_size(WORKER_STACK_BYTES)
                    .thread_name(|i| format!("diagram-convert worker {i}"))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| JobError::Threads(e.clone()))
    }

    /// The converter's worker processes, if it isolates pages (started as needed).
    fn workers(&self) -> Option<&WorkerPool> {
        self.workers
            .get_or_init(|| match &self.options.isolation {
                Isolation::InProcess => None,
                Isolation::Workers(options) => {
                    Some(WorkerPool::new(options.clone(), self.options.worker_threads()))
                }
            })
            .as_ref()
    }

    fn run_items(
        &self,
        job: &JobHandle,
        resolver: &dyn FileResolver,
        sink: &dyn Sink,
    ) -> Result<Vec<ResultItem>, JobError> {
        let request = job.request_arc();
        let settings = Arc::new(self.settings(&request, job.colors())?);
        let pool = self.pool()?;
        let threads = pool.current_num_threads();
        let workers = self.workers();
        if let Some(workers) = workers {
            workers.check().map_err(|f| match f {
                WorkerFailure::Start(detail) => JobError::Workers(detail),
                f => JobError::Workers(f.to_string()),
            })?;
        }
        let limits = &self.options.limits;
        let mut keys = KeyAllocator::new();
        let keys: Vec<String> = request.items.iter().map(|i| keys.allocate(&i.file)).collect();
        let slots: Vec<Mutex<ItemSlot>> =
            request.items.iter().map(|_| Mutex::new(ItemSlot::default())).collect();
        // At most `threads + 1` pages are decoded or waiting for the sink: one per worker
        // and one queued, so a worker never idles while the next page is scheduled.
        let permits = Permits { free: Mutex::new(threads + 1), freed: Condvar::new() };
        // Pages being converted, for the threads the job's last page may borrow.
        let converting = AtomicUsize::new(0);
        let converting = &converting;
        let item_count = request.items.len();

        pool.in_place_scope_fifo(|scope| {
            for (i, item) in request.items.iter().enumerate() {
                let lock = || slots[i].lock().unwrap_or_else(|e| e.into_inner());
                if job.is_cancelled() {
                    lock().error = Some(FileError::Cancelled);
                    job.file_started(0);
                    continue;
                }
                // A parser may panic on a hostile file, and an embedder's store may have
                // bugs: either fails this file only.
                let doc = catch_unwind(AssertUnwindSafe(|| {
                    let bytes = resolver.resolve(&item.file)?;
                    match workers {
                        None => Document::open(bytes, limits)
                            .map(Opened::Local)
                            .map_err(FileError::Open),
                        Some(workers) => workers
                            .open(bytes, limits, job)
                            .map(|file| Opened::Remote(file, workers)),
                    }
                }))
                .unwrap_or_else(|p| Err(FileError::Crashed(panic_message(&p))));
                let doc = match doc {
                    Ok(doc) => Arc::new(doc),
                    Err(e) => {
                        lock().error = Some(e);
                        job.file_started(0);
                        continue;
                    }
                };
                let count = doc.page_count();
                {
                    let mut slot = lock();
                    slot.pages = (0..count).map(|_| None).collect();
                    slot.warnings = missing_page_warnings(&item.annotations, count);
                }
                job.file_started(count);
                let annotations: Arc<[Annotation]> = item.annotations.clone().into();
                for (position, index) in doc.page_order().into_iter().enumerate() {
                    permits.acquire();
                    let permit = Permit(&permits);
                    let (doc, annotations, settings) =
                        (doc.clone(), annotations.clone(), settings.clone());
                    let (slot, key, file) = (&slots[i], keys[i].as_str(), &item.file);
                    #[cfg(feature = "fault-injection")]
                    let fault = resolver.inject_fault(file, index as u32 + 1);
                    let last = i + 1 == item_count && position + 1 == count;
                    scope.spawn_fifo(move |_| {
                        let _permit = permit;
                        let page = index as u32 + 1;
                        let converting_page = Converting::enter(converting);
                        let helpers = helper_threads(threads, converting_page.others, last);
                        let outcome = if job.is_cancelled() {
                            Err(PageError::Cancelled)
                        } else {
                            match &*doc {
                                Opened::Local(doc) => convert_page_guarded(
                                    doc,
                                    index,
                                    helpers,
                                    &annotations,
                                    &settings,
                                    #[cfg(feature = "fault-injection")]
                                    fault,
                                ),
                                Opened::Remote(file, workers) => workers.convert(
                                    file,
                                    index,
                                    helpers,
                                    &annotations,
                                    &settings,
                                    job,
                                    #[cfg(feature = "fault-injection")]
                                    fault,
                                ),
                            }
                            .and_then(|converted| {
                                store(sink, PageAt { item: i, file, key, page }, converted)
                            })
                        };
                        slot.lock().unwrap_or_else(|e| e.into_inner()).pages[index] = Some(outcome);
                        job.page_done();
                    });
                }
                // This thread's reference goes now; the file is freed when its last page
                // is done.
                drop(doc);
            }
        });

        Ok(request
            .items
            .iter()
            .zip(slots)
            .map(|(item, slot)| {
                let slot = slot.into_inner().unwrap_or_else(|e| e.into_inner());
                result_item(&item.file, slot)
            })
            .collect())
    }
}

/// One page being converted, counted in the job's pages being converted while it lives.
struct Converting<'a> {
    count: &'a AtomicUsize,
    /// The other pages being converted when this one started.
    others: usize,
}

impl<'a> Converting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        let others = count.fetch_add(1, Ordering::SeqCst);
        Converting { count, others }
    }
}

impl Drop for Converting<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The helper threads ([`diagram_raster::PagePlan::helper_threads`]) of a page started
/// while `others` pages were being converted by a job of `threads` workers: the job's
/// last page gets the threads that would otherwise idle, all of them counted as band
/// threads while its own thread interprets the page and writes its rows (vello_cpu's
/// pool of `n` threads); any other page, or a last page with a single free thread,
/// renders on its own thread. The pixels do not depend on it.
fn helper_threads(threads: usize, others: usize, last: bool) -> u16 {
    let free = threads.saturating_sub(others);
    match last && free >= 2 {
        true => u16::try_from(free).unwrap_or(u16::MAX),
        false => 0,
    }
}

/// Where a page belongs in the job.
struct PageAt<'a> {
    item: usize,
    file: &'a FileRef,
    key: &'a str,
    page: u32,
}

/// Hands a converted page to the sink.
fn store(sink: &dyn Sink, at: PageAt<'_>, converted: Converted) -> PageOutcome {
    let output = PageOutput {
        item: at.item,
        file: at.file,
        key: at.key,
        page: at.page,
        artifacts: &converted.artifacts,
    };
    // An embedder's sink that panics fails the page, not the whole job.
    match catch_unwind(AssertUnwindSafe(|| sink.page(output))) {
        Ok(Ok(stored)) => Ok((stored, converted.warnings)),
        Ok(Err(e)) => Err(PageError::Store(e)),
        Err(_) => Err(PageError::SinkCrashed),
    }
}

/// A page's entry in the hosted shape: the only place a page's outcome becomes strings.
fn page_result(page: u32, outcome: Option<PageOutcome>) -> PageResult {
    let outcome = outcome.unwrap_or(Err(PageError::NotConverted));
    match outcome {
        Ok((mut stored, warnings)) => {
            let png_url = stored.urls.remove(&OutputFormat::Png);
            let svg_url = stored.urls.remove(&OutputFormat::Svg);
            let other_urls =
                stored.urls.into_iter().map(|(f, url)| (f.name().to_string(), url)).collect();
            PageResult { page, svg_url, png_url, other_urls, error_message: None, warnings }
        }
        Err(e) => PageResult {
            page,
            svg_url: None,
            png_url: None,
            other_urls: BTreeMap::new(),
            error_message: Some(e.to_string()),
            warnings: vec![],
        },
    }
}

fn result_item(file: &FileRef, slot: ItemSlot) -> ResultItem {
    if let Some(e) = slot.error {
        return ResultItem {
            file: file.clone(),
            results: None,
            error_message: Some(e.to_string()),
            warnings: slot.warnings,
        };
    }
    let results =
        slot.pages.into_iter().enumerate().map(|(i, r)| page_result(i as u32 + 1, r)).collect();
    ResultItem {
        file: file.clone(),
        results: Some(results),
        error_message: None,
        warnings: slot.warnings,
    }
}

/// One warning per page that annotations name but the file does not have, e.g.
/// "2 annotations on page 5; the file has 4 pages".
fn missing_page_warnings(annotations: &[Annotation], count: usize) -> Vec<String> {
    let mut missing: BTreeMap<u32, usize> = BTreeMap::new();
    for a in annotations {
        if a.region.page as usize > count {
            *missing.entry(a.region.page).or_default() += 1;
        }
    }
    let pages = if count == 1 { "1 page".to_string() } else { format!("{count} pages") };
    missing
        .into_iter()
        .map(|(page, n)| {
            let what = if n == 1 { "1 annotation".to_string() } else { format!("{n} annotations") };
            format!("{what} on page {page}; the file has {pages}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use diagram_core::{Region, ShapeKind, Vertex};

    fn on_page(page: u32) -> Annotation {
        let v = |x, y| Vertex { x, y };
        Annotation {
            text: "t".into(),
            confidence: None,
            region: Region {
                shape: ShapeKind::Rectangle,
                page,
                vertices: vec![v(0.1, 0.1), v(0.1, 0.2), v(0.2, 0.2), v(0.2, 0.1)],
            },
            entities: None,
        }
    }

    #[test]
    fn the_last_page_borrows_the_idle_threads() {
        // One page on two threads: both rasterize its bands.
        assert_eq!(helper_threads(2, 0, true), 2);
        assert_eq!(helper_threads(8, 3, true), 5);
        // A single free thread is the page's own: no pool.
        assert_eq!(helper_threads(2, 1, true), 0);
        assert_eq!(helper_threads(1, 0, true), 0);
        assert_eq!(helper_threads(4, 9, true), 0);
        // Pages before the last keep to their thread, so pages stay one per worker.
        assert_eq!(helper_threads(2, 0, false), 0);
    }

    #[test]
    fn pages_start_biggest_first_and_equal_pages_in_page_order() {
        assert_eq!(biggest_first(&[]), Vec::<usize>::new());
        assert_eq!(biggest_first(&[5.0]), [0]);
        // An A0 page among A3 and A4 pages (square points), as in valhall_mixed_4pages.
        assert_eq!(biggest_first(&[499_554.0, 500_990.0, 8_043_131.0, 499_554.0]), [2, 1, 0, 3]);
        assert_eq!(biggest_first(&[1.0, 3.0, 2.0, 3.0, 0.0, 1.0]), [1, 3, 2, 0, 5, 4]);
        assert_eq!(biggest_first(&[2.0, 2.0, 2.0]), [0, 1, 2]);
    }

    #[test]
    fn warns_once_per_missing_page_in_page_order() {
        let anns = [on_page(5), on_page(1), on_page(7), on_page(5), on_page(4)];
        assert_eq!(
            missing_page_warnings(&anns, 4),
            [
                "2 annotations on page 5; the file has 4 pages",
                "1 annotation on page 7; the file has 4 pages"
            ]
        );
        assert_eq!(
            missing_page_warnings(&anns[..1], 1),
            ["1 annotation on page 5; the file has 1 page"]
        );
        assert!(missing_page_warnings(&anns, 7).is_empty());
    }
}
