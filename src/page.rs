//! Converting one page: render, highlights, PNG and SVG, as a pure function of the
//! document, the page and the settings; and the guard that turns a panic or an overrun
//! of the time limit into that page's error.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use diagram_core::Annotation;
use diagram_overlay::{draw, Channels, OverlayOptions, Scene};
use diagram_raster::{encode_png, Document, InputKind, PageImage, PngOptions, RenderOptions};
use diagram_svg_writer::{write_svg, PageSource, SvgOptions};

use crate::options::Formats;

/// What every page of a job is converted with.
#[derive(Debug, Clone)]
pub(crate) struct PageSettings {
    pub render: RenderOptions,
    pub formats: Formats,
    pub annotate_png: bool,
    pub grayscale: bool,
    pub overlay: OverlayOptions,
    pub png: PngOptions,
    pub svg: SvgOptions,
    pub time_limit: Option<Duration>,
}

/// One converted page, before it is stored.
#[derive(Debug, Default)]
pub(crate) struct Converted {
    pub png: Option<Vec<u8>>,
    pub svg: Option<Vec<u8>>,
    pub warnings: Vec<String>,
}

/// A fault to inject into one page's conversion (test builds, feature
/// `fault-injection`), to exercise the engine's failure isolation.
#[cfg(feature = "fault-injection")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Panic inside the page's conversion, as a renderer might on a hostile file.
    Panic,
    /// Sleep this long before converting, as a pathological page might take.
    Stall(Duration),
}

/// Converts page `index` (from 0) of `doc`.
pub(crate) fn convert_page(
    doc: &Document,
    index: usize,
    annotations: &[Annotation],
    settings: &PageSettings,
) -> Result<Converted, String> {
    let page = index as u32 + 1;
    let rendered = doc.render(index, &settings.render).map_err(|e| e.to_string())?;
    let mut image = rendered.image;
    let size = image.size();
    let scene = Scene::build(annotations, page, size, settings.grayscale, &settings.overlay);
    let mut warnings = rendered.warnings;
    warnings.extend(scene.warning());
    let encode = |image: &PageImage| {
        encode_png(image, &settings.png).map_err(|e| format!("cannot encode the PNG: {e}"))
    };

    let mut out = Converted::default();
    // The SVG's raster layer is the page without highlights; when the PNG has none
    // either, one encoding serves both.
    let plain_png =
        if settings.formats.png && !settings.annotate_png { Some(encode(&image)?) } else { None };
    if settings.formats.svg {
        let source = match (doc.kind(), doc.pdf()) {
            (InputKind::Pdf, Some(pdf)) => {
                PageSource::Pdf { pdf, index, geometry: rendered.geometry }
            }
            _ => PageSource::Raster,
        };
        let mut raster_png = || match &plain_png {
            Some(png) => Ok(png.clone()),
            None => encode(&image),
        };
        let svg = write_svg(source, &mut raster_png, &scene, annotations, page, &settings.svg)
            .map_err(|e| format!("cannot write the SVG: {e}"))?;
        warnings.extend(svg.warnings);
        out.svg = Some(svg.svg);
    }
    if settings.formats.png {
        out.png = match plain_png {
            Some(png) => Some(png),
            None => {
                let channels = match image {
                    PageImage::Gray(_) => Channels::Gray,
                    PageImage::Rgb(_) => Channels::Rgb,
                };
                draw(&scene, image.as_bytes_mut(), size, channels)
                    .map_err(|e| format!("cannot draw the highlights: {e}"))?;
                Some(encode(&image)?)
            }
        };
    }
    out.warnings = warnings;
    Ok(out)
}

/// The page's conversion, run so that a panic or an overrun of the time limit becomes
/// the page's error instead of taking down the job.
pub(crate) fn convert_page_guarded(
    doc: Arc<Document>,
    index: usize,
    annotations: Arc<[Annotation]>,
    settings: Arc<PageSettings>,
    #[cfg(feature = "fault-injection")] fault: Option<Fault>,
) -> Result<Converted, String> {
    let time_limit = settings.time_limit;
    let work = move || {
        #[cfg(feature = "fault-injection")]
        match fault {
            Some(Fault::Panic) => panic!("injected renderer panic"),
            Some(Fault::Stall(d)) => std::thread::sleep(d),
            None => {}
        }
        convert_page(&doc, index, &annotations, &settings)
    };
    let Some(limit) = time_limit else {
        return catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|p| Err(crashed(&p)));
    };
    // The page runs on its own thread so the worker can stop waiting for it. A stack
    // larger than the default leaves deep but legitimate drawings room; a stack overflow
    // aborts the process rather than unwinding, so it cannot be caught.
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name(format!("diagram-convert page {}", index + 1))
        .stack_size(PAGE_STACK_BYTES)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|p| Err(crashed(&p)));
            // The receiver is gone when the page was abandoned; the result is dropped.
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(format!("cannot start a thread for the page: {e}"));
    }
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "the page took longer than the time limit of {} and was abandoned",
            show_duration(limit)
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err("the page's conversion stopped without a result".to_string())
        }
    }
}

/// The stack of a page thread: 32 MiB (reserved address space, committed only as used).
const PAGE_STACK_BYTES: usize = 32 << 20;

fn crashed(payload: &Box<dyn std::any::Any + Send>) -> String {
    format!("the renderer crashed on this page: {}", panic_message(payload))
}

/// The message a panic was raised with.
pub(crate) fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}
