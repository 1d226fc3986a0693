//! `diagram-convert render FILE... --out DIR`: one-off conversion of files given by path.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use diagram_convert::{read_file, FileResolver, Limits, ResolveError};
use diagram_core::{
    validate_value, Annotation, ConvertRequest, FileRef, RequestError, RequestItem,
    ValidateOptions, Violation,
};
use serde_json::{json, Value};

use crate::args::RenderArgs;
use crate::exit;

/// Reads exactly the files named on the command line.
struct PathResolver {
    paths: HashMap<FileRef, PathBuf>,
}

impl FileResolver for PathResolver {
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError> {
        let path = self
            .paths
            .get(file)
            .ok_or_else(|| ResolveError::NotFound { looked_for: file.to_string() })?;
        read_file(path, Limits::default().max_file_bytes)
    }
}

/// `diagram-convert render`.
pub fn render(args: RenderArgs) -> u8 {
    // Each file is named by its file name, or by the path as given when two share one.
    let names: Vec<String> = args.files.iter().map(|p| file_name(p)).collect();
    let mut seen = HashSet::new();
    let duplicated: HashSet<&String> = names.iter().filter(|n| !seen.insert(*n)).collect();
    let ids: Vec<String> = args
        .files
        .iter()
        .zip(&names)
        .map(|(p, n)| if duplicated.contains(n) { p.display().to_string() } else { n.clone() })
        .collect();

    let validate = ValidateOptions { strict: args.convert.strict, ..Default::default() };
    let annotations = match &args.annotations {
        None => Annotations::List(Value::Array(Vec::new())),
        Some(source) => match load(source) {
            Ok(v) => v,
            Err(message) => {
                eprintln!("diagram-convert: {message}");
                return exit::USAGE_OR_IO;
            }
        },
    };
    let request = match build_request(&ids, annotations, &validate) {
        Ok(r) => r,
        Err(e) => return crate::refused(&e),
    };
    let paths =
        ids.iter().zip(&args.files).map(|(id, p)| (FileRef::ExternalId(id.clone()), p.clone()));
    let resolver = PathResolver { paths: paths.collect() };
    let grayscale = args.color.then_some(false);
    crate::run::execute(request, &resolver, &args.out, &args.convert, grayscale, args.viewer)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The `--annotations` JSON: a list for every file, or a request.
enum Annotations {
    List(Value),
    Request(Value),
}

fn load(source: &str) -> Result<Annotations, String> {
    let trimmed = source.trim_start();
    let text = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        source.to_string()
    } else {
        let bytes = read_file(Path::new(source), Limits::default().max_request_bytes)
            .map_err(|e| format!("cannot read {source}: {e}"))?;
        String::from_utf8(bytes.to_vec()).map_err(|e| format!("cannot read {source}: {e}"))?
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("the annotations are not valid JSON: {e}"))?;
    match value {
        Value::Array(_) => Ok(Annotations::List(value)),
        Value::Object(_) => Ok(Annotations::Request(value)),
        _ => Err("the annotations must be a JSON list of annotations or a request".to_string()),
    }
}

/// The request that `render` runs: one item per file, in command-line order, built as
/// typed values and validated as a whole.
fn build_request(
    ids: &[String],
    annotations: Annotations,
    options: &ValidateOptions,
) -> Result<ConvertRequest, RequestError> {
    let bug = |e: serde_json::Error| {
        // Validated first, so this cannot fail; report rather than panic if it does.
        RequestError::Invalid(vec![Violation { path: "$".into(), reason: e.to_string() }])
    };
    let request = match annotations {
        Annotations::List(list) => {
            // Check the list once, with paths that name it rather than a made-up item.
            let probe = json!({"items": [{"fileId": 0, "annotations": list}]});
            let violations: Vec<_> = validate_value(&probe, options)
                .into_iter()
                .map(|mut v| {
                    v.path = v.path.replacen("items[0].annotations", "annotations", 1);
                    v
                })
                .collect();
            if !violations.is_empty() {
                return Err(RequestError::Invalid(violations));
            }
            let list: Vec<Annotation> = serde_json::from_value(list).map_err(bug)?;
            let items = ids
                .iter()
                .map(|id| RequestItem {
                    file: FileRef::ExternalId(id.clone()),
                    annotations: list.clone(),
                })
                .collect();
            ConvertRequest { items, grayscale: true }
        }
        Annotations::Request(request) => {
            let violations = validate_value(&request, options);
            if !violations.is_empty() {
                return Err(RequestError::Invalid(violations));
            }
            let parsed: ConvertRequest = serde_json::from_value(request).map_err(bug)?;
            let items = match_items(ids, &parsed);
            ConvertRequest { items, grayscale: parsed.grayscale }
        }
    };
    request.validate(options)?;
    Ok(request)
}

/// Each file's annotations from a request: the item whose `fileExternalId` is the file's
/// name (or the same without extension); with one file and one item, that item.
fn match_items(ids: &[String], request: &ConvertRequest) -> Vec<RequestItem> {
    let stem = |s: &str| diagram_convert::key::strip_extension(s).to_string();
    let mut used = vec![false; request.items.len()];
    let items = ids
        .iter()
        .map(|id| {
            let found = request.items.iter().position(|item| match &item.file {
                FileRef::ExternalId(x) => x == id || stem(x) == stem(id),
                _ => false,
            });
            let found = found.or((ids.len() == 1 && request.items.len() == 1).then_some(0));
            let annotations = match found {
                Some(i) => {
                    used[i] = true;
                    request.items[i].annotations.clone()
                }
                None => Vec::new(),
            };
            RequestItem { file: FileRef::ExternalId(id.clone()), annotations }
        })
        .collect();
    for (item, used) in request.items.iter().zip(used) {
        if !used {
            eprintln!(
                "diagram-convert: warning: request item {} matches no FILE; ignored",
                item.file
            );
        }
    }
    items
}
