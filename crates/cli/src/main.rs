//! The diagram-convert command-line tool.
#![forbid(unsafe_code)]
fn main() {}
