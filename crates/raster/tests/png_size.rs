//! The default PNG settings meet the size goal on a real A0 sheet: a gray page at 150 DPI
//! is no larger than `pdftoppm -r 150 -gray -png` writes for it. (The time goal, encoding
//! at most a quarter of the render time, is measured by `cargo bench --bench render`.)

mod common;
use common::render;

use std::path::Path;
use std::sync::Arc;

use diagram_raster::{encode_png, Document, PageImage, PngOptions, RenderOptions};

/// `pdftoppm -r 150 -gray -png PH-25578-P-4110010-001.pdf` (poppler 22, libpng defaults).
const PDFTOPPM_GRAY_PNG_BYTES: usize = 1_690_823;

#[test]
fn default_png_of_the_a0_sheet_is_smaller_than_pdftoppms() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/valhall/PH-25578-P-4110010-001.pdf");
    let bytes: Arc<[u8]> = std::fs::read(path).unwrap().into();
    let doc = Document::open(bytes, &diagram_core::Limits::default()).unwrap();
    let page = render(&doc, 0, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap();
    assert!(matches!(page.image, PageImage::Gray(_)));
    let png = encode_png(&page.image, &PngOptions::default()).unwrap();
    eprintln!("{} px: {} bytes", page.frame.size(), png.len());
    assert!(
        png.len() <= PDFTOPPM_GRAY_PNG_BYTES,
        "{} bytes, pdftoppm writes {PDFTOPPM_GRAY_PNG_BYTES}",
        png.len()
    );
    // And it decodes to the same pixels.
    let decoded = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
    assert_eq!(decoded.as_luma8().unwrap().as_raw(), page.image.as_bytes());
}
