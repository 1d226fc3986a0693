//! A job whose only output is the SVG does not render a page whose SVG is vector: the
//! SVG's reading of the page checks it instead. It must report exactly what the render
//! would: the same page errors (a content stream or an image that cannot be decoded, a
//! missing resource) and the same warnings, page by page.

mod engine_support;

use std::fs;

use diagram_convert::{ConvertOptions, Converter, DirResolver, MemorySink, OutputFormat};
use diagram_core::{Job, JobStatus};
use engine_support::*;
use lopdf::{dictionary, Object, Stream};

/// Not deflate: the first block has the reserved type 3.
const NOT_DEFLATE: &[u8] = b"\xff\xfe this is not deflate data";

/// `make_pdf` with page `page` (from 1) changed by `edit`.
fn edit_page(
    pages: usize,
    page: u32,
    edit: impl FnOnce(&mut lopdf::Document, lopdf::ObjectId),
) -> Vec<u8> {
    let mut doc = lopdf::Document::load_mem(&make_pdf(&vec![(200.0, 150.0); pages])).unwrap();
    let id = *doc.get_pages().get(&page).unwrap();
    edit(&mut doc, id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn with_image(doc: &mut lopdf::Document, page: lopdf::ObjectId, image: Stream) {
    let image = doc.add_object(image);
    let content =
        doc.add_object(Stream::new(dictionary! {}, b"q 80 0 0 60 10 10 cm /Im0 Do Q".to_vec()));
    let dict = doc.get_dictionary_mut(page).unwrap();
    dict.set("Contents", Object::Reference(content));
    dict.set(
        "Resources",
        dictionary! { "XObject" => dictionary! { "Im0" => Object::Reference(image) } },
    );
}

fn outcomes(job: &Job) -> Vec<(String, u32, Option<String>, Vec<String>)> {
    job.items
        .iter()
        .flat_map(|item| {
            item.results.iter().flatten().map(move |r| {
                (item.file.to_string(), r.page, r.error_message.clone(), r.warnings.clone())
            })
        })
        .collect()
}

#[test]
fn an_svg_only_job_reports_what_the_render_would() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "bad-content.pdf",
            edit_page(2, 2, |doc, page| {
                let content = doc.add_object(Stream::new(
                    dictionary! { "Filter" => "FlateDecode" },
                    NOT_DEFLATE.to_vec(),
                ));
                doc.get_dictionary_mut(page).unwrap().set("Contents", Object::Reference(content));
            }),
        ),
        (
            "bad-image.pdf",
            edit_page(2, 1, |doc, page| {
                let image = Stream::new(
                    dictionary! {
                        "Type" => "XObject", "Subtype" => "Image", "Width" => 8, "Height" => 8,
                        "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                        "Filter" => "DCTDecode",
                    },
                    b"\xff\xd8 this is not a JPEG".to_vec(),
                );
                with_image(doc, page, image);
            }),
        ),
        (
            "missing-image.pdf",
            edit_page(1, 1, |doc, page| {
                doc.get_dictionary_mut(page).unwrap().set(
                    "Resources",
                    dictionary! { "XObject" => dictionary! { "Im0" => Object::Reference((777, 0)) } },
                );
            }),
        ),
        ("good.pdf", make_pdf(&[(200.0, 150.0), (150.0, 200.0)])),
    ];
    for (name, bytes) in &files {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    let items: Vec<String> = files
        .iter()
        .map(|(name, _)| format!(r#"{{"fileExternalId": "{name}", "annotations": []}}"#))
        .collect();
    let json = format!(r#"{{"items": [{}]}}"#, items.join(","));
    let run = |formats: Vec<OutputFormat>| {
        let options = ConvertOptions { formats, ..options(2) };
        let sink = MemorySink::new();
        let resolver = DirResolver::new(dir.path()).unwrap();
        let job = Converter::new(options).convert(request(&json), &resolver, &sink);
        assert_eq!(job.status, JobStatus::Completed);
        (job, sink)
    };
    let (svg_only, sink) = run(vec![OutputFormat::Svg]);
    let (both, _) = run(vec![OutputFormat::Png, OutputFormat::Svg]);
    assert_eq!(outcomes(&svg_only), outcomes(&both));
    // The broken pages fail, in both jobs, with the render's own messages.
    let errors: Vec<(String, u32, String)> =
        outcomes(&svg_only).into_iter().filter_map(|(f, p, e, _)| e.map(|e| (f, p, e))).collect();
    let want = [
        ("bad-content.pdf", 2, "page 2 is damaged: its content stream cannot be decoded"),
        ("bad-image.pdf", 1, "page 1 is damaged: 1 image(s) on the page cannot be decoded; the file may be truncated"),
        ("missing-image.pdf", 1, "page 1 is damaged: its image or form resource /Im0 cannot be loaded"),
    ];
    let want: Vec<(String, u32, String)> =
        want.iter().map(|(f, p, e)| (format!("fileExternalId {f:?}"), *p, e.to_string())).collect();
    assert_eq!(errors, want);
    // The good pages are vector SVGs, and the SVG-only job wrote no PNG.
    let pages = sink.pages();
    assert_eq!(pages.len(), 4);
    for page in &pages {
        assert!(page.bytes(OutputFormat::Png).is_none());
        let svg = String::from_utf8_lossy(page.bytes(OutputFormat::Svg).unwrap()).into_owned();
        assert!(svg.contains("data-layer=\"vector\""), "{:?} page {}", page.file, page.page);
    }
}
