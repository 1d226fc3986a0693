//! Inputs and helpers shared by the engine tests: small PDFs and images made here, the
//! shared fixtures by path, a resolver that injects faults.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use diagram_convert::{ConvertOptions, DirResolver, Fault, FileResolver, Limits, ResolveError};
use diagram_core::{parse_request, ConvertRequest, FileRef, ValidateOptions};
use lopdf::{dictionary, Document, Object, Stream};

/// `../shared/fixtures` beside the repository.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

/// A PDF with one page per `(width, height)` in points; each page has a black box in
/// its lower-left quarter and the page number's worth of thin lines.
pub fn make_pdf(pages: &[(f64, f64)]) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for (n, &(w, h)) in pages.iter().enumerate() {
        let mut content =
            format!("0 0 0 rg {} {} {} {} re f\n", w * 0.1, h * 0.1, w * 0.3, h * 0.3);
        for i in 0..=n {
            let y = h * (0.6 + 0.05 * i as f64);
            content.push_str(&format!("1 w {} {y} m {} {y} l S\n", w * 0.5, w * 0.9));
        }
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(w as f32), Object::Real(h as f32)],
            "Contents" => content_id,
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("lopdf writes the PDF");
    bytes
}

/// A small RGB PNG with a dark square.
pub fn make_png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        if x < width / 2 && y < height / 2 {
            image::Rgb([20, 40, 200])
        } else {
            image::Rgb([250, 250, 250])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A request from JSON text, validated.
pub fn request(json: &str) -> ConvertRequest {
    parse_request(json.as_bytes(), &ValidateOptions::default()).expect("a valid request")
}

/// An annotation on `page` as JSON, a box from (x0, y0) to (x1, y1).
pub fn annotation(text: &str, page: u32, x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!(
        r#"{{"text": "{text}", "confidence": 0.9, "region": {{"shape": "rectangle", "page": {page},
        "vertices": [{{"x": {x0}, "y": {y0}}}, {{"x": {x0}, "y": {y1}}}, {{"x": {x1}, "y": {y1}}},
        {{"x": {x1}, "y": {y0}}}]}}}}"#
    )
}

/// Fast options for tests: low resolution, no time limit unless given.
pub fn options(threads: usize) -> ConvertOptions {
    ConvertOptions {
        render: diagram_convert::RenderOptions { dpi: 36.0, ..Default::default() },
        threads,
        limits: Limits { page_time_limit: None, ..Limits::default() },
        ..ConvertOptions::default()
    }
}

/// A folder resolver that injects faults into chosen pages.
pub struct FaultyResolver {
    pub inner: DirResolver,
    pub faults: HashMap<(FileRef, u32), Fault>,
}

impl FileResolver for FaultyResolver {
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError> {
        self.inner.resolve(file)
    }

    fn inject_fault(&self, file: &FileRef, page: u32) -> Option<Fault> {
        self.faults.get(&(file.clone(), page)).copied()
    }
}

/// Every file below `dir`, as paths relative to it, sorted.
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
