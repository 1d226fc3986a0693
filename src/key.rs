//! Output keys: the folder, relative to the output root, that holds one file's pages.
//!
//! A key is derived from the file reference alone:
//! - `fileExternalId` X: X without a trailing input extension
//!   ([`InputKind::all_extensions`]: `.pdf`, `.png`, `.jpg`, `.jpeg`, `.tif`, `.tiff`, any
//!   case);
//! - `fileId` N: N in decimal;
//! - `fileInstanceId`: `<space>/<externalId>`, the external id stripped as above.
//!
//! Each part is then percent-encoded so that no key can leave the output root: every
//! byte outside `[A-Za-z0-9._-]` becomes `%XX` (upper-case hex), and so does a leading `.`
//! and every `.` that follows another one (no part is ever `.`, `..` or hidden). The
//! encoding is injective, and `~` never appears in an encoded key, so the collision
//! suffixes `~2`, `~3`, ... added by [`KeyAllocator`] cannot clash with a real key.

use std::collections::HashSet;

use diagram_core::FileRef;
use diagram_raster::InputKind;

use crate::output::OutputFormat;

/// The key of a file reference, before collisions are resolved (see the module docs).
pub fn file_key(file: &FileRef) -> String {
    match file {
        FileRef::Id(id) => id.to_string(),
        FileRef::ExternalId(id) => encode_part(strip_extension(id)),
        FileRef::InstanceId(i) => {
            format!("{}/{}", encode_part(&i.space), encode_part(strip_extension(&i.external_id)))
        }
    }
}

/// `name` without a trailing input extension (any case); unchanged when nothing would be
/// left.
pub fn strip_extension(name: &str) -> &str {
    if let Some(dot) = name.rfind('.') {
        let ext = &name[dot + 1..];
        if dot > 0 && InputKind::all_extensions().any(|e| e.eq_ignore_ascii_case(ext)) {
            return &name[..dot];
        }
    }
    name
}

/// Percent-encodes one path part so that it is a plain, visible file name that names
/// neither `job.json` nor a page file of any [`OutputFormat`] (`page-<n>.png`,
/// `page-<n>.svg`, `page-<n>.dzi`): in those, the last `.` is encoded too; nor a tile
/// pyramid's folder (`page-<n>_files`): in that, the `_` is encoded.
pub fn encode_part(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    let mut previous_dot = false;
    let reserved = is_reserved_name(&part.to_ascii_lowercase());
    let last_dot = part.rfind('.');
    let tiles_folder = is_tiles_folder(&part.to_ascii_lowercase());
    for (i, &b) in part.as_bytes().iter().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
        let risky_dot = b == b'.' && (i == 0 || previous_dot || (reserved && Some(i) == last_dot));
        let risky_underscore = b == b'_' && tiles_folder;
        if plain && !risky_dot && !risky_underscore {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        previous_dot = b == b'.';
    }
    if out.is_empty() {
        // An empty part cannot come from a valid request; keep the key a real name.
        out.push_str("%00");
    }
    out
}

/// Whether a (lower-case) name is one the output folder uses for its own files.
fn is_reserved_name(name: &str) -> bool {
    if name == "job.json" {
        return true;
    }
    let Some(rest) = name.strip_prefix("page-") else { return false };
    let Some((n, ext)) = rest.split_once('.') else { return false };
    !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
        && OutputFormat::ALL.iter().any(|f| f.extension() == ext)
}

/// Whether a (lower-case) name is that of a tile pyramid's folder, `page-<n>_files`.
fn is_tiles_folder(name: &str) -> bool {
    name.strip_prefix("page-")
        .and_then(|rest| rest.strip_suffix("_files"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `path`, `/`-separated and relative, names something inside the folder it is
/// taken from: no empty, `.` or `..` part, and no `\`, `:` (a drive or a scheme), NUL or
/// other control character anywhere. Every key and output path passes (keys percent-encode
/// all of these); the server checks the paths of its file URLs with it, the viewer the
/// URLs in a `job.json`.
pub fn is_inside(path: &str) -> bool {
    path.split('/').all(|part| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && !part.bytes().any(|b| b == b'\\' || b == b':' || b.is_ascii_control())
    })
}

/// Hands out unique keys in request order: the first file with a key gets it, later ones
/// get `key~2`, `key~3`, ... Keys are compared without regard to ASCII case, so outputs
/// stay apart on case-insensitive file systems too.
#[derive(Debug, Clone, Default)]
pub struct KeyAllocator {
    taken: HashSet<String>,
}

impl KeyAllocator {
    /// An allocator with no key taken.
    pub fn new() -> Self {
        Self::default()
    }

    /// The unique key for the next file reference.
    pub fn allocate(&mut self, file: &FileRef) -> String {
        let base = file_key(file);
        let mut key = base.clone();
        let mut n = 1;
        while self.taken.contains(&key.to_ascii_lowercase()) {
            n += 1;
            key = format!("{base}~{n}");
        }
        self.taken.insert(key.to_ascii_lowercase());
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diagram_core::InstanceId;

    fn ext(s: &str) -> FileRef {
        FileRef::ExternalId(s.into())
    }

    #[test]
    fn strips_input_extensions_in_any_case() {
        assert_eq!(file_key(&ext("PH-ME-P-0003-001.pdf")), "PH-ME-P-0003-001");
        assert_eq!(file_key(&ext("scan.TIFF")), "scan");
        assert_eq!(file_key(&ext("a.b.JpEg")), "a.b");
        assert_eq!(file_key(&ext("notes.txt")), "notes.txt");
        assert_eq!(file_key(&ext(".pdf")), "%2Epdf");
    }

    #[test]
    fn numeric_and_instance_keys() {
        assert_eq!(file_key(&FileRef::Id(1234)), "1234");
        assert_eq!(file_key(&FileRef::Id(-7)), "-7");
        let inst = FileRef::InstanceId(InstanceId {
            space: "my space".into(),
            external_id: "../x.pdf".into(),
        });
        assert_eq!(file_key(&inst), "my%20space/%2E%2E%2Fx");
    }

    #[test]
    fn no_key_leaves_the_root() {
        for hostile in ["..", ".", "../../etc/passwd", "/abs", "a/../../b", "..\\x", "~user", "%2e"]
        {
            let key = file_key(&ext(hostile));
            assert!(!key.contains('/') && !key.contains('\\'), "{hostile} -> {key}");
            assert!(!key.starts_with('.') && !key.contains(".."), "{hostile} -> {key}");
            assert!(!key.contains('~'), "{hostile} -> {key}");
        }
        assert_eq!(file_key(&ext("a..b")), "a.%2Eb");
        assert_eq!(file_key(&ext("%")), "%25");
        assert_eq!(file_key(&ext("Zürich")), "Z%C3%BCrich");
    }

    #[test]
    fn paths_inside_and_outside_the_folder() {
        for inside in ["a/page-1.png", "a%2F/b~2/p.svg", "s/k/page-1_files/12/3_4.png", "job.json"]
        {
            assert!(is_inside(inside), "{inside}");
        }
        for outside in [
            "",
            "/etc/passwd",
            "../x.png",
            "a/../../x",
            "a//b",
            "./a",
            "a/.",
            "C:/x",
            "a\\..\\b",
            "file:///x",
            "a/b\0c",
            "a/\nb",
        ] {
            assert!(!is_inside(outside), "{outside:?}");
        }
        // Every key of a hostile name is inside.
        for hostile in ["..", "../../etc/passwd", "C:\\x", "a\nb", "x:y"] {
            assert!(is_inside(&file_key(&ext(hostile))), "{hostile}");
        }
    }

    #[test]
    fn collisions_get_numbered_suffixes_in_order() {
        let mut keys = KeyAllocator::new();
        assert_eq!(keys.allocate(&ext("a.pdf")), "a");
        assert_eq!(keys.allocate(&ext("a.png")), "a~2");
        assert_eq!(keys.allocate(&ext("A.tif")), "A~3");
        assert_eq!(keys.allocate(&ext("a")), "a~4");
        assert_eq!(keys.allocate(&ext("job.json")), "job%2Ejson");
        assert_eq!(keys.allocate(&ext("b")), "b");
    }

    #[test]
    fn parts_never_name_the_output_folder_files() {
        let inst = |space: &str, id: &str| {
            file_key(&FileRef::InstanceId(InstanceId {
                space: space.into(),
                external_id: id.into(),
            }))
        };
        assert_eq!(inst("s", "page-1.svg"), "s/page-1%2Esvg");
        assert_eq!(inst("s", "page-1.dzi"), "s/page-1%2Edzi");
        assert_eq!(inst("s", "page-12_files"), "s/page-12%5Ffiles");
        assert_eq!(inst("s", "page-12_files2"), "s/page-12_files2");
        assert_eq!(inst("s", "page-_files"), "s/page-_files");
        assert_eq!(inst("JOB.JSON", "x"), "JOB%2EJSON/x");
        assert_eq!(inst("s", "page-x.svg"), "s/page-x.svg");
        assert_eq!(file_key(&ext("Page-12.SVG")), "Page-12%2ESVG");
    }
}
