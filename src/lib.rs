//! diagram-convert: the job engine.
#![forbid(unsafe_code)]
pub use diagram_core as core;
