//! One page's conversion: render, scene, then every output format's writer; a pure
//! function of the document, the page and the options, run under the page's deadline and
//! a guard that turns a panic into that page's error.

use std::panic::{catch_unwind, AssertUnwindSafe};

use diagram_core::{Annotation, ColorMode, Deadline};
use diagram_overlay::Scene;
use diagram_raster::{Document, PageContent};

use crate::error::PageError;
use crate::options::ConvertOptions;
use crate::output::{write_page, Artifact, OutputFormat};

/// What every page of a job is converted with.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Panic inside the page's conversion, as a renderer might on a hostile file.
    Panic,
    /// Work for this long before converting, as a pathological page might, checking the
    /// page's deadline as hayro's interpreter does between content operators.
    Stall(std::time::Duration),
}

/// Converts page `index` (from 0) of `doc` by `deadline`.
pub(crate) fn convert_page(
    doc: &Document,
    index: usize,
    annotations: &[Annotation],
    settings: &PageSettings,
    deadline: Deadline,
) -> Result<Converted, PageError> {
    let options = &settings.options;
    let limits = &options.limits;
    let render = |e| PageError::from_render(e, limits);
    let plan = doc.plan(index, &options.render, limits).map_err(render)?;
    let rendered = doc.render(&plan, settings.colors, deadline).map_err(render)?;
    let page = index as u32 + 1;
    let scene = Scene::build(annotations, page, &rendered.frame, settings.colors, &options.overlay);
    let mut warnings = rendered.warnings.clone();
    warnings.extend(scene.warning());
    let content = PageContent::new(doc, rendered, options.png, deadline);
    let (artifacts, more) = write_page(&settings.formats, &scene, content, options)?;
    warnings.extend(more);
    Ok(Converted { artifacts, warnings })
}

/// The page's conversion, run so that a panic becomes the page's error instead of taking
/// down the job, under the deadline of [`Limits::page_time_limit`](diagram_core::Limits)
/// from now.
pub(crate) fn convert_page_guarded(
    doc: &Document,
    index: usize,
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
            None => {}
        }
        convert_page(doc, index, annotations, settings, deadline)
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
