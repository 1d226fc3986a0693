//! The overlay scene: one page's annotations as styled shapes in page pixels.

use diagram_core::{Annotation, ColorMode, Entity, PageFrame, PixelSize, ShapeKind};

use crate::style::{OverlayOptions, Style};

/// A highlight's outline in page pixels (origin top-left, y down), as
/// [`ShapeGeometry::outline`] gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outline {
    /// An axis-aligned box, `x0 < x1` and `y0 < y1`.
    Rect {
        /// Left edge.
        x0: f64,
        /// Top edge.
        y0: f64,
        /// Right edge.
        x1: f64,
        /// Bottom edge.
        y1: f64,
    },
    /// A closed polygon of 3 or more vertices, in the order given, filled by the non-zero
    /// rule.
    Polygon(Vec<(f64, f64)>),
}

/// A highlight's outline that is known to be drawable: every coordinate finite and a
/// positive area. Built only by [`ShapeGeometry::rect`] and [`ShapeGeometry::polygon`]
/// (as tiny-skia's `Rect::from_ltrb`), so NaN or an empty box never reaches a backend.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeGeometry(Outline);

impl ShapeGeometry {
    /// An axis-aligned box; `None` unless every edge is finite, `x0 < x1` and `y0 < y1`.
    ///
    /// ```
    /// use diagram_overlay::ShapeGeometry;
    ///
    /// assert!(ShapeGeometry::rect(1.0, 2.0, 3.0, 4.0).is_some());
    /// assert!(ShapeGeometry::rect(1.0, 2.0, 1.0, 4.0).is_none()); // no width
    /// assert!(ShapeGeometry::rect(f64::NAN, 2.0, 3.0, 4.0).is_none());
    /// ```
    pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Option<Self> {
        rect(x0, y0, x1, y1).ok()
    }

    /// A closed polygon; `None` unless it has 3 or more finite vertices that do not all
    /// lie on one line.
    pub fn polygon(points: Vec<(f64, f64)>) -> Option<Self> {
        polygon(points).ok()
    }

    /// The outline.
    pub fn outline(&self) -> &Outline {
        &self.0
    }

    /// The bounding box `(x0, y0, x1, y1)`.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        match &self.0 {
            Outline::Rect { x0, y0, x1, y1 } => (*x0, *y0, *x1, *y1),
            Outline::Polygon(points) => bounds(points),
        }
    }
}

fn bounds(points: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    points
        .iter()
        .fold((f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY), |b, &(x, y)| {
            (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y))
        })
}

/// What a highlight stands for: its annotation's text, confidence and entities, carried
/// in the scene so every backend has them without the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The detected tag text, e.g. `21-PT-1019`.
    pub text: String,
    /// Detection confidence in [0, 1], if given.
    pub confidence: Option<f64>,
    /// The entity objects, exactly as given (none when the annotation has none).
    pub entities: Vec<Entity>,
}

/// One highlight: which annotation, where, how it looks.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneShape {
    /// The annotation's index in the slice given to [`Scene::build`] (the request item's
    /// annotation list), so a shape can be traced back to its annotation.
    pub annotation: usize,
    /// Where, in page pixels.
    pub geometry: ShapeGeometry,
    /// How it is painted.
    pub style: Style,
    /// What it stands for.
    pub label: Label,
}

/// An annotation of the page that has no shape in the scene, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// The annotation's index in the slice given to [`Scene::build`].
    pub annotation: usize,
    /// Why it was skipped.
    pub reason: SkipReason,
}

/// Why an annotation has no shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// A vertex coordinate is NaN or infinite.
    NotFinite,
    /// Too few vertices (a rectangle needs 1 or more, a polygon 3 or more).
    TooFewVertices,
    /// The shape has no area (a line or a point).
    NoArea,
}

/// Everything one page shows over its content, in request order: the page, its pixel
/// frame and colours, and one styled shape per annotation with the annotation's text,
/// confidence and entities. The PNG overlay and the SVG writer draw this one scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    page: u32,
    frame: PageFrame,
    colors: ColorMode,
    shapes: Vec<SceneShape>,
    skipped: Vec<Skipped>,
}

impl Scene {
    /// The scene of the annotations whose `region.page == page` (pages from 1), in
    /// request order, in `frame`'s pixels and in `colors`' style. Vertices are normalised
    /// (x, y) times (width, height) of the frame's size exactly
    /// ([`PageFrame::normalized_to_pixels`]); a rectangle is the axis-aligned box of its
    /// vertices, a polygon keeps its vertices as given. Annotations with invalid geometry
    /// are listed in [`Scene::skipped`] instead (see [`Scene::warning`]).
    pub fn build(
        annotations: &[Annotation],
        page: u32,
        frame: &PageFrame,
        colors: ColorMode,
        options: &OverlayOptions,
    ) -> Scene {
        let style = options.style(colors);
        let to_px = frame.normalized_to_pixels();
        let mut shapes = Vec::new();
        let mut skipped = Vec::new();
        for (index, annotation) in annotations.iter().enumerate() {
            let region = &annotation.region;
            if region.page != page {
                continue;
            }
            let points: Vec<(f64, f64)> =
                region.vertices.iter().map(|v| to_px.apply(v.x, v.y)).collect();
            match shape_geometry(region.shape, points) {
                Ok(geometry) => shapes.push(SceneShape {
                    annotation: index,
                    geometry,
                    style,
                    label: Label {
                        text: annotation.text.clone(),
                        confidence: annotation.confidence,
                        entities: annotation.entities.clone().unwrap_or_default(),
                    },
                }),
                Err(reason) => skipped.push(Skipped { annotation: index, reason }),
            }
        }
        Scene { page, frame: *frame, colors, shapes, skipped }
    }

    /// The page, from 1.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// The page's frame.
    pub fn frame(&self) -> &PageFrame {
        &self.frame
    }

    /// The page's pixel size (the PNG's size and the SVG's `viewBox`).
    pub fn size(&self) -> PixelSize {
        self.frame.size()
    }

    /// The colours the page is produced in.
    pub fn colors(&self) -> ColorMode {
        self.colors
    }

    /// The shapes, in the order of their annotations.
    pub fn shapes(&self) -> &[SceneShape] {
        &self.shapes
    }

    /// The annotations of this page that have no shape (never drawn).
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// One warning for the page's result naming every skipped annotation, or `None` when
    /// all annotations of the page have a shape. Indices are from 0, in request order.
    pub fn warning(&self) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let list: Vec<String> = self
            .skipped
            .iter()
            .map(|s| {
                let why = match s.reason {
                    SkipReason::NotFinite => "a coordinate is not a finite number",
                    SkipReason::TooFewVertices => "too few vertices",
                    SkipReason::NoArea => "the shape has no area",
                };
                format!("#{} ({why})", s.annotation)
            })
            .collect();
        Some(format!(
            "{} annotation(s) not highlighted because their region is invalid: {}",
            self.skipped.len(),
            list.join(", ")
        ))
    }
}

fn shape_geometry(kind: ShapeKind, points: Vec<(f64, f64)>) -> Result<ShapeGeometry, SkipReason> {
    if points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return Err(SkipReason::NotFinite);
    }
    match kind {
        ShapeKind::Rectangle => {
            if points.is_empty() {
                return Err(SkipReason::TooFewVertices);
            }
            let (x0, y0, x1, y1) = bounds(&points);
            rect(x0, y0, x1, y1)
        }
        ShapeKind::Polygon => polygon(points),
    }
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Result<ShapeGeometry, SkipReason> {
    if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
        return Err(SkipReason::NotFinite);
    }
    if x1 - x0 > 0.0 && y1 - y0 > 0.0 {
        Ok(ShapeGeometry(Outline::Rect { x0, y0, x1, y1 }))
    } else {
        Err(SkipReason::NoArea)
    }
}

fn polygon(points: Vec<(f64, f64)>) -> Result<ShapeGeometry, SkipReason> {
    if points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return Err(SkipReason::NotFinite);
    }
    if points.len() < 3 {
        return Err(SkipReason::TooFewVertices);
    }
    // A polygon has an area unless all its points lie on one line (a self-crossing
    // polygon can have a zero signed area and still cover pixels).
    let (x0, y0, x1, y1) = bounds(&points);
    let p0 = points[0];
    let far = points.iter().copied().fold(p0, |best, p| {
        let d = |q: (f64, f64)| (q.0 - p0.0).hypot(q.1 - p0.1);
        if d(p) > d(best) {
            p
        } else {
            best
        }
    });
    let (dx, dy) = (far.0 - p0.0, far.1 - p0.1);
    let length = dx.hypot(dy);
    // Distance of the farthest point from the line p0-far, in pixels.
    let off_line =
        points.iter().map(|p| (dx * (p.1 - p0.1) - dy * (p.0 - p0.0)).abs()).fold(0.0, f64::max);
    if length > 0.0 && off_line / length > 1e-9 && x1 > x0 && y1 > y0 {
        Ok(ShapeGeometry(Outline::Polygon(points)))
    } else {
        Err(SkipReason::NoArea)
    }
}
