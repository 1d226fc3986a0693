//! Helpers shared by the integration tests: generated PDFs and fixture paths.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use lopdf::{dictionary, Document, Object, Stream};

/// The shared fixtures folder beside the repository.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

/// The bytes of a fixture.
pub fn fixture(rel: &str) -> Arc<[u8]> {
    let path = fixtures().join(rel);
    Arc::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A one-page PDF description.
#[derive(Clone, Debug)]
pub struct PageSpec {
    pub media: [f64; 4],
    pub crop: Option<[f64; 4]>,
    pub rotate: Option<i64>,
    pub user_unit: Option<f64>,
    /// Black filled rectangles in user space: x, y, width, height.
    pub marks: Vec<[f64; 4]>,
    /// Put /MediaBox and /Rotate on the parent /Pages node instead of the page.
    pub inherit: bool,
    /// The fill colour of the marks (RGB, 0..1); black when `None`.
    pub colour: Option<[f64; 3]>,
}

impl Default for PageSpec {
    fn default() -> Self {
        Self {
            media: [0.0, 0.0, 200.0, 100.0],
            crop: None,
            rotate: None,
            user_unit: None,
            marks: vec![],
            inherit: false,
            colour: None,
        }
    }
}

fn rect(r: [f64; 4]) -> Object {
    Object::Array(r.iter().map(|v| Object::Real(*v as f32)).collect())
}

/// A PDF with one page per spec.
pub fn make_pdf(specs: &[PageSpec]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut kids = vec![];
    let mut pages = dictionary! { "Type" => "Pages", "Count" => specs.len() as i64 };
    for spec in specs {
        let mut content = match spec.colour {
            Some([r, g, b]) => format!("{r} {g} {b} rg\n"),
            None => String::from("0 g\n"),
        };
        for [x, y, w, h] in &spec.marks {
            content.push_str(&format!("{x} {y} {w} {h} re f\n"));
        }
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let mut page = dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "Resources" => dictionary! {},
        };
        if spec.inherit {
            pages.set("MediaBox", rect(spec.media));
            if let Some(r) = spec.rotate {
                pages.set("Rotate", r);
            }
        } else {
            page.set("MediaBox", rect(spec.media));
            if let Some(r) = spec.rotate {
                page.set("Rotate", r);
            }
        }
        if let Some(c) = spec.crop {
            page.set("CropBox", rect(c));
        }
        if let Some(u) = spec.user_unit {
            page.set("UserUnit", Object::Real(u as f32));
        }
        kids.push(Object::Reference(doc.add_object(page)));
    }
    pages.set("Kids", kids);
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("lopdf writes to memory");
    out
}

/// Plans and renders page `index` with the default limits and no deadline.
pub fn render(
    doc: &diagram_raster::Document,
    index: usize,
    options: &diagram_raster::RenderOptions,
    colors: diagram_core::ColorMode,
) -> Result<diagram_raster::RenderedPage, diagram_raster::RasterError> {
    let plan = doc.plan(index, options, &diagram_core::Limits::default())?;
    doc.render(&plan, colors, diagram_core::Deadline::NONE)
}

/// A one-page PDF (100 x 100 pt) whose content fans out through `depth` levels of form
/// XObjects, each drawing the next one `fan` times, down to a 1-point square: `fan^depth`
/// squares from a file of a few kilobytes. At depth 9 and fan 10 it would take hours to
/// draw; only a renderer that stops at a deadline between content operators returns.
pub fn fan_out_pdf(depth: u32, fan: u32) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let square = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 1.into(), 1.into()],
        },
        b"0 g 0 0 1 1 re f".to_vec(),
    ));
    let mut below = square;
    for _ in 0..depth {
        let body = "/F Do ".repeat(fan as usize);
        below = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 1.into(), 1.into()],
                "Resources" => dictionary! { "XObject" => dictionary! { "F" => below } },
            },
            body.into_bytes(),
        ));
    }
    let content = doc.add_object(Stream::new(dictionary! {}, b"10 0 0 10 45 45 cm /F Do".to_vec()));
    let page = dictionary! {
        "Type" => "Page",
        "MediaBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
        "Contents" => content,
        "Resources" => dictionary! { "XObject" => dictionary! { "F" => below } },
    };
    single_page_pdf(doc, page)
}

/// Finishes `doc` as a one-page PDF: `page` (a page dictionary, its `Parent` set here)
/// under a page tree of one kid and a catalog; returns the file's bytes.
pub fn single_page_pdf(mut doc: Document, mut page: lopdf::Dictionary) -> Vec<u8> {
    let pages_id = doc.new_object_id();
    page.set("Parent", pages_id);
    let page = doc.add_object(page);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Count" => 1, "Kids" => vec![Object::Reference(page)],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("lopdf writes to memory");
    out
}
