//! The command line: exit statuses, output files and messages.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diagram-convert")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The width, height, bit depth and colour type in a PNG's IHDR chunk, which the format
/// puts first, right after the 8-byte signature.
fn png_header(bytes: &[u8]) -> (u32, u32, u8, u8) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20), bytes[24], bytes[25])
}

/// The value of `attr` in the first tag of `svg` that starts with `tag` (e.g.
/// `<svg ` or `<rect class="highlight"`).
fn attr<'a>(svg: &'a str, tag: &str, attr: &str) -> &'a str {
    let start = svg.find(tag).unwrap_or_else(|| panic!("no {tag} in the SVG"));
    let end = start + svg[start..].find('>').unwrap();
    let element = &svg[start..end];
    let key = format!(" {attr}=\"");
    let at = element.find(&key).unwrap_or_else(|| panic!("{element} has no {attr}")) + key.len();
    &element[at..at + element[at..].find('"').unwrap()]
}

#[test]
fn validate_prints_ok_or_every_violation() {
    let good = fixtures().join("valhall/requests/PH-ME-P-0003-001.json");
    let out = run(&["validate", p(&good)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "ok\n");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    fs::write(
        &bad,
        r#"{"items": [{"fileId": 1, "annotations": [{"text": "x", "region": {"shape": "polygon",
        "page": 0, "vertices": [{"x": 1.2, "y": 0}, {"x": 0, "y": 0}, {"x": 0, "y": 1}]}}]}]}"#,
    )
    .unwrap();
    let out = run(&["validate", p(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stdout),
        "items[0].annotations[0].region.page: 0 is not an integer >= 1\n\
         items[0].annotations[0].region.vertices[0].x: 1.2 is outside [0, 1]\n"
    );
    let out = run(&["validate", "--strict", p(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("region.shape: \"polygon\" is an extension"));

    let out = run(&["validate", p(&dir.path().join("absent.json"))]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read request"));
}

#[test]
fn usage_errors_exit_1_and_help_documents_the_statuses() {
    assert_eq!(run(&[]).status.code(), Some(1));
    assert_eq!(run(&["job", "r.json"]).status.code(), Some(1));
    assert_eq!(
        run(&["job", "r.json", "--files", ".", "--out", "o", "--dpi", "-3"]).status.code(),
        Some(1)
    );
    let help = run(&["job", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    for needle in [
        "--renderer",
        "--svg-page",
        "--annotate-png",
        "3  the job completed",
        "2  the request was refused",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

#[test]
fn a_refused_request_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    fs::write(&bad, r#"{"items": []}"#).unwrap();
    let out_dir = dir.path().join("out");
    let out = run(&["job", p(&bad), "--files", p(dir.path()), "--out", p(&out_dir)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("items: must have 1 to 50 entries, found none"));
    assert!(!out_dir.exists());
}

#[test]
fn job_with_a_missing_file_completes_with_status_3() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let valhall = fixtures().join("valhall");
    let request = valhall.join("requests/all-files.json");
    let out = run(&[
        "job",
        p(&request),
        "--files",
        p(&valhall),
        "--out",
        p(&out_dir),
        "--dpi",
        "12",
        "--quiet",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("PH-ME-P-0151-001.pdf") && stderr.contains("file not found"),
        "{stderr}"
    );
    let job: serde_json::Value =
        serde_json::from_slice(&fs::read(out_dir.join("job.json")).unwrap()).unwrap();
    assert_eq!(job["status"], "Completed");
    let items = job["items"].as_array().unwrap();
    assert_eq!(items.len(), 11);
    let failed: Vec<&str> = items
        .iter()
        .filter(|i| i.get("errorMessage").is_some())
        .map(|i| i["fileExternalId"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["PH-ME-P-0151-001.pdf"]);
    let req: serde_json::Value = serde_json::from_slice(&fs::read(&request).unwrap()).unwrap();
    let mut pages = 0;
    for (item, asked) in items.iter().zip(req["items"].as_array().unwrap()) {
        assert_eq!(item["fileExternalId"], asked["fileExternalId"]);
        let Some(results) = item.get("results") else { continue };
        for (n, r) in results.as_array().unwrap().iter().enumerate() {
            let what = format!("{} page {}", item["fileExternalId"], n + 1);
            assert_eq!(r["page"], n + 1, "{what}");
            // A gray 8-bit PNG (the request's default) of the SVG's size, and one SVG
            // group per annotation of the page.
            let png = fs::read(out_dir.join(r["pngUrl"].as_str().unwrap())).unwrap();
            let svg = fs::read_to_string(out_dir.join(r["svgUrl"].as_str().unwrap())).unwrap();
            let (w, h, depth, colour_type) = png_header(&png);
            assert_eq!((depth, colour_type), (8, 0), "{what}: 8-bit gray");
            assert_eq!(attr(&svg, "<svg ", "width"), w.to_string(), "{what}");
            assert_eq!(attr(&svg, "<svg ", "height"), h.to_string(), "{what}");
            let on_page = asked["annotations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["region"]["page"] == n + 1)
                .count();
            assert_eq!(svg.matches("class=\"annotation\"").count(), on_page, "{what}");
            pages += 1;
        }
    }
    // Ten one-page sheets (the eleventh file is the missing one).
    assert_eq!(pages, 10);
}

#[test]
fn render_converts_files_by_path_with_a_list_of_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let pdf = fixtures().join("valhall/PH-ME-P-0003-001.pdf");
    let annotations = r#"[{"text": "21-PT-1019", "region": {"shape": "rectangle", "page": 1,
        "vertices": [{"x": 0.1, "y": 0.1}, {"x": 0.1, "y": 0.2}, {"x": 0.2, "y": 0.2}, {"x": 0.2, "y": 0.1}]}}]"#;
    let out = run(&[
        "render",
        p(&pdf),
        "--out",
        p(&out_dir),
        "--annotations",
        annotations,
        "--dpi",
        "10",
        "--format",
        "svg",
        "--color",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let svg = fs::read_to_string(out_dir.join("PH-ME-P-0003-001/page-1.svg")).unwrap();
    // The media box is 2383.94 x 1683.78 pt: at 10 DPI 331.1 x 233.9, so 331 x 234
    // pixels, and the box 0.1..0.2 of each side is x 33.1, y 23.4, 33.1 x 23.4.
    assert_eq!((attr(&svg, "<svg ", "width"), attr(&svg, "<svg ", "height")), ("331", "234"));
    assert_eq!(svg.matches("class=\"annotation\"").count(), 1);
    assert_eq!(attr(&svg, "<g id=\"annotation-0\"", "data-text"), "21-PT-1019");
    let hi = "<rect class=\"highlight\"";
    let placed: Vec<&str> = ["x", "y", "width", "height"].map(|a| attr(&svg, hi, a)).to_vec();
    assert_eq!(placed, ["33.1", "23.4", "33.1", "23.4"]);
    // --color: the colour style's magenta.
    assert_eq!(attr(&svg, hi, "stroke"), "#e6007e");
    assert!(!out_dir.join("PH-ME-P-0003-001/page-1.png").exists());
    let job: serde_json::Value =
        serde_json::from_slice(&fs::read(out_dir.join("job.json")).unwrap()).unwrap();
    assert_eq!(job["grayscale"], false);
    assert_eq!(job["items"][0]["fileExternalId"], "PH-ME-P-0003-001.pdf");

    // A bad annotation is refused with its path in the list.
    let bad = annotations.replace("0.1, \"y\": 0.1}, {", "1.5, \"y\": 0.1}, {");
    let out = run(&["render", p(&pdf), "--out", p(&out_dir), "--annotations", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("annotations[0].region.vertices[0].x: 1.5 is outside [0, 1]")
    );
}

#[test]
fn a_second_run_replaces_the_first_and_writes_only_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let valhall = fixtures().join("valhall");
    let request = valhall.join("requests/valhall_mixed_4pages.json");
    let args = |dpi: &'static str| {
        vec![
            "job".to_string(),
            p(&request).to_string(),
            "--files".into(),
            p(&valhall).to_string(),
            "--out".into(),
            p(&out_dir).to_string(),
            "--dpi".into(),
            dpi.into(),
            "--threads".into(),
            "2".into(),
            "--quiet".into(),
        ]
    };
    let first =
        Command::new(env!("CARGO_BIN_EXE_diagram-convert")).args(args("8")).output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert_eq!(text(&first.stderr), "", "--quiet prints nothing on success");
    let before = fs::read(out_dir.join("valhall_mixed_4pages/page-3.png")).unwrap();
    let second =
        Command::new(env!("CARGO_BIN_EXE_diagram-convert")).args(args("9")).output().unwrap();
    assert_eq!(second.status.code(), Some(0));
    let after = fs::read(out_dir.join("valhall_mixed_4pages/page-3.png")).unwrap();
    assert_ne!(before, after, "the page was rewritten at the new resolution");

    let mut names: Vec<String> = fs::read_dir(out_dir.join("valhall_mixed_4pages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> =
        (1..=4).flat_map(|n| [format!("page-{n}.png"), format!("page-{n}.svg")]).collect();
    expected.sort();
    assert_eq!(names, expected);
    let mut top: Vec<String> = fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["job.json", "valhall_mixed_4pages"]);
}

#[test]
fn render_takes_annotations_from_a_request_matched_by_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let valhall = fixtures().join("valhall");
    let pdf = valhall.join("PH-ME-P-0003-001.pdf");
    let request = valhall.join("requests/PH-ME-P-0003-001.json");
    let out = run(&[
        "render",
        p(&pdf),
        "--out",
        p(&out_dir),
        "--annotations",
        p(&request),
        "--dpi",
        "10",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let req: serde_json::Value = serde_json::from_slice(&fs::read(&request).unwrap()).unwrap();
    let wanted = req["items"][0]["annotations"].as_array().unwrap().len();
    let svg = fs::read_to_string(out_dir.join("PH-ME-P-0003-001/page-1.svg")).unwrap();
    assert_eq!(svg.matches("<metadata>").count(), wanted);
}

#[test]
fn pdfium_asked_for_but_absent_fails_the_job_with_status_4() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let valhall = fixtures().join("valhall");
    let request = valhall.join("requests/PH-ME-P-0003-001.json");
    let out = Command::new(env!("CARGO_BIN_EXE_diagram-convert"))
        .args(["job", p(&request), "--files", p(&valhall), "--out", p(&out_dir)])
        .args(["--renderer", "pdfium", "--quiet"])
        .env("PDFIUM_DYNAMIC_LIB_PATH", dir.path().join("no-such-libpdfium.so"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("pdfium is not available"), "{}", text(&out.stderr));
    let job: serde_json::Value =
        serde_json::from_slice(&fs::read(out_dir.join("job.json")).unwrap()).unwrap();
    assert_eq!(job["status"], "Failed");
    assert!(job["errorMessage"].as_str().unwrap().contains("pdfium"));
}

#[test]
fn viewer_is_written_beside_the_job_and_needs_the_svg() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let request = fixtures().join("valhall/requests/PH-ME-P-0003-001.json");
    let files = fixtures().join("valhall");
    let args = |format: &str| {
        let v: Vec<String> = [
            "job",
            p(&request),
            "--files",
            p(&files),
            "--out",
            p(&out),
            "--dpi",
            "40",
            "--viewer",
            "--format",
            format,
            "--isolation",
            "in-process",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v
    };
    let png_only = args("png");
    let o = run(&png_only.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--viewer needs the svg format"), "{}", text(&o.stderr));
    assert!(!out.join("job.json").exists(), "refused before converting");

    let both = args("png,svg");
    let o = run(&both.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("viewer: 1 pages, 8 annotations: open "),
        "{}",
        text(&o.stderr)
    );
    let index = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("viewer/job.js"));
    let job = fs::read_to_string(out.join("viewer/job.js")).unwrap();
    assert!(job.starts_with("DiagramViewer.job({"));
    assert!(job.contains(r#""label":"PH-ME-P-0003-001.pdf","key":"PH-ME-P-0003-001""#), "{job}");
    assert!(out.join("viewer/pages/0.js").is_file());

    // `viewer OUT` rewrites it over the finished job; a folder without a job is refused.
    fs::remove_file(out.join("index.html")).unwrap();
    let o = run(&["viewer", p(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(out.join("index.html").is_file());
    let o = run(&["viewer", p(dir.path())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("cannot write the viewer: "), "{}", text(&o.stderr));
}
