//! The overlay scene of diagram-convert: one page's annotations as styled highlight
//! shapes in page pixels, drawn anti-aliased onto the page PNG with tiny-skia; the SVG
//! writer turns the same [`Scene`] into clickable groups.
//!
//! ```
//! use diagram_core::{Annotation, ColorMode, PageFrame, PageGeometry, Region, ShapeKind, Vertex};
//! use diagram_overlay::{draw, Channels, Outline, OverlayOptions, Scene};
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
//! // A 40 x 20 pixel image page.
//! let frame = PageFrame::new(PageGeometry::image(40, 20).unwrap(), 1.0).unwrap();
//! let scene = Scene::build(&[annotation], 1, &frame, ColorMode::Gray, &OverlayOptions::default());
//! let outline = scene.shapes()[0].geometry.outline();
//! assert_eq!(outline, &Outline::Rect { x0: 10.0, y0: 10.0, x1: 30.0, y1: 15.0 });
//! assert_eq!(scene.shapes()[0].label.text, "21-PT-1019");
//!
//! let mut page = vec![255u8; 40 * 20];
//! draw(&scene, &mut page, frame.size(), Channels::Gray).unwrap();
//! assert!(page[12 * 40 + 20] < 255); // inside the box: darkened
//! assert_eq!(page[2 * 40 + 2], 255); // far outside: untouched
//! ```

#![forbid(unsafe_code)]

mod draw;
mod scene;
mod style;

pub use draw::{draw, draw_rows, Channels, DrawError, TILE};
pub use scene::{Label, Outline, Scene, SceneShape, ShapeGeometry, SkipReason, Skipped};
pub use style::{luma, Color, OverlayOptions, Style};
