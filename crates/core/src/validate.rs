//! Request validation that reports every violation with the JSON path of the offending
//! field, e.g. `items[3].annotations[17].region.vertices[2].x: 1.2 is outside [0, 1]`.
//!
//! The request is first read as plain JSON (malformed JSON is reported with line and
//! column), then every rule of the contract is checked on that tree, and only a request
//! with no violation is turned into a [`ConvertRequest`].

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};

use crate::limits::Limits;
use crate::model::ConvertRequest;

/// How a request is validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidateOptions {
    /// Accept exactly what the hosted service accepts: refuse `polygon` regions. Default: `false`.
    pub strict: bool,
    /// The limits; only the request ones apply here. Default: [`Limits::default`].
    pub limits: Limits,
}

/// One broken rule: where (a JSON path such as `items[0].annotations[3].text`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The JSON path of the offending field (`$` for the whole request).
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The request file could not be read.
    #[error("cannot read request {path}: {source}")]
    Io {
        /// The request file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The request is larger than [`Limits::max_request_bytes`].
    #[error("the request is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The request, read from a stream without a size (a pipe, a device), is longer than
    /// [`Limits::max_request_bytes`].
    #[error("the request is more than the limit of {limit} bytes")]
    TooLargeStream {
        /// The limit.
        limit: u64,
    },
    /// The request is not well-formed JSON.
    #[error("line {line}, column {column}: {message}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser found.
        message: String,
    },
    /// The request breaks the contract; every violation is listed.
    #[error("{} violation(s), first: {}", .0.len(), .0[0])]
    Invalid(Vec<Violation>),
}

impl RequestError {
    /// One line per problem, path first, as the CLI prints them.
    pub fn lines(&self) -> Vec<String> {
        match self {
            RequestError::Invalid(v) => v.iter().map(|v| v.to_string()).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// Reads, validates and parses a request file, refusing a file above the size limit
/// before reading it.
pub fn read_request(
    path: &Path,
    options: &ValidateOptions,
) -> Result<ConvertRequest, RequestError> {
    let io = |source| RequestError::Io { path: path.display().to_string(), source };
    let size = std::fs::metadata(path).map_err(io)?.len();
    let limit = options.limits.max_request_bytes;
    if size > limit {
        return Err(RequestError::TooLarge { size, limit });
    }
    // A pipe or a device has no size to check first: read at most one byte past the
    // limit.
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(io)?;
    std::io::Read::read_to_end(&mut std::io::Read::take(file, limit + 1), &mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(RequestError::TooLargeStream { limit });
    }
    parse_request(&bytes, options)
}

/// Validates and parses a request from its JSON bytes.
pub fn parse_request(
    bytes: &[u8],
    options: &ValidateOptions,
) -> Result<ConvertRequest, RequestError> {
    let limit = options.limits.max_request_bytes;
    if bytes.len() as u64 > limit {
        return Err(RequestError::TooLarge { size: bytes.len() as u64, limit });
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| RequestError::Malformed {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let violations = validate_value(&value, options);
    if !violations.is_empty() {
        return Err(RequestError::Invalid(violations));
    }
    serde_json::from_value(value).map_err(|e| {
        // Validation covers every rule the types encode, so this is a bug in it; still
        // report it as a violation rather than panic.
        RequestError::Invalid(vec![Violation { path: "$".into(), reason: e.to_string() }])
    })
}

impl ConvertRequest {
    /// Checks a request built in Rust (rather than parsed) against every rule of the
    /// contract, reporting each violation with the JSON path [`parse_request`] would give
    /// (`items[0].annotations[3].region.vertices[1].x`). A coordinate that is not a finite
    /// number is reported where it is, as JSON cannot hold it.
    ///
    /// ```
    /// use diagram_core::{ConvertRequest, FileRef, RequestItem, ValidateOptions};
    ///
    /// let request = ConvertRequest { items: vec![], grayscale: true };
    /// let err = request.validate(&ValidateOptions::default()).unwrap_err();
    /// assert_eq!(err.lines(), ["items: must have 1 to 50 entries, found none"]);
    /// let ok = ConvertRequest {
    ///     items: vec![RequestItem { file: FileRef::Id(7), annotations: vec![] }],
    ///     grayscale: true,
    /// };
    /// assert!(ok.validate(&ValidateOptions::default()).is_ok());
    /// ```
    pub fn validate(&self, options: &ValidateOptions) -> Result<(), RequestError> {
        let value = serde_json::to_value(self).map_err(|e| {
            RequestError::Invalid(vec![Violation { path: "$".into(), reason: e.to_string() }])
        })?;
        let mut violations = validate_value(&value, options);
        // serde_json writes NaN and infinities as null; name them for what they are.
        for (i, item) in self.items.iter().enumerate() {
            for (j, a) in item.annotations.iter().enumerate() {
                let path = |k: usize, axis: &str| {
                    format!("items[{i}].annotations[{j}].region.vertices[{k}].{axis}")
                };
                for (k, v) in a.region.vertices.iter().enumerate() {
                    for (axis, c) in [("x", v.x), ("y", v.y)] {
                        if !c.is_finite() {
                            let p = path(k, axis);
                            if let Some(found) = violations.iter_mut().find(|v| v.path == p) {
                                found.reason = format!("{c} is not a finite number");
                            }
                        }
                    }
                }
                if let Some(c) = a.confidence.filter(|c| !c.is_finite()) {
                    violations.push(Violation {
                        path: format!("items[{i}].annotations[{j}].confidence"),
                        reason: format!("{c} is not a finite number"),
                    });
                }
            }
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(RequestError::Invalid(violations))
        }
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Checks a JSON value against every rule of the contract and returns all violations in
/// document order.
pub fn validate_value(value: &Value, options: &ValidateOptions) -> Vec<Violation> {
    let mut v = Validator { options, out: Vec::new() };
    v.request(value);
    v.out
}

struct Validator<'a> {
    options: &'a ValidateOptions,
    out: Vec<Violation>,
}

/// A short rendering of a JSON value for messages; long values are cut.
fn show(value: &Value) -> String {
    let s = value.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(37).collect();
        format!("{cut}...")
    } else {
        s
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Validator<'_> {
    fn bad(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.out.push(Violation { path: path.into(), reason: reason.into() });
    }

    fn object<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(m) => Some(m),
            other => {
                self.bad(path, format!("expected an object, found {}", kind(other)));
                None
            }
        }
    }

    fn request(&mut self, value: &Value) {
        let Some(root) = self.object("$", value) else { return };
        match root.get("grayscale") {
            None | Some(Value::Bool(_)) => {}
            Some(other) => {
                self.bad("grayscale", format!("expected a boolean, found {}", show(other)))
            }
        }
        let Some(items) = root.get("items") else {
            self.bad("items", "is required");
            return;
        };
        let Value::Array(items) = items else {
            self.bad("items", format!("expected an array, found {}", kind(items)));
            return;
        };
        let max = self.options.limits.max_items;
        if items.is_empty() {
            self.bad("items", format!("must have 1 to {max} entries, found none"));
        } else if items.len() > max {
            self.bad("items", format!("must have 1 to {max} entries, found {}", items.len()));
        }
        let mut seen: HashMap<String, String> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            self.item(i, item, &mut seen);
        }
    }

    fn item(&mut self, i: usize, value: &Value, seen: &mut HashMap<String, String>) {
        let path = format!("items[{i}]");
        let Some(item) = self.object(&path, value) else { return };
        let forms = ["fileId", "fileExternalId", "fileInstanceId"];
        let present: Vec<&str> = forms.iter().copied().filter(|f| item.contains_key(*f)).collect();
        match present.as_slice() {
            [] => self.bad(
                path.clone(),
                "needs exactly one of fileId, fileExternalId, fileInstanceId; found none",
            ),
            [one] => {
                let field_path = format!("{path}.{one}");
                if let Some(key) = self.file_ref(&field_path, one, &item[*one]) {
                    if let Some(first) = seen.get(&key) {
                        let shown = show(&item[*one]);
                        self.bad(field_path, format!("{shown} duplicates {first}"));
                    } else {
                        seen.insert(key, field_path);
                    }
                }
            }
            many => self.bad(
                path.clone(),
                format!(
                    "needs exactly one of fileId, fileExternalId, fileInstanceId; found {}",
                    many.join(", ")
                ),
            ),
        }
        let ann_path = format!("{path}.annotations");
        match item.get("annotations") {
            None => self.bad(ann_path, "is required (it may be empty)"),
            Some(Value::Array(anns)) => {
                let max = self.options.limits.max_annotations;
                if anns.len() > max {
                    self.bad(
                        ann_path.clone(),
                        format!("has {} entries, more than {max}", anns.len()),
                    );
                }
                for (j, a) in anns.iter().enumerate() {
                    self.annotation(&format!("{ann_path}[{j}]"), a);
                }
            }
            Some(other) => self.bad(ann_path, format!("expected an array, found {}", kind(other))),
        }
    }

    /// Checks a file reference and returns a key that identifies the file, for the
    /// duplicate check.
    fn file_ref(&mut self, path: &str, form: &str, value: &Value) -> Option<String> {
        match form {
            "fileId" => match value.as_i64() {
                Some(id) => Some(format!("id:{id}")),
                None => {
                    self.bad(path, format!("expected a 64-bit integer, found {}", show(value)));
                    None
                }
            },
            "fileExternalId" => self.id_string(path, value).map(|s| format!("ext:{s}")),
            _ => {
                let obj = self.object(path, value)?;
                let space = match obj.get("space") {
                    Some(v) => self.id_string(&format!("{path}.space"), v),
                    None => {
                        self.bad(format!("{path}.space"), "is required");
                        None
                    }
                };
                let ext = match obj.get("externalId") {
                    Some(v) => self.id_string(&format!("{path}.externalId"), v),
                    None => {
                        self.bad(format!("{path}.externalId"), "is required");
                        None
                    }
                };
                Some(format!("inst:{}\u{0}{}", space?, ext?))
            }
        }
    }

    fn id_string<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v str> {
        let max = self.options.limits.max_id_bytes;
        match value {
            Value::String(s) if s.is_empty() => {
                self.bad(path, "must not be empty");
                None
            }
            Value::String(s) if s.len() > max => {
                self.bad(path, format!("is {} bytes long, more than {max}", s.len()));
                None
            }
            Value::String(s) => Some(s),
            other => {
                self.bad(path, format!("expected a string, found {}", show(other)));
                None
            }
        }
    }

    fn annotation(&mut self, path: &str, value: &Value) {
        let Some(a) = self.object(path, value) else { return };
        let limits = &self.options.limits;
        let (max_text, max_entities) = (limits.max_text_bytes, limits.max_entities);
        match a.get("text") {
            None => self.bad(format!("{path}.text"), "is required"),
            Some(Value::String(s)) if s.len() > max_text => self.bad(
                format!("{path}.text"),
                format!("is {} bytes long, more than {max_text}", s.len()),
            ),
            Some(Value::String(_)) => {}
            Some(other) => self
                .bad(format!("{path}.text"), format!("expected a string, found {}", show(other))),
        }
        match a.get("confidence") {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) => {
                let c = n.as_f64().unwrap_or(f64::NAN);
                if !(0.0..=1.0).contains(&c) {
                    self.bad(format!("{path}.confidence"), format!("{n} is outside [0, 1]"));
                }
            }
            Some(other) => self.bad(
                format!("{path}.confidence"),
                format!("expected a number, found {}", show(other)),
            ),
        }
        match a.get("region") {
            None => self.bad(format!("{path}.region"), "is required"),
            Some(r) => self.region(&format!("{path}.region"), r),
        }
        match a.get("entities") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                let ep = format!("{path}.entities");
                if list.is_empty() || list.len() > max_entities {
                    self.bad(
                        ep.clone(),
                        format!("must have 1 to {max_entities} entries, found {}", list.len()),
                    );
                }
                for (k, e) in list.iter().enumerate() {
                    self.entity(&format!("{ep}[{k}]"), e);
                }
            }
            Some(other) => self.bad(
                format!("{path}.entities"),
                format!("expected an array, found {}", kind(other)),
            ),
        }
    }

    fn entity(&mut self, path: &str, value: &Value) {
        let Some(obj) = self.object(path, value) else { return };
        let (max_fields, max_bytes) =
            (self.options.limits.max_entity_fields, self.options.limits.max_entity_bytes);
        if obj.len() > max_fields {
            self.bad(path, format!("has {} fields, more than {max_fields}", obj.len()));
        }
        let size = value.to_string().len();
        if size > max_bytes {
            self.bad(path, format!("is {size} bytes as JSON, more than {max_bytes}"));
        }
    }

    fn region(&mut self, path: &str, value: &Value) {
        let Some(r) = self.object(path, value) else { return };
        match r.get("page") {
            None => self.bad(format!("{path}.page"), "is required"),
            Some(p) => match p.as_u64() {
                Some(n) if n >= 1 && n <= u32::MAX as u64 => {}
                _ => {
                    self.bad(format!("{path}.page"), format!("{} is not an integer >= 1", show(p)))
                }
            },
        }
        let shape = match r.get("shape") {
            None => {
                self.bad(format!("{path}.shape"), "is required");
                None
            }
            Some(Value::String(s)) if s == "rectangle" => Some(Shape::Rectangle),
            Some(Value::String(s)) if s == "polygon" && self.options.strict => {
                self.bad(
                    format!("{path}.shape"),
                    "\"polygon\" is an extension of diagram-convert; the hosted service (strict mode) accepts only \"rectangle\"",
                );
                None
            }
            Some(Value::String(s)) if s == "polygon" => Some(Shape::Polygon),
            Some(other) => {
                let accepted = if self.options.strict {
                    "\"rectangle\""
                } else {
                    "\"rectangle\" or \"polygon\""
                };
                self.bad(format!("{path}.shape"), format!("{} is not {accepted}", show(other)));
                None
            }
        };
        let vp = format!("{path}.vertices");
        let Some(vertices) = r.get("vertices") else {
            self.bad(vp, "is required");
            return;
        };
        let Value::Array(vertices) = vertices else {
            self.bad(vp, format!("expected an array, found {}", kind(vertices)));
            return;
        };
        let max = self.options.limits.max_vertices;
        match shape {
            Some(Shape::Rectangle) if vertices.len() != 4 => self.bad(
                vp.clone(),
                format!("a rectangle needs exactly 4 vertices, found {}", vertices.len()),
            ),
            Some(Shape::Polygon) if vertices.len() < 3 || vertices.len() > max => self.bad(
                vp.clone(),
                format!("a polygon needs 3 to {max} vertices, found {}", vertices.len()),
            ),
            _ => {}
        }
        for (k, v) in vertices.iter().enumerate().take(max.max(4)) {
            let pp = format!("{vp}[{k}]");
            let Some(pt) = self.object(&pp, v) else { continue };
            for axis in ["x", "y"] {
                let ap = format!("{pp}.{axis}");
                match pt.get(axis) {
                    None => self.bad(ap, "is required"),
                    Some(Value::Number(n)) => {
                        let c = n.as_f64().unwrap_or(f64::NAN);
                        if !(0.0..=1.0).contains(&c) {
                            self.bad(ap, format!("{n} is outside [0, 1]"));
                        }
                    }
                    Some(other) => {
                        self.bad(ap, format!("expected a number, found {}", show(other)))
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Rectangle,
    Polygon,
}
