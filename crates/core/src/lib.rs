//! The request, annotation and result model of diagram-convert in the hosted service's
//! JSON shape, its validation, and page geometry.
//!
//! ```
//! use diagram_core::{parse_request, ValidateOptions};
//!
//! let json = br#"{"items": [{"fileExternalId": "a.pdf", "annotations": [{"text": "21-PT-1019",
//!     "region": {"shape": "rectangle", "page": 1, "vertices": [{"x": 0.1, "y": 0.1},
//!     {"x": 0.1, "y": 0.2}, {"x": 0.2, "y": 0.2}, {"x": 0.2, "y": 0.1}]}}]}]}"#;
//! let request = parse_request(json, &ValidateOptions::default()).unwrap();
//! assert!(request.grayscale);
//! assert_eq!(request.items[0].annotations[0].region.bbox(), (0.1, 0.1, 0.2, 0.2));
//! ```

#![forbid(unsafe_code)]

pub mod color;
pub mod geometry;
pub mod limits;
pub mod model;
pub mod text;
pub mod validate;

pub use color::{luma, ColorMode};
pub use geometry::{
    normalized_to_pixels, GeometryError, PageFrame, PageGeometry, PdfRect, PixelSize, Rotation,
    Transform,
};
pub use limits::{Deadline, Limits};
pub use model::{
    Annotation, ConvertRequest, Entity, FileRef, InstanceId, Job, JobStatus, PageResult, Region,
    RequestItem, ResultItem, ShapeKind, Vertex,
};
pub use text::escape_controls;
pub use validate::{
    parse_request, read_request, validate_value, RequestError, ValidateOptions, Violation,
};
