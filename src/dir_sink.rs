//! Writing a job's outputs into a folder, each file atomically.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use diagram_core::Job;

use crate::sink::{PageOutput, Sink, SinkError, StoredPage};

/// Writes each page's artifacts under `OUT/<key>/` (`page-<n>.png`, `page-<n>.svg`) and,
/// at the end, `OUT/job.json` (the job in the hosted shape, URLs relative to `OUT`).
///
/// Every file is written under a temporary hidden name in its final folder and then
/// renamed over the final name, so a reader never sees a truncated PNG, SVG or
/// `job.json`, and an interrupted job leaves each file either as it was before or
/// complete. Files of an earlier run in the same folder are replaced one by one; files
/// the new job does not produce are left alone (`job.json` is the list of what this job
/// wrote). Nothing else is written into `OUT`. Files are not `fsync`ed: the guarantee is
/// against interrupted processes, not power loss.
#[derive(Debug)]
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    /// A sink writing into `root`, which is created if missing.
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// The output folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn store(&self, relative: &str, bytes: &[u8]) -> Result<String, SinkError> {
        let path = self.root.join(relative);
        let io = |source| SinkError::Io { path: path.display().to_string(), source };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io)?;
        }
        write_atomic(&path, |f| f.write_all(bytes)).map_err(io)?;
        Ok(relative.to_string())
    }
}

impl Sink for DirSink {
    fn page(&self, output: PageOutput<'_>) -> Result<StoredPage, SinkError> {
        let mut stored = StoredPage::new();
        let mut written = Vec::new();
        let result = (|| {
            for artifact in output.artifacts {
                // The main file last, so its URL names a complete artifact.
                for file in artifact.files.iter().skip(1).chain([artifact.main()]) {
                    let relative = output.path(file);
                    self.store(&relative, &file.bytes)?;
                    written.push(relative);
                }
                stored.urls.insert(artifact.format, written.last().cloned().unwrap_or_default());
            }
            Ok(())
        })();
        if let Err(e) = result {
            // The page fails as a whole (its result says so): no file of it stays behind,
            // e.g. a PNG written before its SVG hit a full disk.
            for relative in written {
                let _ = fs::remove_file(self.root.join(relative));
            }
            return Err(e);
        }
        Ok(stored)
    }

    fn finish(&self, job: &Job) -> Result<(), SinkError> {
        let mut json = serde_json::to_vec_pretty(job)?;
        json.push(b'\n');
        self.store("job.json", &json)?;
        Ok(())
    }
}

/// Writes a file atomically: `write` fills a new temporary file beside `path` (a hidden
/// name, `.<name>.<pid>.<n>.tmp`), which is then renamed to `path`. When `write` or the
/// rename fails, the temporary file is removed and `path` is untouched.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.{n}.tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    let result = (|| {
        let mut file = File::create_new(&temp)?;
        write(&mut file)?;
        file.flush()?;
        drop(file);
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        // The temporary file may not exist (creation failed); nothing more to do then.
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn failed_write_leaves_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page-1.png");
        fs::write(&path, b"old complete file").unwrap();
        let err = write_atomic(&path, |f| {
            f.write_all(b"half of the new")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(fs::read(&path).unwrap(), b"old complete file");
        assert_eq!(names(dir.path()), ["page-1.png"]);
    }

    #[test]
    fn a_page_that_fails_to_store_leaves_none_of_its_files() {
        use crate::output::{Artifact, OutputFormat};
        use diagram_core::FileRef;
        let dir = tempfile::tempdir().unwrap();
        let sink = DirSink::new(dir.path()).unwrap();
        // The SVG's path is taken by a folder, so its rename fails after the PNG is in.
        fs::create_dir_all(dir.path().join("k/page-1.svg/x")).unwrap();
        let artifacts = [
            Artifact::single(OutputFormat::Png, 1, b"png".to_vec()),
            Artifact::single(OutputFormat::Svg, 1, b"svg".to_vec()),
        ];
        let file = FileRef::Id(1);
        let output = PageOutput { item: 0, file: &file, key: "k", page: 1, artifacts: &artifacts };
        assert!(matches!(sink.page(output), Err(SinkError::Io { .. })));
        assert_eq!(names(&dir.path().join("k")), ["page-1.svg"]);
        // A page that stores is whole.
        let artifacts = [
            Artifact::single(OutputFormat::Png, 2, b"png".to_vec()),
            Artifact::single(OutputFormat::Svg, 2, b"svg".to_vec()),
        ];
        let output = PageOutput { page: 2, artifacts: &artifacts, ..output };
        let stored = sink.page(output).unwrap();
        assert_eq!(stored.url(OutputFormat::Svg), Some("k/page-2.svg"));
        assert_eq!(names(&dir.path().join("k")), ["page-1.svg", "page-2.png", "page-2.svg"]);
    }

    #[test]
    fn successful_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page-1.svg");
        fs::write(&path, b"old").unwrap();
        write_atomic(&path, |f| f.write_all(b"new")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["page-1.svg"]);
    }

    #[test]
    fn failed_rename_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should go: the rename fails.
        let path = dir.path().join("page-2.png");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), b"x").unwrap();
        assert!(write_atomic(&path, |f| f.write_all(b"png")).is_err());
        assert_eq!(names(dir.path()), ["page-2.png"]);
        assert!(path.is_dir());
    }
}
