//! The converter: files opened lazily in request order, pages converted in parallel
//! with a bounded number in flight, every failure kept to its file or page.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex};

use diagram_core::{Annotation, ConvertRequest, FileRef, Job, PageResult, ResultItem};
use diagram_raster::{pdfium_available, Document, OpenOptions, RenderOptions, Renderer};
use diagram_svg_writer::SvgOptions;

use crate::job::JobHandle;
use crate::key::KeyAllocator;
use crate::options::ConvertOptions;
use crate::page::{convert_page_guarded, panic_message, PageSettings};
use crate::resolve::FileResolver;
use crate::sink::{PageOutput, Sink};

/// Converts requests: one per process or per embedder is enough; it holds only options.
///
/// ```no_run
/// use diagram_convert::{ConvertOptions, Converter, DirResolver, DirSink};
///
/// let request = diagram_core::read_request(
///     "request.json".as_ref(), &diagram_core::ValidateOptions::default())?;
/// let converter = Converter::new(ConvertOptions { dpi: 100.0, ..Default::default() });
/// let job = converter.job(request);
/// let done = converter.run(&job, &DirResolver::new("files")?, &DirSink::new("out")?);
/// println!("job {} {:?}", done.job_id, done.status);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Converter {
    options: ConvertOptions,
}

/// The state of one request item while its pages convert.
struct ItemSlot {
    error: Option<String>,
    warnings: Vec<String>,
    pages: Vec<Option<PageResult>>,
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

const CANCELLED: &str = "the job was cancelled";

impl Converter {
    /// A converter with these options.
    pub fn new(options: ConvertOptions) -> Self {
        Self { options }
    }

    /// The options.
    pub fn options(&self) -> &ConvertOptions {
        &self.options
    }

    /// A new job for a validated request, [`diagram_core::JobStatus::Queued`]. Keep a
    /// clone of the handle to watch or cancel it from another thread while
    /// [`Converter::run`] runs it.
    pub fn job(&self, request: ConvertRequest) -> JobHandle {
        let grayscale = self.options.grayscale.unwrap_or(request.grayscale);
        JobHandle::new(request, grayscale)
    }

    /// Runs a job to its end on this thread (pages are converted on a pool of
    /// [`ConvertOptions::threads`] workers) and returns it. Each page's outputs go to
    /// `sink` as soon as they are ready; at the end `sink` gets the finished job.
    ///
    /// The job ends [`Completed`](diagram_core::JobStatus::Completed) when its request
    /// could be worked through, even if files or pages failed (their `errorMessage`
    /// says why); [`Failed`](diagram_core::JobStatus::Failed) with a job-level
    /// `errorMessage` when it could not run at all (options out of range, no output
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
                let error = job.is_cancelled().then(|| CANCELLED.to_string());
                job.finish(items, error);
            }
            Err(message) => job.finish(Vec::new(), Some(message)),
        }
        let finished = job.snapshot();
        if let Err(e) = sink.finish(&finished) {
            job.fail(format!("cannot store the results: {e}"));
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

    fn settings(&self, grayscale: bool) -> Result<PageSettings, String> {
        let o = &self.options;
        let render = RenderOptions {
            dpi: o.dpi,
            target_width: o.target_width,
            image_scale: o.image_scale,
            max_pixels: o.limits.max_pixels,
            grayscale,
        };
        render.validate().map_err(|e| e.to_string())?;
        if o.renderer == Renderer::Pdfium {
            // Asked for by name: failing the job says it once, instead of on every file.
            pdfium_available().map_err(|e| e.to_string())?;
        }
        if !(o.formats.png || o.formats.svg) {
            return Err("no output format is selected".to_string());
        }
        Ok(PageSettings {
            render,
            formats: o.formats,
            annotate_png: o.annotate_png,
            grayscale,
            overlay: o.overlay,
            png: o.png,
            svg: SvgOptions { page_layer: o.svg_page_layer, grayscale, ..SvgOptions::default() },
            time_limit: o.limits.page_time_limit,
        })
    }

    fn run_items(
        &self,
        job: &JobHandle,
        resolver: &dyn FileResolver,
        sink: &dyn Sink,
    ) -> Result<Vec<ResultItem>, String> {
        let settings = Arc::new(self.settings(job.grayscale())?);
        let threads = self.options.worker_threads();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("diagram-convert worker {i}"))
            .build()
            .map_err(|e| format!("cannot start the worker threads: {e}"))?;
        let request = job.request_arc();
        let open_options = OpenOptions {
            renderer: self.options.renderer,
            max_pages: self.options.limits.max_pages,
            max_image_bytes: self.options.limits.max_image_bytes,
        };
        let mut keys = KeyAllocator::new();
        let keys: Vec<String> = request.items.iter().map(|i| keys.allocate(&i.file)).collect();
        let slots: Vec<Mutex<ItemSlot>> = request
            .items
            .iter()
            .map(|_| Mutex::new(ItemSlot { error: None, warnings: Vec::new(), pages: Vec::new() }))
            .collect();
        // At most `threads + 1` pages are decoded or waiting for the sink: one per worker
        // and one queued, so a worker never idles while the next page is scheduled.
        let permits = Permits { free: Mutex::new(threads + 1), freed: Condvar::new() };

        pool.in_place_scope_fifo(|scope| {
            for (i, item) in request.items.iter().enumerate() {
                let lock = || slots[i].lock().unwrap_or_else(|e| e.into_inner());
                if job.is_cancelled() {
                    lock().error = Some(CANCELLED.to_string());
                    job.file_started(0);
                    continue;
                }
                // A parser may panic on a hostile file, and an embedder's store may have
                // bugs: either fails this file only.
                let doc = catch_unwind(AssertUnwindSafe(|| {
                    let bytes = resolver.resolve(&item.file).map_err(|e| e.to_string())?;
                    Document::open(bytes, &open_options).map_err(|e| e.to_string())
                }))
                .unwrap_or_else(|p| {
                    Err(format!(
                        "the file could not be read: the reader crashed: {}",
                        panic_message(&p)
                    ))
                });
                let doc = match doc {
                    Ok(doc) => Arc::new(doc),
                    Err(message) => {
                        lock().error = Some(message);
                        job.file_started(0);
                        continue;
                    }
                };
                let count = doc.page_count();
                {
                    let mut slot = lock();
                    slot.pages = vec![None; count];
                    slot.warnings = missing_page_warnings(&item.annotations, count);
                }
                job.file_started(count);
                let annotations: Arc<[Annotation]> = item.annotations.clone().into();
                for index in 0..count {
                    permits.acquire();
                    let permit = Permit(&permits);
                    let (doc, annotations, settings) =
                        (doc.clone(), annotations.clone(), settings.clone());
                    let (slot, key, file) = (&slots[i], keys[i].as_str(), &item.file);
                    #[cfg(feature = "fault-injection")]
                    let fault = resolver.inject_fault(file, index as u32 + 1);
                    scope.spawn_fifo(move |_| {
                        let _permit = permit;
                        let page = index as u32 + 1;
                        let result = if job.is_cancelled() {
                            PageResult::failed(page, CANCELLED.to_string())
                        } else {
                            let converted = convert_page_guarded(
                                doc,
                                index,
                                annotations,
                                settings,
                                #[cfg(feature = "fault-injection")]
                                fault,
                            );
                            store(sink, i, file, key, page, converted)
                        };
                        slot.lock().unwrap_or_else(|e| e.into_inner()).pages[index] = Some(result);
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

/// Hands a converted page to the sink and makes its result entry.
fn store(
    sink: &dyn Sink,
    item: usize,
    file: &FileRef,
    key: &str,
    page: u32,
    converted: Result<crate::page::Converted, String>,
) -> PageResult {
    let converted = match converted {
        Ok(c) => c,
        Err(message) => return PageResult::failed(page, message),
    };
    let output = PageOutput {
        item,
        file,
        key,
        page,
        png: converted.png.as_deref(),
        svg: converted.svg.as_deref(),
    };
    // An embedder's sink that panics fails the page, not the whole job.
    let stored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.page(output)));
    match stored {
        Ok(Ok(stored)) => PageResult {
            page,
            svg_url: stored.svg_url,
            png_url: stored.png_url,
            error_message: None,
            warnings: converted.warnings,
        },
        Ok(Err(e)) => PageResult::failed(page, e.to_string()),
        Err(_) => PageResult::failed(page, "the sink crashed while storing the page".into()),
    }
}

trait Failed {
    fn failed(page: u32, message: String) -> Self;
}

impl Failed for PageResult {
    fn failed(page: u32, message: String) -> Self {
        PageResult {
            page,
            svg_url: None,
            png_url: None,
            error_message: Some(message),
            warnings: vec![],
        }
    }
}

fn result_item(file: &FileRef, slot: ItemSlot) -> ResultItem {
    if let Some(message) = slot.error {
        return ResultItem {
            file: file.clone(),
            results: None,
            error_message: Some(message),
            warnings: slot.warnings,
        };
    }
    let results = slot
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            // Every scheduled page writes its entry before the scope ends; an empty one
            // would be an engine bug, reported rather than hidden.
            r.unwrap_or_else(|| {
                PageResult::failed(i as u32 + 1, "the page was not converted".into())
            })
        })
        .collect();
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
