//! Page rendering for diagram-convert (being filled in).
#![forbid(unsafe_code)]

mod page_image;

pub use page_image::PageImage;
