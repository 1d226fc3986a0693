//! When pdfium cannot be bound, every caller gets the same error, which says what was
//! tried and how to install pdfium. Its own test binary: a process binds pdfium once,
//! and here the first attempt is pointed at a library that does not exist.
#![cfg(feature = "pdfium")]

mod common;
use common::render;

use std::sync::Arc;

use diagram_raster::{
    pdfium_available, Document, RasterError, RenderOptions, Renderer, PDFIUM_LIBRARY_VAR,
};

#[test]
fn a_wrong_library_path_is_reported_with_the_install_hint_on_every_call() {
    let missing = std::env::temp_dir().join("diagram-convert-no-such-dir/libpdfium.so");
    // The only test in this binary, so nothing else reads the environment meanwhile.
    std::env::set_var(PDFIUM_LIBRARY_VAR, &missing);

    let err = pdfium_available().unwrap_err();
    let RasterError::PdfiumUnavailable(message) = &err else { panic!("{err:?}") };
    assert!(message.contains(&missing.display().to_string()), "{message}");
    // The reason, not just "dlopen failed".
    assert!(message.contains("No such file"), "{message}");
    assert!(message.contains("pip install pypdfium2==5.15.2"), "{message}");

    // The outcome of the first binding attempt is kept: a later call, here through a
    // page render, reports the same thing even though the variable is gone.
    std::env::remove_var(PDFIUM_LIBRARY_VAR);
    let pdf: Arc<[u8]> = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/valhall/PH-ME-P-0004-001.pdf"),
    )
    .unwrap()
    .into();
    let doc = Document::open(pdf, &diagram_core::Limits::default()).unwrap();
    let options = RenderOptions { dpi: 10.0, renderer: Renderer::Pdfium, ..Default::default() };
    let again = render(&doc, 0, &options, diagram_core::ColorMode::Gray).unwrap_err();
    assert_eq!(again, err);
}
