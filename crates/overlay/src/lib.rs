//! The overlay scene of diagram-convert: one page's annotations as styled highlight
//! shapes in page pixels, drawn anti-aliased onto the page PNG with tiny-skia; the SVG
//! writer turns the same [`Scene`] into clickable groups.
//!
//! ```
//! use diagram_core::{Annotation, PixelSize, Region, ShapeKind, Vertex};
//! use diagram_overlay::{draw, Channels, OverlayOptions, Scene, ShapeGeometry};
//!
//! let v = |x, y| Vertex { x, y };
//! let annotation = Annotation {
//!     text: "21-PT-1019".into(),
//!     confidence: Some(0.9),
//!     region: Region {
//!         shape: ShapeKind::Rectangle,
//!         page: 1,
//!         vertices: vec![v(0.25, 0.5), v(0.75, 0.5), v(0.75, 0.75), v(0.25, 0.75)],
//!     },
//!     entities: None,
//! };
//! let size = PixelSize { width: 40, height: 20 };
//! let scene = Scene::build(&[annotation], 1, size, true, &OverlayOptions::default());
//! assert_eq!(scene.shapes[0].geometry, ShapeGeometry::Rect { x0: 10.0, y0: 10.0, x1: 30.0, y1: 15.0 });
//!
//! let mut page = vec![255u8; 40 * 20];
//! draw(&scene, &mut page, size, Channels::Gray).unwrap();
//! assert!(page[12 * 40 + 20] < 255); // inside the box: darkened
//! assert_eq!(page[2 * 40 + 2], 255); // far outside: untouched
//! ```

#![forbid(unsafe_code)]

mod draw;
mod scene;
mod style;

pub use draw::{draw, Channels, DrawError, TILE};
pub use scene::{Scene, SceneShape, ShapeGeometry, SkipReason, Skipped};
pub use style::{luma, Color, OverlayOptions, Style};
