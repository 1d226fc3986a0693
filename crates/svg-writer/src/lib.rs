//! Filled by a later step.
#![forbid(unsafe_code)]
