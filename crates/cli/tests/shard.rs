//! `job --shard K/N`: the shards of a request too large for one job cover every file
//! exactly once, and `--shard N` takes K from `JOB_COMPLETION_INDEX` (a Kubernetes
//! Indexed Job's pod index).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// More files than one request may hold (the contract's limit is 50).
const FILES: usize = 61;

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A folder of `FILES` small one-page PDFs and a request naming each once.
fn setup(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let files = dir.join("files");
    fs::create_dir(&files).unwrap();
    let pdf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/golden/pdf-rotate-0/input.pdf");
    let items: Vec<Value> = (0..FILES)
        .map(|i| {
            let name = format!("f{i:02}.pdf");
            fs::copy(&pdf, files.join(&name)).unwrap();
            serde_json::json!({"fileExternalId": name, "annotations": []})
        })
        .collect();
    let request = dir.join("request.json");
    fs::write(&request, serde_json::json!({ "items": items }).to_string()).unwrap();
    (request, files)
}

fn job(request: &Path, files: &Path, out: &Path, shard: &str, index: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_diagram-convert"));
    command
        .args(["job", p(request), "--files", p(files), "--out", p(out), "--shard", shard])
        .args(["--format", "png", "--dpi", "10", "--threads", "1", "--quiet"])
        .env_remove("JOB_COMPLETION_INDEX");
    if let Some(index) = index {
        command.env("JOB_COMPLETION_INDEX", index);
    }
    command.output().unwrap()
}

fn converted(out: &Path) -> Vec<String> {
    let job: Value = serde_json::from_slice(&fs::read(out.join("job.json")).unwrap()).unwrap();
    job["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            assert!(item["errorMessage"].is_null(), "{item}");
            assert!(out.join(item["results"][0]["pngUrl"].as_str().unwrap()).is_file(), "{item}");
            item["fileExternalId"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn the_shards_of_a_large_request_convert_every_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let (request, files) = setup(dir.path());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for k in 0..2 {
        let out = dir.path().join(format!("out-{k}"));
        let run = job(&request, &files, &out, &format!("{k}/2"), None);
        assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
        let names = converted(&out);
        let expected: Vec<String> = (k..FILES).step_by(2).map(|i| format!("f{i:02}.pdf")).collect();
        assert_eq!(names, expected, "shard {k}/2 is every second file from file {k}");
        for name in names {
            *seen.entry(name).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), FILES);
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
}

#[test]
fn the_index_comes_from_job_completion_index_and_oversized_shards_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (request, files) = setup(dir.path());
    let from_env = dir.path().join("from-env");
    let run = job(&request, &files, &from_env, "3", Some("2"));
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let expected: Vec<String> = (2..FILES).step_by(3).map(|i| format!("f{i:02}.pdf")).collect();
    assert_eq!(converted(&from_env), expected);

    let run = job(&request, &files, &dir.path().join("unset"), "3", None);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("JOB_COMPLETION_INDEX"));

    let run = job(&request, &files, &dir.path().join("one"), "0/1", None);
    assert_eq!(run.status.code(), Some(2), "61 items in one shard is refused");
    assert!(String::from_utf8_lossy(&run.stderr).contains(
        "items: shard 0/1 has 61 of the request's 61 items, more than 50; use at least 2 shards"
    ));
}
