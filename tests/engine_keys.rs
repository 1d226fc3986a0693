//! Output keys and file lookup: collisions, encoding, and no way out of the folders.

mod engine_support;

use std::fs;

use diagram_convert::{Converter, DirResolver, DirSink, MemorySink};
use diagram_core::{Job, JobStatus};
use engine_support::*;

#[test]
fn colliding_and_hostile_keys_stay_apart_and_inside_out() {
    let files = tempfile::tempdir().unwrap();
    let pdf = make_pdf(&[(100.0, 80.0)]);
    fs::write(files.path().join("a.pdf"), &pdf).unwrap();
    fs::write(files.path().join("a.png"), make_png(20, 10)).unwrap();
    fs::write(files.path().join("12.pdf"), &pdf).unwrap();
    fs::write(files.path().join("..hidden pdf"), &pdf).unwrap();
    fs::create_dir_all(files.path().join("space/sub")).unwrap();
    fs::write(files.path().join("space/sub/x.pdf"), &pdf).unwrap();
    fs::write(files.path().join("job.json"), &pdf).unwrap();

    let out = tempfile::tempdir().unwrap();
    let json = r#"{"items": [
        {"fileExternalId": "a.pdf", "annotations": []},
        {"fileExternalId": "a.png", "annotations": []},
        {"fileId": 12, "annotations": []},
        {"fileExternalId": "..hidden pdf", "annotations": []},
        {"fileInstanceId": {"space": "space", "externalId": "sub/x"}, "annotations": []},
        {"fileExternalId": "job.json", "annotations": []}]}"#;
    let job = Converter::new(options(2)).convert(
        request(json),
        &DirResolver::new(files.path()).unwrap(),
        &DirSink::new(out.path()).unwrap(),
    );
    assert_eq!(job.status, JobStatus::Completed);
    let urls: Vec<String> = job
        .items
        .iter()
        .map(|i| {
            assert_eq!(i.error_message, None, "{:?}", i.file);
            i.results.as_ref().unwrap()[0].png_url.clone().unwrap()
        })
        .collect();
    assert_eq!(
        urls,
        [
            "a/page-1.png",
            "a~2/page-1.png",
            "12/page-1.png",
            "%2E%2Ehidden%20pdf/page-1.png",
            "space/sub%2Fx/page-1.png",
            "job%2Ejson/page-1.png",
        ]
    );
    for url in &urls {
        assert!(out.path().join(url).is_file(), "{url}");
    }
    let written = tree(out.path());
    assert_eq!(written.len(), urls.len() * 2 + 1, "{written:?}");
    let back: Job =
        serde_json::from_slice(&fs::read(out.path().join("job.json")).unwrap()).unwrap();
    assert_eq!(back.items.len(), 6);
}

#[test]
fn the_resolver_never_reads_outside_its_folder() {
    let outer = tempfile::tempdir().unwrap();
    let files = outer.path().join("files");
    fs::create_dir(&files).unwrap();
    let secret = outer.path().join("secret.pdf");
    fs::write(&secret, make_pdf(&[(100.0, 80.0)])).unwrap();
    fs::write(files.join("inside.pdf"), make_pdf(&[(100.0, 80.0)])).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, files.join("link.pdf")).unwrap();
        std::os::unix::fs::symlink(outer.path(), files.join("up")).unwrap();
        std::os::unix::fs::symlink(files.join("inside.pdf"), files.join("fine.pdf")).unwrap();
    }
    let abs = secret.display().to_string().replace('\\', "/");
    let json = format!(
        r#"{{"items": [
        {{"fileExternalId": "../secret.pdf", "annotations": []}},
        {{"fileExternalId": "../secret", "annotations": []}},
        {{"fileExternalId": "{abs}", "annotations": []}},
        {{"fileExternalId": "link.pdf", "annotations": []}},
        {{"fileExternalId": "up/secret.pdf", "annotations": []}},
        {{"fileInstanceId": {{"space": "..", "externalId": "secret"}}, "annotations": []}},
        {{"fileExternalId": "fine", "annotations": []}}]}}"#
    );
    let job = Converter::new(options(1)).convert(
        request(&json),
        &DirResolver::new(&files).unwrap(),
        &MemorySink::new(),
    );
    assert_eq!(job.status, JobStatus::Completed);
    for item in &job.items[..6] {
        let e = item.error_message.as_deref().unwrap_or("");
        assert!(e.contains("only read inside the files folder"), "{:?}: {e:?}", item.file);
    }
    // A link that stays inside the folder is followed.
    assert_eq!(job.items[6].error_message, None);
}
