//! The viewer's files over a job folder built from the golden multipage case: what
//! job.js says of each page, that its boxes are the SVG's, and the refusals.

use std::fs;
use std::path::Path;

use serde_json::{json, Value};

const CASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/golden/pdf-multipage");

/// A job folder: the case's three pages under key `input`, page 3 without a PNG, plus a
/// failed page 4, a failed file, and `extra` results put into the job.
fn job_folder(dir: &Path, extra: Value) {
    let key = dir.join("input");
    fs::create_dir_all(&key).unwrap();
    for page in 1..=3 {
        fs::copy(format!("{CASE}/page-{page}.svg"), key.join(format!("page-{page}.svg"))).unwrap();
        if page < 3 {
            fs::copy(format!("{CASE}/page-{page}.png"), key.join(format!("page-{page}.png")))
                .unwrap();
        }
    }
    let mut results = vec![
        json!({"page": 1, "svgUrl": "input/page-1.svg", "pngUrl": "input/page-1.png"}),
        json!({"page": 2, "svgUrl": "input/page-2.svg", "pngUrl": "input/page-2.png", "warnings": ["a warning"]}),
        json!({"page": 3, "svgUrl": "input/page-3.svg"}),
        json!({"page": 4, "errorMessage": "the page needed more than 1 GiB of memory"}),
    ];
    if let Value::Array(more) = extra {
        results.extend(more);
    }
    let job = json!({
        "jobId": 7, "status": "Completed", "createdTime": 1, "statusTime": 2, "grayscale": true,
        "items": [
            {"fileExternalId": "input.pdf", "results": results},
            {"fileId": 42, "errorMessage": "no file for fileId 42 in the files folder"}
        ]
    });
    fs::write(dir.join("job.json"), serde_json::to_vec_pretty(&job).unwrap()).unwrap();
}

/// The model job.js hands to `DiagramViewer.job`.
fn model(dir: &Path) -> Value {
    let script = fs::read_to_string(dir.join("viewer/job.js")).unwrap();
    let json =
        script.strip_prefix("DiagramViewer.job(").unwrap().trim_end().strip_suffix(");").unwrap();
    serde_json::from_str(json).unwrap()
}

/// The `x y width height` of each highlight `<rect>` in an SVG, by annotation id.
/// A small scan written for the test, not the crate's parser: `id="…"`, then the rect's
/// numbers.
fn svg_rects(svg: &str) -> Vec<(String, [f64; 4])> {
    let mut out = Vec::new();
    for group in svg.split("<g id=\"annotation-").skip(1) {
        let id = format!("annotation-{}", &group[..group.find('"').unwrap()]);
        let Some(rect) = group.split("<rect class=\"highlight\" ").nth(1) else { continue };
        let attr = |name: &str| -> f64 {
            let start = rect
                .find(&format!(" {name}=\""))
                .map(|i| i + name.len() + 3)
                .unwrap_or_else(|| {
                    assert!(rect.starts_with(&format!("{name}=\"")));
                    name.len() + 2
                });
            rect[start..start + rect[start..].find('"').unwrap()].parse().unwrap()
        };
        let (x, y) = (attr("x"), attr("y"));
        out.push((id, [x, y, x + attr("width"), y + attr("height")]));
    }
    out
}

#[test]
fn every_page_and_annotation_is_described() {
    let dir = tempfile::tempdir().unwrap();
    job_folder(dir.path(), json!([]));
    let summary = diagram_viewer::write_viewer(dir.path()).unwrap();
    assert_eq!(summary.pages, 3);
    assert_eq!(summary.annotations, 12);
    assert!(summary.notes.is_empty(), "{:?}", summary.notes);
    assert_eq!(summary.index, dir.path().join("index.html"));
    for file in ["index.html", "viewer/viewer.js", "viewer/viewer.css", "viewer/job.js"] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    let index = fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(index.contains(r#"<script src="viewer/viewer.js"></script>"#));
    assert!(index.contains(r#"<script src="viewer/job.js"></script>"#));
    assert!(index.contains(r#"id="search""#) && index.contains(r#"id="details""#));
    assert!(
        !index.contains("http://") && !index.contains("https://"),
        "the viewer fetches nothing"
    );

    let m = model(dir.path());
    let files = m["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["label"], "input.pdf");
    assert_eq!(files[0]["key"], "input");
    assert_eq!(files[1]["label"], "fileId 42");
    assert_eq!(files[1]["key"], Value::Null);
    assert_eq!(files[1]["errorMessage"], "no file for fileId 42 in the files folder");
    let pages = files[0]["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 4);
    assert_eq!(pages[1]["warnings"], json!(["a warning"]));
    assert_eq!(pages[3]["errorMessage"], "the page needed more than 1 GiB of memory");
    assert_eq!(pages[3]["overlay"], Value::Null);

    let mut overlay_ids = Vec::new();
    for (i, page) in pages[..3].iter().enumerate() {
        let n = i + 1;
        let svg = fs::read_to_string(format!("{CASE}/page-{n}.svg")).unwrap();
        let (w, h) = [(200, 150), (150, 200), (100, 75)][i];
        assert_eq!(
            (page["width"].as_u64(), page["height"].as_u64()),
            (Some(w), Some(h)),
            "page {n}"
        );
        // Page 3 has no PNG: its image is the SVG, which shows the highlights itself.
        let (image, highlighted) = match n {
            3 => ("input/page-3.svg", true),
            _ => (if n == 1 { "input/page-1.png" } else { "input/page-2.png" }, false),
        };
        assert_eq!(page["image"], image);
        assert_eq!(page["imageHighlighted"], highlighted);
        // Each box is the SVG's highlight rect, and the overlay script holds that SVG's group.
        let rects = svg_rects(&svg);
        let annotations = page["annotations"].as_array().unwrap();
        for (id, rect) in &rects {
            let a = annotations
                .iter()
                .find(|a| a["id"] == id.as_str())
                .unwrap_or_else(|| panic!("{id}"));
            let b: Vec<f64> =
                a["box"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert!(
                b.iter().zip(rect).all(|(a, b)| (a - b).abs() < 1e-9),
                "{id}: {b:?} vs {rect:?}"
            );
        }
        assert!(!rects.is_empty());
        let overlay = &page["overlay"];
        overlay_ids.push(overlay["id"].as_u64().unwrap());
        let src = overlay["src"].as_str().unwrap();
        let script = fs::read_to_string(dir.path().join(src)).unwrap();
        let prefix = format!("DiagramViewer.overlay({}, ", overlay["id"]);
        let markup: String = serde_json::from_str(
            script.strip_prefix(&prefix).unwrap().trim_end().strip_suffix(");").unwrap(),
        )
        .unwrap();
        assert!(markup.starts_with("<g id=\"annotations\">") && markup.ends_with("</g>"));
        assert!(svg.contains(&markup), "page {n}: the overlay is the SVG's own group");
    }
    assert_eq!(overlay_ids, vec![0, 1, 2]);

    // Entities and confidence, for search and for the list.
    let first = &pages[0]["annotations"][0];
    assert_eq!(first["text"], "21-PT-1019");
    assert_eq!(first["confidence"], 0.93);
    // The request's two entities: two fields, then an array field and a number.
    assert_eq!(first["values"], json!(["21PT1019", "AA11", "21PT1019-A", "21PT1019-B", "2"]));
}

#[test]
fn what_cannot_be_shown_is_noted_and_nothing_outside_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    // A file outside OUT that a hostile job.json points at.
    fs::write(dir.path().join("secret.svg"), fs::read(format!("{CASE}/page-1.svg")).unwrap())
        .unwrap();
    fs::create_dir_all(out.join("input")).unwrap();
    fs::write(
        out.join("input/broken.svg"),
        "<svg width=\"10\" height=\"10\"><g id=\"page\"/></svg>",
    )
    .unwrap();
    job_folder(
        &out,
        json!([
            {"page": 5, "svgUrl": "../secret.svg"},
            {"page": 6, "svgUrl": "input/broken.svg"},
            {"page": 7, "svgUrl": "input/absent.svg"},
            {"page": 8, "otherUrls": {"dzi": "input/absent.dzi"}}
        ]),
    );
    let summary = diagram_viewer::write_viewer(&out).unwrap();
    assert_eq!(summary.notes.len(), 4, "{:#?}", summary.notes);
    assert!(summary.notes[0]
        .starts_with("input.pdf page 5: a URL in job.json leaves the output folder"));
    assert!(summary.notes[1].contains("page 6: its SVG cannot be shown (no annotations group)"));
    assert!(summary.notes[2].contains("page 7: its SVG cannot be shown ("));
    assert!(summary.notes[3].contains("page 8: the job wrote no SVG for it, so its annotations are not shown; its tiles cannot be shown"), "{}", summary.notes[3]);
    let m = model(&out);
    let pages = m["files"][0]["pages"].as_array().unwrap();
    assert_eq!(pages[4]["annotations"], json!([]), "the file outside OUT was not read");
    assert_eq!(pages[4]["svg"], Value::Null);
    assert_eq!(pages[4]["image"], Value::Null);
    assert!(pages[4]["note"].as_str().unwrap().contains("the job wrote no PNG, SVG or tiles"));
}

#[test]
fn a_second_run_replaces_the_first() {
    let dir = tempfile::tempdir().unwrap();
    job_folder(dir.path(), json!([]));
    diagram_viewer::write_viewer(dir.path()).unwrap();
    assert!(dir.path().join("viewer/pages/2.js").is_file());
    // The job is run again with one page: the old overlay scripts go.
    let mut job: Value =
        serde_json::from_slice(&fs::read(dir.path().join("job.json")).unwrap()).unwrap();
    job["items"][0]["results"].as_array_mut().unwrap().truncate(1);
    fs::write(dir.path().join("job.json"), serde_json::to_vec(&job).unwrap()).unwrap();
    let summary = diagram_viewer::write_viewer(dir.path()).unwrap();
    assert_eq!(summary.pages, 1);
    let left: Vec<_> = fs::read_dir(dir.path().join("viewer/pages"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("0.js")]);
    let no_tmp = fs::read_dir(dir.path().join("viewer"))
        .unwrap()
        .all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp"));
    assert!(no_tmp);
}

#[test]
fn a_folder_without_a_job_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = diagram_viewer::write_viewer(dir.path()).unwrap_err();
    assert!(matches!(e, diagram_viewer::ViewerError::Io { .. }), "{e}");
    fs::write(dir.path().join("job.json"), "{\"items\": 3}").unwrap();
    let e = diagram_viewer::write_viewer(dir.path()).unwrap_err();
    assert!(matches!(e, diagram_viewer::ViewerError::Job { .. }), "{e}");
    assert!(!dir.path().join("index.html").exists());
}
