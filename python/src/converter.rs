//! The `Converter` class: one engine converter (and so one worker pool) kept across
//! calls, and `convert`, which runs a job with the GIL released and Ctrl-C cancelling it.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;

use diagram_convert::{
    ConvertOptions, DirResolver, DirSink, FileResolver, Isolation, Limits, OutputFormat,
    PageLayerMode, RenderOptions, Renderer, Sink, SvgOptions, WorkerOptions,
};
use diagram_core::{parse_request, Job, ValidateOptions};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::resolver::MapResolver;
use crate::sink::{BudgetSink, MemoryBudgetExceeded};

/// How often the thread that called `convert` looks for a signal (Ctrl-C) while the job
/// runs, holding the GIL only for that look.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// One engine converter with fixed options; see `diagram_convert.Converter`.
#[pyclass(frozen, module = "diagram_convert._native")]
pub(crate) struct Converter {
    inner: diagram_convert::Converter,
}

/// One page kept in memory: `(item index, page, {format name: bytes})`.
type MemoryPage = (usize, u32, Vec<(&'static str, Py<PyBytes>)>);

#[pymethods]
impl Converter {
    /// Converter(*, dpi=150.0, threads=0, renderer="hayro", formats=("png", "svg"),
    /// grayscale=None, annotate_png=False, svg_page="auto", page_timeout=120.0,
    /// worker=None, worker_memory=1 GiB)
    ///
    /// `worker` is `(program, args)` of a worker process (`Isolation::Workers`), or
    /// `None` to convert on this process's threads.
    #[new]
    #[pyo3(signature = (
        *, dpi = 150.0, threads = 0, renderer = "hayro", formats = vec!["png".to_string(), "svg".to_string()],
        grayscale = None, annotate_png = false, svg_page = "auto", page_timeout = Some(120.0),
        worker = None, worker_memory = Some(WorkerOptions::DEFAULT_MEMORY_LIMIT)
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        dpi: f64,
        threads: usize,
        renderer: &str,
        formats: Vec<String>,
        grayscale: Option<bool>,
        annotate_png: bool,
        svg_page: &str,
        page_timeout: Option<f64>,
        worker: Option<(PathBuf, Vec<String>)>,
        worker_memory: Option<u64>,
    ) -> PyResult<Self> {
        if !(dpi.is_finite() && dpi > 0.0) {
            return Err(PyValueError::new_err(format!("dpi must be a positive number, not {dpi}")));
        }
        let renderer = match renderer {
            "hayro" => Renderer::Hayro,
            "pdfium" => Renderer::Pdfium,
            other => {
                return Err(PyValueError::new_err(format!(
                    "renderer must be \"hayro\" or \"pdfium\", not {other:?}"
                )))
            }
        };
        let formats = formats
            .iter()
            .map(|name| {
                OutputFormat::from_name(name).ok_or_else(|| {
                    let known: Vec<&str> = OutputFormat::ALL.iter().map(|f| f.name()).collect();
                    PyValueError::new_err(format!(
                        "unknown format {name:?}; the formats are {}",
                        known.join(", ")
                    ))
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let page_layer = match svg_page {
            "auto" => PageLayerMode::Auto,
            "vector" => PageLayerMode::Vector,
            "raster" => PageLayerMode::Raster,
            other => {
                return Err(PyValueError::new_err(format!(
                    "svg_page must be \"auto\", \"vector\" or \"raster\", not {other:?}"
                )))
            }
        };
        let page_time_limit = match page_timeout {
            None => None,
            Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Some(Duration::from_secs_f64(s)),
            Some(s) => {
                return Err(PyValueError::new_err(format!(
                    "page_timeout must be a positive number of seconds or None, not {s}"
                )))
            }
        };
        let isolation = match worker {
            None => Isolation::InProcess,
            Some((program, args)) => Isolation::Workers(
                WorkerOptions::new(program, args).with_memory_limit(worker_memory),
            ),
        };
        Ok(Self {
            inner: diagram_convert::Converter::new(ConvertOptions {
                threads,
                formats,
                grayscale,
                annotate_png,
                render: RenderOptions { dpi, renderer, ..RenderOptions::default() },
                svg: SvgOptions { page_layer, ..SvgOptions::default() },
                limits: Limits { page_time_limit, ..Limits::default() },
                isolation,
                ..ConvertOptions::default()
            }),
        })
    }

    /// convert(request: bytes, files: str | dict, out: str | None, strict: bool,
    /// memory_budget: int) -> tuple[str, list[tuple[int, int, list[tuple[str, bytes]]]]]
    ///
    /// Runs a request (its JSON bytes) with the files of a folder (`str`) or a mapping,
    /// into the folder `out` or, with `out=None`, into memory; returns the finished job
    /// as JSON and the pages kept in memory. The GIL is released while the engine works;
    /// a signal (Ctrl-C) cancels the job and is raised once the pages in flight are done.
    #[pyo3(signature = (request, files, out, strict = false, memory_budget = 1 << 30))]
    fn convert(
        &self,
        py: Python<'_>,
        request: &[u8],
        files: &Bound<'_, PyAny>,
        out: Option<PathBuf>,
        strict: bool,
        memory_budget: u64,
    ) -> PyResult<(String, Vec<MemoryPage>)> {
        let validate = ValidateOptions { strict, ..Default::default() };
        let request = py
            .detach(|| parse_request(request, &validate))
            .map_err(|e| PyValueError::new_err(e.lines().join("\n")))?;
        let max_file_bytes = self.inner.options().limits.max_file_bytes;
        let resolver: Box<dyn FileResolver> = if let Ok(map) = files.cast::<PyDict>() {
            Box::new(MapResolver::new(map, max_file_bytes)?)
        } else {
            let folder: PathBuf = files.extract()?;
            let resolver = DirResolver::new(&folder).map_err(|e| {
                PyErr::new::<pyo3::exceptions::PyOSError, _>(format!(
                    "cannot use the files folder {}: {e}",
                    folder.display()
                ))
            })?;
            Box::new(resolver.with_max_file_bytes(max_file_bytes))
        };
        if out.is_none() && self.inner.options().formats.contains(&OutputFormat::Dzi) {
            // A pyramid is thousands of tile files; the in-memory pages hold one file per
            // format.
            return Err(PyValueError::new_err(
                "the dzi format writes a folder of tiles per page; pass out= to write the \
                 outputs to a folder",
            ));
        }
        let job = self.inner.job(request);
        match out {
            Some(folder) => {
                let sink = DirSink::new(&folder).map_err(|e| {
                    PyErr::new::<pyo3::exceptions::PyOSError, _>(format!(
                        "cannot create the output folder {}: {e}",
                        folder.display()
                    ))
                })?;
                let finished = self.run(py, &job, resolver.as_ref(), &sink)?;
                Ok((to_json(&finished)?, Vec::new()))
            }
            None => {
                let sink = BudgetSink::new(memory_budget, job.clone());
                let finished = self.run(py, &job, resolver.as_ref(), &sink)?;
                if sink.exceeded() {
                    return Err(MemoryBudgetExceeded::new_err(BudgetSink::message(memory_budget)));
                }
                let pages = sink
                    .into_inner()
                    .pages()
                    .into_iter()
                    .map(|page| {
                        let files = page
                            .artifacts
                            .iter()
                            .map(|a| (a.format.name(), PyBytes::new(py, &a.main().bytes).unbind()))
                            .collect();
                        (page.item, page.page, files)
                    })
                    .collect();
                Ok((to_json(&finished)?, pages))
            }
        }
    }

    /// The number of threads (and worker processes) this converter uses.
    #[getter]
    fn threads(&self) -> usize {
        self.inner.options().worker_threads()
    }
}

impl Converter {
    /// Runs `job` on a thread of its own while this thread, the one holding the
    /// interpreter, waits without the GIL and looks for signals every
    /// [`SIGNAL_POLL`]. On a signal's exception (KeyboardInterrupt) the job is cancelled,
    /// its pages in flight finish, and the exception is raised.
    fn run(
        &self,
        py: Python<'_>,
        job: &diagram_convert::JobHandle,
        resolver: &dyn FileResolver,
        sink: &dyn Sink,
    ) -> PyResult<Job> {
        std::thread::scope(|scope| {
            let (done, finished) = mpsc::channel();
            // A Receiver is not Sync; the lock (never contended) lets a GIL-less closure
            // borrow it.
            let finished = Mutex::new(finished);
            let recv = |timeout: Option<Duration>| {
                let finished = finished.lock().unwrap_or_else(|e| e.into_inner());
                match timeout {
                    Some(t) => finished.recv_timeout(t),
                    None => finished.recv().map_err(|_| RecvTimeoutError::Disconnected),
                }
            };
            let runner = job.clone();
            let engine = &self.inner;
            scope.spawn(move || {
                let _ = done.send(engine.run(&runner, resolver, sink));
            });
            loop {
                match py.detach(|| recv(Some(SIGNAL_POLL))) {
                    Ok(job) => return Ok(job),
                    Err(RecvTimeoutError::Timeout) => {
                        if let Err(interrupt) = py.check_signals() {
                            job.cancel();
                            // The engine stops at the next page; wait for it without the
                            // GIL (a resolver may need the GIL to read bytes meanwhile).
                            let _ = py.detach(|| recv(None));
                            return Err(interrupt);
                        }
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        return Err(PyRuntimeError::new_err(
                            "the conversion thread ended without a result",
                        ))
                    }
                }
            }
        })
    }
}

fn to_json(job: &Job) -> PyResult<String> {
    serde_json::to_string(job).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}
