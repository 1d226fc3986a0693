//! One job of every hostile class beside good files, converted by the CLI in its default
//! mode (worker processes): the process exits normally, job.json answers every file, the
//! good files convert, and no process of the job grows past 1 GiB.
//!
//! The inputs come from diagram-raster's generators: the samples of `all_classes` (a
//! spread of values per class) and, per class, values drawn at random from its range by
//! proptest with a fixed seed, so every run tries the same files.

#[path = "../../raster/tests/common/mod.rs"]
mod common;
#[path = "../../raster/tests/common/hostile.rs"]
mod hostile;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use hostile::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::Value;

/// `n` values of `strategy`, the same on every run.
fn draw<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n).map(|_| strategy.new_tree(&mut runner).unwrap().current()).collect()
}

fn hostile_files() -> Vec<(String, Vec<u8>)> {
    let mut files = all_classes();
    // One drawn pair: with every class of all_classes and the good files, the job holds
    // the contract's 50 items.
    for (columns, colors) in draw(((1_u64 << 28)..(1_u64 << 33), 1_u8..=255), 1) {
        files.push((
            format!("drawn-predictor-{columns}x{colors}.pdf"),
            predictor_content(columns, colors),
        ));
        files.push((
            format!("drawn-predictor-image-{columns}x{colors}.pdf"),
            predictor_image(columns, colors),
        ));
    }
    for width in draw((1_u32 << 27)..=u32::MAX, 2) {
        files.push((format!("drawn-scan-width-{width}.pdf"), scan_with_width(width)));
    }
    for exp in draw(-9.0_f64..-5.5, 2) {
        files.push((format!("drawn-dash-{exp:.3}.pdf"), dashed_line(10_f64.powf(exp))));
    }
    for width in draw((1_u32 << 29)..=u32::MAX, 2) {
        files.push((format!("drawn-ccitt-{width}.pdf"), inline_ccitt(width)));
    }
    for (w, h) in draw((12_000_u32..70_000, 12_000_u32..70_000), 2) {
        files.push((format!("drawn-png-{w}x{h}.png"), png_huge(w, h)));
    }
    for (w, h) in draw((12_000_u16..=u16::MAX, 12_000_u16..=u16::MAX), 2) {
        files.push((format!("drawn-jpeg-{w}x{h}.jpg"), jpeg_huge(w, h)));
    }
    for (seed, sfnt) in draw((proptest::num::u64::ANY, proptest::bool::ANY), 2) {
        files.push((format!("drawn-truetype-{seed}.pdf"), garbage_truetype(seed, 4096, sfnt)));
    }
    files
}

/// The real drawings that must convert in the same job.
const GOOD: [&str; 2] = ["PH-ME-P-0003-001.pdf", "PH-ME-P-0156-001.pdf"];

#[test]
fn hostile_files_fail_alone_in_one_job_beside_good_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    fs::create_dir(&files).unwrap();
    let mut items = Vec::new();
    for good in GOOD {
        fs::copy(common::fixtures().join("valhall").join(good), files.join(good)).unwrap();
        items.push(good.to_string());
    }
    for (name, bytes) in hostile_files() {
        fs::write(files.join(&name), bytes).unwrap();
        items.push(name);
    }
    let request = serde_json::json!({
        "items": items.iter().map(|n| serde_json::json!({"fileExternalId": n, "annotations": []}))
            .collect::<Vec<_>>()
    });
    let request_path = dir.path().join("request.json");
    fs::write(&request_path, request.to_string()).unwrap();
    let out = dir.path().join("out");

    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_diagram-convert"))
        .args(["job", p(&request_path), "--files", p(&files), "--out", p(&out)])
        .args(["--dpi", "50", "--threads", "2", "--page-timeout", "10", "--quiet"])
        .status()
        .unwrap();
    let elapsed = started.elapsed();

    // Exit 3: the job completed and some files or pages failed; never a signal.
    assert_eq!(status.code(), Some(3), "{status}");
    let job: Value = serde_json::from_slice(&fs::read(out.join("job.json")).unwrap()).unwrap();
    assert_eq!(job["status"], "Completed");
    let answered = job["items"].as_array().unwrap();
    assert_eq!(answered.len(), items.len());
    println!("{} files in {:.1} s", items.len(), elapsed.as_secs_f64());
    for (item, name) in answered.iter().zip(&items) {
        assert_eq!(item["fileExternalId"], name.as_str());
        let pages = item["results"].as_array();
        // Every file answered: an error of its own, or a result per page, each
        // converted or failed with a message.
        assert!(item["errorMessage"].is_string() || pages.is_some_and(|p| !p.is_empty()), "{item}");
        for page in pages.into_iter().flatten() {
            assert!(page["errorMessage"].is_string() || page["pngUrl"].is_string(), "{page}");
        }
        let outcome = match (item["errorMessage"].as_str(), pages) {
            (Some(e), _) => format!("file: {e}"),
            (None, Some(pages)) => pages
                .iter()
                .map(|p| p["errorMessage"].as_str().unwrap_or("converted").to_string())
                .collect::<Vec<_>>()
                .join("; "),
            (None, None) => unreachable!(),
        };
        println!("{name}: {outcome}");
    }
    for (item, name) in answered.iter().zip(&items).take(GOOD.len()) {
        assert!(item["errorMessage"].is_null(), "{name}: {item}");
        for page in item["results"].as_array().unwrap() {
            assert!(page["errorMessage"].is_null(), "{name}: {page}");
            assert!(out.join(page["pngUrl"].as_str().unwrap()).is_file());
            assert!(out.join(page["svgUrl"].as_str().unwrap()).is_file());
        }
    }
    peak_memory_is_under_a_gib();
}

/// The largest peak resident set of any process this test has waited for, the CLI and
/// (reaped by it) its workers.
#[cfg(unix)]
fn peak_memory_is_under_a_gib() {
    use nix::sys::resource::{getrusage, UsageWho};
    let kib = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss();
    println!("largest process: {} MiB", kib / 1024);
    assert!(kib < 1 << 20, "a process of the job reached {} MiB", kib / 1024);
}

#[cfg(not(unix))]
fn peak_memory_is_under_a_gib() {}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}
