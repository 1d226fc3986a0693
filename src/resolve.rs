//! Where the bytes of a request's files come from.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use diagram_core::{escape_controls, FileRef, Limits};
use diagram_raster::InputKind;

/// Why a file's bytes could not be had. Each of these fails that file only.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No file matches the reference.
    #[error("file not found (looked for {looked_for})")]
    NotFound {
        /// What was looked for, in the store's own terms, e.g. for a [`DirResolver`]
        /// `a.pdf and a.pdf.<ext> in the files folder, <ext> one of pdf, png, jpg, jpeg,
        /// tif, tiff, lower or upper case`.
        looked_for: String,
    },
    /// The reference would read outside the resolver's root.
    #[error("{reason}; files are only read inside the files folder")]
    OutsideRoot {
        /// What is wrong with the reference.
        reason: String,
    },
    /// The file is larger than the resolver accepts.
    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The file, a stream without a size (a pipe, a device), gave more bytes than the
    /// resolver accepts.
    #[error("the file is more than the limit of {limit} bytes")]
    TooLargeStream {
        /// The limit.
        limit: u64,
    },
    /// Reading the file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An embedder's own store failed.
    #[error("{0}")]
    Other(String),
}

/// Yields the bytes of a file named by a request item. Embedders plug in their own store;
/// [`DirResolver`] reads a folder. Called from worker threads, once per file, when the
/// file's first page is about to be converted.
pub trait FileResolver: Send + Sync {
    /// The whole file.
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError>;

    /// Test builds only: a fault to inject into the conversion of `page` (from 1) of
    /// `file`, to exercise the engine's failure isolation. Default: none.
    #[cfg(feature = "fault-injection")]
    fn inject_fault(&self, file: &FileRef, page: u32) -> Option<crate::Fault> {
        let _ = (file, page);
        None
    }
}

/// Reads files from one folder, the CLI's `--files`:
/// - `fileExternalId` X at `ROOT/X`, else `ROOT/X.<ext>`;
/// - `fileId` N at `ROOT/N.<ext>`;
/// - `fileInstanceId` at `ROOT/<space>/<externalId>`, else with `.<ext>` added;
///
/// with `<ext>` one of [`InputKind::all_extensions`] in that order, lower case first, then
/// upper case. A reference with an absolute path, a `..` part or a NUL byte is refused,
/// and so is any file whose real path (symbolic links followed) is not inside the root.
#[derive(Debug, Clone)]
pub struct DirResolver {
    root: PathBuf,
    max_file_bytes: u64,
}

impl DirResolver {
    /// A resolver for the folder `root`, which must exist. Files larger than
    /// [`Limits::max_file_bytes`] (by default) are refused.
    pub fn new(root: impl AsRef<Path>) -> std::io::Result<Self> {
        let root = root.as_ref().canonicalize()?;
        if !root.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                format!("{} is not a folder", root.display()),
            ));
        }
        Ok(Self { root, max_file_bytes: Limits::default().max_file_bytes })
    }

    /// The same resolver with another size limit per file.
    pub fn with_max_file_bytes(mut self, limit: u64) -> Self {
        self.max_file_bytes = limit;
        self
    }

    /// The root folder, canonicalised.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The candidate paths of a reference, relative to the root, in lookup order.
    pub fn candidates(file: &FileRef) -> Result<Vec<PathBuf>, ResolveError> {
        let with_exts = |base: PathBuf, bare: bool| {
            let mut out = Vec::new();
            if bare {
                out.push(base.clone());
            }
            for upper in [false, true] {
                for ext in InputKind::all_extensions() {
                    let ext = if upper { ext.to_ascii_uppercase() } else { ext.to_string() };
                    let mut name = base.clone().into_os_string();
                    name.push(".");
                    name.push(ext);
                    out.push(PathBuf::from(name));
                }
            }
            out
        };
        Ok(match file {
            FileRef::ExternalId(id) => with_exts(relative(id)?, true),
            FileRef::Id(id) => with_exts(PathBuf::from(id.to_string()), false),
            FileRef::InstanceId(i) => {
                let space = relative(&i.space)?;
                with_exts(space.join(relative(&i.external_id)?), true)
            }
        })
    }

    fn open(&self, relative: &Path) -> Result<Option<(PathBuf, File)>, ResolveError> {
        let path = self.root.join(relative);
        let real = match path.canonicalize() {
            Ok(real) => real,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
            Err(source) => return Err(ResolveError::Io { path, source }),
        };
        if !real.starts_with(&self.root) {
            return Err(ResolveError::OutsideRoot {
                reason: format!("{} leads outside the files folder", relative.display()),
            });
        }
        if !real.is_file() {
            return Ok(None);
        }
        let file = File::open(&real).map_err(|source| ResolveError::Io { path, source })?;
        Ok(Some((real, file)))
    }
}

/// Reads the file at `path` whole, refusing one larger than `max_bytes` before reading it
/// and never reading more than one byte past it (a pipe or a device such as `/dev/zero`
/// has no size to check first). A regular file's bytes are read into one allocation of
/// its size, so a 2 GiB input is held once.
pub fn read_file(path: &Path, max_bytes: u64) -> Result<Arc<[u8]>, ResolveError> {
    match File::open(path) {
        Ok(f) => read_open_file(path, f, max_bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(ResolveError::NotFound { looked_for: path.display().to_string() })
        }
        Err(source) => Err(ResolveError::Io { path: path.to_path_buf(), source }),
    }
}

/// Reads exactly `n` bytes into one allocation of that size, shared: no copy into an
/// `Arc` afterwards, so a 2 GiB input is held once (files here, the worker's blobs too).
pub(crate) fn read_shared(input: &mut impl Read, n: usize) -> std::io::Result<Arc<[u8]>> {
    let mut bytes: Arc<[u8]> = std::iter::repeat_n(0u8, n).collect();
    let buf = Arc::get_mut(&mut bytes).expect("a new Arc has one owner");
    input.read_exact(buf)?;
    Ok(bytes)
}

fn read_open_file(path: &Path, mut f: File, max_bytes: u64) -> Result<Arc<[u8]>, ResolveError> {
    let io = |source| ResolveError::Io { path: path.to_path_buf(), source };
    let meta = f.metadata().map_err(io)?;
    let size = meta.len();
    if size > max_bytes {
        return Err(ResolveError::TooLarge { size, limit: max_bytes });
    }
    if meta.is_file() {
        // Exactly `size` bytes into their final allocation, then make sure the file did
        // not grow meanwhile.
        let bytes = read_shared(&mut f, size as usize).map_err(io)?;
        let mut more = [0u8; 1];
        if f.read(&mut more).map_err(io)? == 0 {
            return Ok(bytes);
        }
        // It grew: read it as a stream below, from the start.
        use std::io::Seek;
        f.rewind().map_err(io)?;
    }
    let mut bytes = Vec::new();
    (&mut f).take(max_bytes + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ResolveError::TooLargeStream { limit: max_bytes });
    }
    Ok(bytes.into())
}

/// A reference string as a relative path, refusing anything that could climb out.
fn relative(id: &str) -> Result<PathBuf, ResolveError> {
    let refuse = |why: &str| Err(ResolveError::OutsideRoot { reason: format!("{id:?} {why}") });
    if id.contains('\0') {
        return refuse("contains a NUL byte");
    }
    // Backslashes are separators on Windows; refuse them everywhere so a request means
    // the same on every system.
    if id.contains('\\') {
        return refuse("contains a backslash");
    }
    let path = Path::new(id);
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => return refuse("has a `..` part"),
            Component::RootDir | Component::Prefix(_) => return refuse("is an absolute path"),
        }
    }
    if out.as_os_str().is_empty() {
        return refuse("names no file");
    }
    Ok(out)
}

impl FileResolver for DirResolver {
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError> {
        let candidates = Self::candidates(file)?;
        for candidate in &candidates {
            let Some((path, f)) = self.open(candidate)? else { continue };
            return read_open_file(&path, f, self.max_file_bytes);
        }
        let exts: Vec<&str> = InputKind::all_extensions().collect();
        let exts = exts.join(", ");
        let looked_for = match file {
            FileRef::Id(id) => format!("{id}.<ext>"),
            _ => {
                let bare = candidates[0].display().to_string();
                let bare = escape_controls(&bare);
                format!("{bare} and {bare}.<ext>")
            }
        };
        Err(ResolveError::NotFound {
            looked_for: format!(
                "{looked_for} in the files folder, <ext> one of {exts}, lower or upper case"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diagram_core::InstanceId;

    #[test]
    fn refuses_climbing_references() {
        for id in ["..", "../x.pdf", "a/../../x", "/etc/passwd", "a\\..\\b", "x\0y", "", "."] {
            let e = DirResolver::candidates(&FileRef::ExternalId(id.into())).unwrap_err();
            assert!(matches!(e, ResolveError::OutsideRoot { .. }), "{id:?}: {e}");
        }
        let inst = FileRef::InstanceId(InstanceId { space: "..".into(), external_id: "x".into() });
        assert!(DirResolver::candidates(&inst).is_err());
    }

    #[test]
    fn reads_whole_files_and_refuses_past_the_limit_without_reading_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pdf");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(&*read_file(&path, 10).unwrap(), b"0123456789");
        let e = read_file(&path, 9).unwrap_err();
        assert!(matches!(e, ResolveError::TooLarge { size: 10, limit: 9 }), "{e}");
        let e = read_file(&dir.path().join("b.pdf"), 9).unwrap_err();
        assert!(matches!(e, ResolveError::NotFound { .. }), "{e}");
    }

    #[test]
    fn a_missing_file_message_escapes_control_characters() {
        let dir = tempfile::tempdir().unwrap();
        let resolver = DirResolver::new(dir.path()).unwrap();
        let e = resolver.resolve(&FileRef::ExternalId("x\u{1b}[2J.pdf".into())).unwrap_err();
        let message = e.to_string();
        assert!(
            message.starts_with("file not found (looked for x\\u{1b}[2J.pdf and "),
            "{message}"
        );
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_read_only_to_its_limit() {
        let e = read_file(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(matches!(e, ResolveError::TooLargeStream { limit } if limit == 1 << 20), "{e}");
        assert_eq!(e.to_string(), "the file is more than the limit of 1048576 bytes");
    }

    #[test]
    fn lookup_order() {
        let c = DirResolver::candidates(&FileRef::ExternalId("a.pdf".into())).unwrap();
        assert_eq!(c[0], PathBuf::from("a.pdf"));
        assert_eq!(c[1], PathBuf::from("a.pdf.pdf"));
        assert_eq!(c[7], PathBuf::from("a.pdf.PDF"));
        let c = DirResolver::candidates(&FileRef::Id(12)).unwrap();
        assert_eq!(c[0], PathBuf::from("12.pdf"));
        assert_eq!(c.len(), 12);
        let inst = FileRef::InstanceId(InstanceId { space: "sp".into(), external_id: "x".into() });
        let c = DirResolver::candidates(&inst).unwrap();
        assert_eq!(c[0], PathBuf::from("sp/x"));
        assert_eq!(c[3], PathBuf::from("sp/x.jpg"));
    }
}
