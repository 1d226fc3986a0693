//! One page's conversion: plan, scene, then the page rendered once into every output
//! format's writer; a pure
//! function of the document, the page and the options, run under the page's deadline and
//! a guard that turns a panic into that page's error.

use std::panic::{catch_unwind, AssertUnwindSafe};

use diagram_core::{Annotation, ColorMode, Deadline};
use diagram_overlay::Scene;
use diagram_raster::{Document, PagePlan};

use crate::error::PageError;
use crate::options::ConvertOptions;
use crate::output::{write_page, Artifact, OutputFormat};

/// What every page of a job is converted with (sent to each worker process with each
/// page).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct PageSettings {
    /// The converter's options.
    pub options: ConvertOptions,
    /// The formats, without repeats.
    pub formats: Vec<OutputFormat>,
    /// The job's colours, decided once.
    pub colors: ColorMode,
}

/// One converted page, before it is stored.
#[derive(Debug, Default)]
pub(crate) struct Converted {
    pub artifacts: Vec<Artifact>,
    pub warnings: Vec<String>,
}

/// A fault to inject into one page's conversion (test builds, feature
/// `fault-injection`), to exercise the engine's failure isolation.
#[cfg(feature = "fault-injection")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Fault {
    /// Panic inside the page's conversion, as a renderer might on a hostile file.
    Panic,
    /// Work for this long before converting, as a pathological page might, checking the
    /// page's deadline as hayro's interpreter does between content operators.
    Stall(std::time::Duration),
    /// After the page is rendered, kill the process converting it with SIGKILL, as the
    /// kernel's OOM killer or an operator might. Only for [`Isolation::Workers`]
    /// (in-process it ends the test).
    ///
    /// [`Isolation::Workers`]: crate::Isolation::Workers
    Kill,
    /// After the page is rendered, allocate and touch this many bytes, as a renderer on a
    /// hostile file might: past a worker's memory limit the allocation fails and aborts
    /// the worker.
    Allocate(u64),
    /// After the page is rendered, hang without ever checking the deadline, as a
    /// renderer stuck in a loop might: only killing the process stops it.
    Hang,
}

#[cfg(feature = "fault-injection")]
impl Fault {
    /// Strikes the faults that hit a page in the middle, once it is rendered.
    fn strike_mid_page(self) {
        match self {
            Fault::Kill => crate::worker::kill_self(),
            Fault::Allocate(bytes) => {
                let block = vec![1u8; bytes as usize];
                std::hint::black_box(&block);
            }
            Fault::Hang => loop {
                std::thread::park();
            },
            Fault::Panic | Fault::Stall(_) => {}
        }
    }
}

/// Converts page `index` (from 0) of `doc` by `deadline`.
pub(crate) fn convert_page(
    doc: &Document,
    index: usize,
    helper_threads: u16,
    annotations: &[Annotation],
    settings: &PageSettings,
    deadline: Deadline,
    #[cfg(feature = "fault-injection")] fault: Option<Fault>,
) -> Result<Converted, PageError> {
    let options = &settings.options;
    let limits = &options.limits;
    let plan =
        doc.plan(index, &options.render, limits).map_err(|e| PageError::from_render(e, limits))?;
    let plan = PagePlan { helper_threads, ..plan };
    let page = index as u32 + 1;
    let scene = Scene::build(annotations, page, &plan.frame, settings.colors, &options.overlay);
    let after_render = || {
        #[cfg(feature = "fault-injection")]
        if let Some(fault) = fault {
            fault.strike_mid_page();
        }
    };
    let (artifacts, warnings) = write_page(doc, &plan, &scene, settings, deadline, after_render)?;
    Ok(Converted { artifacts, warnings })
}

/// The page's conversion, run so that a panic becomes the page's error instead of taking
/// down the job, under the deadline of [`Limits::page_time_limit`](diagram_core::Limits)
/// from now.
pub(crate) fn convert_page_guarded(
    doc: &Document,
    index: usize,
    helper_threads: u16,
    annotations: &[Annotation],
    settings: &PageSettings,
    #[cfg(feature = "fault-injection")] fault: Option<Fault>,
) -> Result<Converted, PageError> {
    let deadline = Deadline::after(settings.options.limits.page_time_limit);
    let work = || {
        #[cfg(feature = "fault-injection")]
        match fault {
            Some(Fault::Panic) => panic!("injected renderer panic"),
            Some(Fault::Stall(d)) => {
                let until = std::time::Instant::now() + d;
                while std::time::Instant::now() < until && !deadline.passed() {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                if deadline.passed() {
                    return Err(PageError::timed_out(&settings.options.limits));
                }
            }
            _ => {}
        }
        convert_page(
            doc,
            index,
            helper_threads,
            annotations,
            settings,
            deadline,
            #[cfg(feature = "fault-injection")]
            fault,
        )
    };
    catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|p| Err(PageError::Crashed(panic_message(&p))))
}

/// The message a panic was raised with.
pub(crate) fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}
