//! The request, job and result model, in the hosted service's JSON shape.
//!
//! Field names are camelCase as in the contract; unknown fields in input are ignored so
//! real detection output with extra fields is accepted. Entity objects are kept as JSON
//! objects exactly as given (key order included).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One entity object of an annotation: arbitrary JSON fields, carried into the SVG and
/// never interpreted.
pub type Entity = Map<String, Value>;

fn default_true() -> bool {
    true
}

/// A convert request: the files to convert and their annotations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvertRequest {
    /// The files, 1 to 50 of them.
    pub items: Vec<RequestItem>,
    /// Turn page content gray. Default: `true`.
    #[serde(default = "default_true")]
    pub grayscale: bool,
}

/// One file of a request with the annotations detected on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestItem {
    /// Which file: exactly one of the three reference forms.
    #[serde(flatten)]
    pub file: FileRef,
    /// The annotations, possibly none.
    pub annotations: Vec<Annotation>,
}

/// A reference to a file, in one of the three forms of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileRef {
    /// `fileId`: a numeric id.
    #[serde(rename = "fileId")]
    Id(i64),
    /// `fileExternalId`: a string id, usually the file name.
    #[serde(rename = "fileExternalId")]
    ExternalId(String),
    /// `fileInstanceId`: an external id within a space.
    #[serde(rename = "fileInstanceId")]
    InstanceId(InstanceId),
}

impl FileRef {
    /// The JSON field name of this reference form (`fileId`, `fileExternalId`, `fileInstanceId`).
    pub fn field_name(&self) -> &'static str {
        match self {
            FileRef::Id(_) => "fileId",
            FileRef::ExternalId(_) => "fileExternalId",
            FileRef::InstanceId(_) => "fileInstanceId",
        }
    }
}

impl std::fmt::Display for FileRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileRef::Id(id) => write!(f, "fileId {id}"),
            FileRef::ExternalId(id) => write!(f, "fileExternalId {id:?}"),
            FileRef::InstanceId(i) => {
                write!(f, "fileInstanceId {:?}/{:?}", i.space, i.external_id)
            }
        }
    }
}

/// A `fileInstanceId`: an external id within a space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceId {
    /// The space.
    pub space: String,
    /// The external id within the space.
    pub external_id: String,
}

/// One detected tag on a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    /// The detected tag text, e.g. `21-PT-1019`.
    pub text: String,
    /// Detection confidence in [0, 1], if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Where the tag is.
    pub region: Region,
    /// 1 to 5 entity objects, kept exactly as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<Entity>>,
}

/// The region of an annotation, normalised to the displayed page (origin top-left, y down).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// The shape kind.
    pub shape: ShapeKind,
    /// The page, from 1.
    pub page: u32,
    /// The vertices: 4 for a rectangle (any order), 3 or more for a polygon.
    pub vertices: Vec<Vertex>,
}

/// The kind of a region's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeKind {
    /// The axis-aligned box of 4 vertices (the only shape the hosted service accepts).
    Rectangle,
    /// A closed polygon of 3 or more vertices (our extension).
    Polygon,
}

/// A point in normalised page coordinates, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Vertex {
    /// From the left edge, 0 to 1.
    pub x: f64,
    /// From the top edge, 0 to 1.
    pub y: f64,
}

impl Region {
    /// The axis-aligned bounding box of the vertices as `(x_min, y_min, x_max, y_max)`.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        let mut b = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for v in &self.vertices {
            b.0 = b.0.min(v.x);
            b.1 = b.1.min(v.y);
            b.2 = b.2.max(v.x);
            b.3 = b.3.max(v.y);
        }
        b
    }
}

/// The state of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobStatus {
    /// Accepted, not started.
    Queued,
    /// Converting.
    Running,
    /// Finished; individual files or pages may still have failed.
    Completed,
    /// The job as a whole could not run.
    Failed,
}

/// A convert job and, once finished, its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// The job id.
    pub job_id: u64,
    /// The current status.
    pub status: JobStatus,
    /// When the job was created, in milliseconds since the Unix epoch.
    pub created_time: i64,
    /// When the job started running, in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// When the status last changed, in milliseconds since the Unix epoch.
    pub status_time: i64,
    /// The request's grayscale flag.
    #[serde(default = "default_true")]
    pub grayscale: bool,
    /// One result per request item, in request order.
    #[serde(default)]
    pub items: Vec<ResultItem>,
    /// Why the job as a whole failed; only with [`JobStatus::Failed`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// The result for one file of the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultItem {
    /// The request item's file reference, as given.
    #[serde(flatten)]
    pub file: FileRef,
    /// One entry per page of the file; absent when the whole file failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<PageResult>>,
    /// Why the whole file failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// What a user should know about this file's output (our extension).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The result for one page: its outputs, or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageResult {
    /// The page, from 1.
    pub page: u32,
    /// Where the SVG is (a path relative to `job.json` offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svg_url: Option<String>,
    /// Where the PNG is (a path relative to `job.json` offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub png_url: Option<String>,
    /// Where the page's outputs of other formats than PNG and SVG are, by format name
    /// (our extension; absent when there are none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other_urls: BTreeMap<String, String>,
    /// Why the page produced no output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// What a user should know about this page's output (our extension).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}
