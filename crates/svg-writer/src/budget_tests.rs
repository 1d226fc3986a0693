//! The size budget of `auto`: a pass stops writing at the budget, the one-decimal retry
//! is skipped only when it cannot fit, and the fallback says why.

use std::path::PathBuf;
use std::sync::Arc;

use diagram_core::{ColorMode, Deadline, Limits};
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::{Document, PageContent, PngOptions, RenderOptions};
use hayro::hayro_interpret::InterpreterCache;

use crate::vector::{vector_layer, VectorLayer, VectorSettings};
use crate::{
    first_pass_stops_at_budget, may_retry, retry_hopeless, write_svg, LayerKind, PageLayerMode,
    SvgOptions,
};

fn open(name: &str) -> Document {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/valhall")
        .join(format!("{name}.pdf"));
    let bytes: Arc<[u8]> = std::fs::read(path).unwrap().into();
    Document::open(bytes, &Limits::default()).unwrap()
}

/// The first page at 150 DPI, gray.
fn content(doc: &Document) -> PageContent<'_> {
    let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
    let page = doc.render(&plan, ColorMode::Gray, Deadline::NONE).unwrap();
    PageContent::new(doc, page, PngOptions::default(), Deadline::NONE)
}

/// The first page's vector layer at `decimals` within `budget`, as `auto` writes a pass
/// that may be retried (it reads the whole page).
fn layer(content: &PageContent<'_>, decimals: u32, budget: usize) -> VectorLayer {
    pass(content, decimals, budget, false)
}

/// The first page's vector layer at `decimals` within `budget`, stopping at the budget or
/// not.
fn pass(
    content: &PageContent<'_>,
    decimals: u32,
    budget: usize,
    stop_at_budget: bool,
) -> VectorLayer {
    let settings = VectorSettings {
        frame: *content.frame(),
        decimals,
        grayscale: true,
        min_stroke_px: 1.0,
        budget,
        stop_at_budget,
        detect_scan: true,
    };
    let page = content.pdf_page().unwrap();
    vector_layer(
        page,
        settings,
        &InterpreterCache::new(),
        Deadline::NONE,
        std::sync::Arc::new(|_| {}),
    )
    .expect("no deadline")
}

fn write(content: &PageContent<'_>, options: &SvgOptions) -> crate::SvgPage {
    let scene = Scene::build(&[], 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    write_svg(&scene, content, options).unwrap()
}

#[test]
fn a_pass_stops_writing_at_the_budget() {
    let doc_doc = open("PH-25578-P-4110006-001");
    let doc = content(&doc_doc);
    let full = layer(&doc, 2, usize::MAX);
    assert!(!full.over_budget);
    assert_eq!(full.written, full.calls);
    let budget = 100_000;
    let cut = layer(&doc, 2, budget);
    assert!(cut.over_budget);
    // Every call is seen (for the scan and feature checks), few are written.
    assert_eq!(cut.calls, full.calls);
    assert!(cut.written * 20 < cut.calls, "{} of {} calls written", cut.written, cut.calls);
    // Writing stops within one call of the budget.
    assert!(
        cut.markup.len() > budget && cut.markup.len() < budget + 20_000,
        "{}",
        cut.markup.len()
    );
    // The same features are found as by the full pass.
    assert_eq!(cut.unsupported, full.unsupported);
    assert_eq!(cut.scan, full.scan);
}

#[test]
fn the_retry_is_skipped_only_when_one_decimal_cannot_fit() {
    // The dense A4 sheet at the default budget: 12 MB at 2 decimals, 11 MB at 1.
    let dense_doc = open("PH-25578-P-4110006-001");
    let dense = content(&dense_doc);
    let options = SvgOptions::default();
    let cut = layer(&dense, 2, options.max_vector_bytes);
    assert!(cut.over_budget);
    assert!(retry_hopeless(&cut, &options));
    assert!(layer(&dense, 1, options.max_vector_bytes).over_budget, "the skip lost a fit");

    // A sheet whose budget lies between its 1- and 2-decimal sizes is retried, and gets
    // the vector layer at 1 decimal.
    let sheet_doc = open("PH-25578-P-4110010-001");
    let sheet = content(&sheet_doc);
    let two = layer(&sheet, 2, usize::MAX).markup.len();
    let one = layer(&sheet, 1, usize::MAX).markup.len();
    assert!(one < two);
    let options = SvgOptions { max_vector_bytes: (one + two) / 2, ..Default::default() };
    let cut = layer(&sheet, 2, options.max_vector_bytes);
    assert!(cut.over_budget);
    assert!(!retry_hopeless(&cut, &options));
    let page = write(&sheet, &options);
    assert_eq!(page.layer, LayerKind::Vector);
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
    let forced = SvgOptions { page_layer: PageLayerMode::Vector, decimals: 1, ..options };
    assert_eq!(page.svg, write(&sheet, &forced).svg);
}

#[test]
fn an_over_budget_page_falls_back_with_the_same_warning() {
    let doc_doc = open("PH-25578-P-4110006-001");
    let doc = content(&doc_doc);
    for max_vector_bytes in [1, 100_000, SvgOptions::default().max_vector_bytes] {
        let options = SvgOptions { max_vector_bytes, ..Default::default() };
        let page = write(&doc, &options);
        assert_eq!(page.layer, LayerKind::Raster);
        let limit = format!("{:.1}", max_vector_bytes as f64 / 1e6);
        assert_eq!(
            page.warnings,
            [format!(
                "the page is embedded as an image because its vector drawing is larger than \
                 the {limit} MB limit for SVG page layers"
            )]
        );
    }
}

#[test]
fn a_last_pass_stops_reading_at_the_budget() {
    let doc_doc = open("PH-25578-P-4110006-001");
    let doc = content(&doc_doc);
    let full = layer(&doc, 1, usize::MAX);
    let budget = 100_000;
    let read_on = pass(&doc, 1, budget, false);
    let stopped = pass(&doc, 1, budget, true);
    assert!(!read_on.stopped && stopped.stopped && stopped.over_budget);
    assert_eq!(read_on.calls, full.calls);
    // Interrupts are polled every 256 content operators: the pass ends within a few
    // hundred calls of the cut, far before the page's end.
    assert!(
        stopped.calls < read_on.written + 1_000 && stopped.calls * 10 < full.calls,
        "{} calls, {} written before the cut, {} in all",
        stopped.calls,
        read_on.written,
        full.calls
    );
    // What was written up to the cut is the same.
    assert_eq!(stopped.markup, read_on.markup);
    // Within the budget nothing stops.
    let within = pass(&doc, 1, usize::MAX, true);
    assert!(!within.stopped && !within.over_budget);
    assert_eq!(within.markup, full.markup);
}

#[test]
fn a_retry_that_does_not_fit_falls_back_with_the_budget_warning() {
    // A budget between the 1-decimal size (89 % of the 2-decimal one on this sheet) and
    // 0.6 times the 2-decimal size: the retry is tried, stops at the budget, and the page
    // falls back to the PNG with the same warning as when no retry is tried.
    let sheet_doc = open("PH-25578-P-4110010-001");
    let sheet = content(&sheet_doc);
    let two = layer(&sheet, 2, usize::MAX).markup.len();
    let one = layer(&sheet, 1, usize::MAX).markup.len();
    let options = SvgOptions { max_vector_bytes: two * 8 / 10, ..Default::default() };
    assert!(one > options.max_vector_bytes, "{one} of {two}");
    assert!(!retry_hopeless(&layer(&sheet, 2, options.max_vector_bytes), &options));
    let page = write(&sheet, &options);
    assert_eq!(page.layer, LayerKind::Raster);
    let limit = format!("{:.1}", options.max_vector_bytes as f64 / 1e6);
    assert_eq!(
        page.warnings,
        [format!(
            "the page is embedded as an image because its vector drawing is larger than the \
             {limit} MB limit for SVG page layers"
        )]
    );
}

#[test]
fn only_a_first_pass_that_may_be_retried_reads_past_the_budget() {
    let auto = |decimals| SvgOptions { decimals, ..Default::default() };
    assert!(may_retry(&auto(2)) && may_retry(&auto(1)));
    assert!(!may_retry(&auto(0)), "no decimal to drop");
    assert!(!first_pass_stops_at_budget(&auto(2)));
    assert!(first_pass_stops_at_budget(&auto(0)));
    for page_layer in [PageLayerMode::Vector, PageLayerMode::Raster] {
        assert!(!may_retry(&SvgOptions { page_layer, ..Default::default() }), "{page_layer:?}");
    }
}
