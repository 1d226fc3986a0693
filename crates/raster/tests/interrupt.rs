//! The interrupt hook of the vendored hayro-interpret (`InterpreterSettings::interrupt`,
//! vendor/hayro-interpret/PATCHES.md): polled before a page's first content operator and
//! before every 256th after, counted across nested content; once it says stop, the rest of
//! the page is not drawn and it is not asked again.
//!
//! The pages are grids of 1-point black squares drawn at one pixel per point, so the
//! number of dark pixels is the number of squares drawn, and where the interpreter stopped
//! follows exactly from the operator count.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{render, PixmapSettings, RenderCache, RenderSettings};
use lopdf::{dictionary, Document, Object, Stream};

/// The side of every test page, in points (and pixels).
const SIDE: u32 = 64;
/// The documented polling interval.
const INTERVAL: usize = 256;

/// A one-page PDF with `content` and the named form `XObject`s (name, bbox side, content,
/// the names of the forms it draws itself).
fn make_pdf(content: &str, forms: &[(&str, f32, String, &[&str])]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let mut ids = std::collections::HashMap::new();
    // Forms only refer to forms listed before them.
    for (name, side, body, uses) in forms {
        let mut xobjects = lopdf::Dictionary::new();
        for used in *uses {
            xobjects.set(*used, Object::Reference(ids[used]));
        }
        let dict = dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), Object::Real(*side), Object::Real(*side)],
            "Resources" => dictionary! { "XObject" => xobjects },
        };
        ids.insert(*name, doc.add_object(Stream::new(dict, body.clone().into_bytes())));
    }
    let mut page_xobjects = lopdf::Dictionary::new();
    for (name, id) in &ids {
        page_xobjects.set(*name, Object::Reference(*id));
    }
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
    let page = dictionary! {
        "Type" => "Page",
        "MediaBox" => vec![0.into(), 0.into(), SIDE.into(), SIDE.into()],
        "Contents" => content_id,
        "Resources" => dictionary! { "XObject" => page_xobjects },
    };
    common::single_page_pdf(doc, page)
}

/// The flat page: `0 g`, then one `x y 1 1 re f` per square, row by row: 1 + 2 x 4096
/// operators in one content stream.
fn flat_page() -> Vec<u8> {
    let mut content = String::from("0 g\n");
    for y in 0..SIDE {
        for x in 0..SIDE {
            content.push_str(&format!("{x} {y} 1 1 re f\n"));
        }
    }
    make_pdf(&content, &[])
}

/// The fan-out page: its content draws form `M` 16 times, `M` draws form `L` 16 times,
/// and `L` fills a 4 x 4 square; no stream has more than 64 operators (the page's and
/// `M`'s: 16 x `q cm Do Q`; `L`'s: `0 g 0 0 4 4 re f`), 1856 in all.
fn fan_out_page() -> Vec<u8> {
    let grid = |step: u32, name: &str| {
        let mut s = String::new();
        for i in 0..16 {
            let (x, y) = ((i % 4) * step, (i / 4) * step);
            s.push_str(&format!("q 1 0 0 1 {x} {y} cm /{name} Do Q\n"));
        }
        s
    };
    let forms: &[(&str, f32, String, &[&str])] =
        &[("L", 4.0, "0 g 0 0 4 4 re f\n".into(), &[]), ("M", 16.0, grid(4, "L"), &["L"])];
    make_pdf(&grid(16, "M"), forms)
}

/// Renders the page at one pixel per point with `interrupt` and returns the number of dark
/// pixels and how often the hook was called. The hook says stop from its `stop_at`th call
/// on (never if `None`).
fn render_with(pdf: Vec<u8>, stop_at: Option<usize>) -> (usize, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let settings = InterpreterSettings {
        interrupt: Arc::new(move || {
            let call = counter.fetch_add(1, Ordering::Relaxed) + 1;
            stop_at.is_some_and(|n| call >= n)
        }),
        ..Default::default()
    };
    let dark = render_page(pdf, &settings);
    (dark, calls.load(Ordering::Relaxed))
}

fn render_page(pdf: Vec<u8>, settings: &InterpreterSettings) -> usize {
    let pdf = Pdf::new(pdf).expect("a valid PDF");
    let page = &pdf.pages()[0];
    let cache = RenderCache::new();
    let pixmap_settings = PixmapSettings { x_scale: 1.0, y_scale: 1.0, bg_color: WHITE };
    let pixmap = render(page, &cache, settings, &RenderSettings::default(), &pixmap_settings);
    assert_eq!((u32::from(pixmap.width()), u32::from(pixmap.height())), (SIDE, SIDE));
    // Premultiplied RGBA on white: a black square's pixels have red 0.
    pixmap.data_as_u8_slice().chunks_exact(4).filter(|p| p[0] < 128).count()
}

/// How often the hook is called on a page of `operators` operators that runs to the end.
fn calls_for(operators: usize) -> usize {
    operators.div_ceil(INTERVAL)
}

#[test]
fn a_hook_that_never_stops_leaves_the_page_whole() {
    let (dark, calls) = render_with(flat_page(), None);
    assert_eq!(dark, (SIDE * SIDE) as usize);
    // Before operator 0, 256, ..., 8192 of the 8193.
    assert_eq!(calls, calls_for(1 + 2 * 4096));
    assert_eq!(calls, 33);
}

#[test]
fn a_hook_that_stops_at_once_leaves_the_page_blank_and_is_asked_once() {
    let (dark, calls) = render_with(flat_page(), Some(1));
    assert_eq!(dark, 0);
    assert_eq!(calls, 1);
}

#[test]
fn a_hook_that_stops_later_leaves_the_page_partly_drawn() {
    // The 4th call comes before operator 768: operators 0..768 ran, `0 g` and 383
    // squares (`re f` each), and the `re` of the 384th, which is never filled.
    let (dark, calls) = render_with(flat_page(), Some(4));
    assert_eq!(calls, 4, "not asked again once it said stop");
    assert_eq!(dark, 383);
}

#[test]
fn the_default_settings_never_interrupt() {
    assert_eq!(render_page(flat_page(), &InterpreterSettings::default()), (SIDE * SIDE) as usize);
}

#[test]
fn a_fan_out_of_small_nested_forms_is_counted_as_one_page() {
    // Whole: 16 x 16 squares of 16 pixels, and the count runs across all 1856 operators
    // (no stream alone reaches 256).
    let (dark, calls) = render_with(fan_out_page(), None);
    assert_eq!(dark, 16 * 16 * 16);
    assert_eq!(calls, calls_for(1856));

    let (dark, calls) = render_with(fan_out_page(), Some(1));
    assert_eq!((dark, calls), (0, 1));

    // Stopped before operator 256: each `M` is 4 + 16 x 7 = 116 operators, so two `M`s
    // ran (0..232), then the third's `q cm Do` (232..235) and three of its `L`s, each
    // `q cm Do` + `0 g re f` + `Q`, the third's `f` being operator 254.
    let (dark, calls) = render_with(fan_out_page(), Some(2));
    assert_eq!(calls, 2);
    assert_eq!(dark, (2 * 16 + 3) * 16);
}

#[test]
fn each_page_starts_afresh_with_the_same_settings() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    // Stops whatever page it is asked about.
    let settings = InterpreterSettings {
        interrupt: Arc::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            true
        }),
        ..Default::default()
    };
    assert_eq!(render_page(flat_page(), &settings), 0);
    assert_eq!(render_page(fan_out_page(), &settings), 0);
    // Asked once per page: a new page is not taken as already interrupted.
    assert_eq!(calls.load(Ordering::Relaxed), 2);
}
