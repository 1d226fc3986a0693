//! Every request in ../shared/fixtures parses, validates and round-trips.

use std::path::{Path, PathBuf};

use diagram_core::{read_request, ConvertRequest, ValidateOptions};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn requests() -> Vec<PathBuf> {
    let mut out = vec![shared().join("dataset-pid/request.json")];
    for entry in std::fs::read_dir(shared().join("valhall/requests"))
        .expect("../shared/fixtures is beside the repo")
    {
        out.push(entry.unwrap().path());
    }
    out.sort();
    assert!(
        out.len() >= 13,
        "expected the 12 Valhall requests and the dataset-pid one, found {out:?}"
    );
    out
}

#[test]
fn every_fixture_request_validates_strictly_and_round_trips() {
    let strict = ValidateOptions { strict: true, ..Default::default() };
    for path in requests() {
        let request =
            read_request(&path, &strict).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = serde_json::to_string(&request).unwrap();
        let again: ConvertRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(request, again, "{}", path.display());

        // Entity objects are carried exactly as given, key order included.
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for (i, item) in raw["items"].as_array().unwrap().iter().enumerate() {
            for (j, a) in item["annotations"].as_array().unwrap().iter().enumerate() {
                let ours = &request.items[i].annotations[j];
                assert_eq!(ours.text, a["text"].as_str().unwrap());
                match (a.get("entities"), &ours.entities) {
                    (Some(raw_entities), Some(entities)) => {
                        let raw_list = raw_entities.as_array().unwrap();
                        assert_eq!(raw_list.len(), entities.len());
                        for (r, e) in raw_list.iter().zip(entities) {
                            let raw_keys: Vec<&String> = r.as_object().unwrap().keys().collect();
                            let keys: Vec<&String> = e.keys().collect();
                            assert_eq!(raw_keys, keys);
                            assert_eq!(r, &serde_json::Value::Object(e.clone()));
                        }
                    }
                    (None, None) => {}
                    other => panic!("{}: entities differ: {other:?}", path.display()),
                }
            }
        }
    }
}

#[test]
fn all_files_request_has_eleven_items() {
    let request =
        read_request(&shared().join("valhall/requests/all-files.json"), &Default::default())
            .unwrap();
    assert_eq!(request.items.len(), 11);
    // Counted in the fixture with Python's json module, file by file.
    let counts: Vec<usize> = request.items.iter().map(|i| i.annotations.len()).collect();
    assert_eq!(counts, [60, 78, 11, 8, 12, 43, 49, 61, 119, 53, 51]);
}

#[test]
fn job_shape_round_trips() {
    let text = r#"{"jobId": 123, "status": "Completed",
     "createdTime": 1730204346000, "startTime": 1730204346000, "statusTime": 1730204349000,
     "grayscale": true,
     "items": [
       {"fileExternalId": "PH-ME-P-0004-001.pdf",
        "results": [{"page": 1, "svgUrl": "a/page-1.svg", "pngUrl": "a/page-1.png"},
                    {"page": 2, "errorMessage": "the reason page 2 failed"}]},
       {"fileId": 1235, "errorMessage": "the reason the whole file failed"},
       {"fileInstanceId": {"space": "s", "externalId": "x"}, "results": [], "warnings": ["w"]}]}"#;
    let job: diagram_core::Job = serde_json::from_str(text).unwrap();
    assert_eq!(job.items.len(), 3);
    assert_eq!(job.items[1].file, diagram_core::FileRef::Id(1235));
    let back: serde_json::Value = serde_json::to_value(&job).unwrap();
    let want: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(back, want);
}
