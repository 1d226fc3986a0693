//! With no `PDFIUM_DYNAMIC_LIB_PATH`, no `python3` on `PATH` and no pdfium in the system
//! library paths, the error lists what was tried and how to install pdfium. Its own test
//! binary: a process binds pdfium once, and this one hides python3 before the first try.
#![cfg(feature = "pdfium")]

use diagram_raster::{pdfium_available, RasterError, PDFIUM_LIBRARY_VAR};

#[test]
fn without_any_pdfium_the_error_lists_every_place_tried() {
    // The only test in this binary, so nothing else reads the environment meanwhile.
    std::env::remove_var(PDFIUM_LIBRARY_VAR);
    let empty = std::env::temp_dir().join("diagram-convert-empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    std::env::set_var("PATH", &empty);

    match pdfium_available() {
        // A machine with pdfium in its system library paths binds it from there: then the
        // library found must render, rather than the test passing on nothing.
        Ok(()) => {
            eprintln!("note: pdfium found in the system library paths; checking it renders");
            let pdf: std::sync::Arc<[u8]> = std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../../shared/fixtures/valhall/PH-ME-P-0004-001.pdf"),
            )
            .unwrap()
            .into();
            let limits = diagram_core::Limits::default();
            let doc = diagram_raster::Document::open(pdf, &limits).unwrap();
            let options = diagram_raster::RenderOptions {
                dpi: 10.0,
                renderer: diagram_raster::Renderer::Pdfium,
                ..Default::default()
            };
            let plan = doc.plan(0, &options, &limits).unwrap();
            let page = doc
                .render(&plan, diagram_core::ColorMode::Gray, diagram_core::Deadline::NONE)
                .unwrap();
            assert_eq!(page.image.size(), Some(plan.frame.size()));
        }
        Err(RasterError::PdfiumUnavailable(message)) => {
            eprintln!("{message}");
            assert!(message.contains("python3's pypdfium2_raw: cannot run python3"), "{message}");
            assert!(message.contains("system library paths: "), "{message}");
            assert!(message.contains("pip install pypdfium2==5.15.2"), "{message}");
            assert!(message.contains("PDFIUM_DYNAMIC_LIB_PATH"), "{message}");
        }
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}
