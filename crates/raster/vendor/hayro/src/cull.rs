//! diagram-convert patch 4 (PATCHES.md): curves far outside the page are not flattened.
//!
//! vello flattens every curve of a path into lines before it culls anything, at a number
//! of lines that grows with the square root of the curve's size in pixels: a quarter
//! circle under a `1e18 0 0 1e18 cm` matrix took 37 s and 21 GB. A path whose control
//! box lies near the target is drawn as it is; in any other path, each curve is cut in
//! halves as long as it reaches the target and is much larger than it, and each piece
//! whose control points all lie outside the target (inflated by `margin`) is replaced by
//! the straight line between its ends. A piece and its chord both lie in the piece's
//! convex hull, so the winding number of every point outside that hull, which includes
//! the whole target, is unchanged: fills and clips are the same, pixel for pixel.

use std::borrow::Cow;
use std::cell::Cell;

use kurbo::{Affine, BezPath, CubicBez, ParamCurve, PathEl, Point, QuadBez, Rect};

/// Paths whose device-space control box lies within the target grown by this many
/// times its larger side on each side are left as they are; pieces this large that reach
/// the target are kept as curves.
const NEAR: f64 = 4.0;

/// The deepest subdivision: 2^-64 of a curve.
const MAX_DEPTH: u32 = 64;

/// `path` (in the user space of `transform`), with its curves far outside `target` (in
/// device space) replaced by lines; borrowed when nothing needs it.
pub(crate) fn cull_far_curves(
    path: &BezPath,
    transform: Affine,
    target: Rect,
    margin: f64,
) -> Cow<'_, BezPath> {
    let side = target.width().max(target.height()).max(1.0);
    let near = target.inflate(side * NEAR, side * NEAR);
    let bbox = transform.transform_rect_bbox(path.control_box());
    let inside =
        bbox.x0 >= near.x0 && bbox.y0 >= near.y0 && bbox.x1 <= near.x1 && bbox.y1 <= near.y1;
    // A margin as large as the target (the stroke of a line wider than the page) would
    // have every piece reach it, and the halving would go on to the depth limit.
    if inside || !bbox.is_finite() || margin.is_nan() || margin > side {
        return Cow::Borrowed(path);
    }
    let cull = Cull {
        transform,
        visible: target.inflate(margin, margin),
        limit: side * NEAR,
        pieces: Cell::new(0),
    };
    let mut out = BezPath::new();
    let (mut last, mut start) = (Point::ZERO, Point::ZERO);
    for el in path.elements() {
        match *el {
            PathEl::MoveTo(p) => {
                out.move_to(p);
                (last, start) = (p, p);
            }
            PathEl::LineTo(p) => {
                out.line_to(p);
                last = p;
            }
            PathEl::QuadTo(p1, p2) => {
                cull.quad(QuadBez::new(last, p1, p2), 0, &mut out);
                last = p2;
            }
            PathEl::CurveTo(p1, p2, p3) => {
                cull.cubic(CubicBez::new(last, p1, p2, p3), 0, &mut out);
                last = p3;
            }
            PathEl::ClosePath => {
                out.close_path();
                last = start;
            }
        }
    }
    Cow::Owned(out)
}

struct Cull {
    transform: Affine,
    visible: Rect,
    limit: f64,
    /// Pieces cut so far, against [`MAX_PIECES`].
    pieces: Cell<usize>,
}

/// After this many pieces of one path, the rest is kept as it is. A curve reaches a
/// target at most a few times, and each reach costs at most two pieces per halving, so
/// real paths stay far below it.
const MAX_PIECES: usize = 1 << 14;

impl Cull {
    /// The device-space bounding box of control points.
    fn hull(&self, points: &[Point]) -> Rect {
        let mut r = Rect::from_points(self.transform * points[0], self.transform * points[0]);
        for &p in &points[1..] {
            r = r.union_pt(self.transform * p);
        }
        r
    }

    /// Whether a piece with these control points is drawn as a line, as a curve, or cut.
    fn decide(&self, points: &[Point], depth: u32) -> Piece {
        let hull = self.hull(points);
        if !hull.overlaps(self.visible) && hull.is_finite() {
            Piece::Chord
        } else if hull.width().max(hull.height()) <= self.limit
            || depth >= MAX_DEPTH
            || !hull.is_finite()
            || self.pieces.get() >= MAX_PIECES
        {
            Piece::Keep
        } else {
            self.pieces.set(self.pieces.get() + 2);
            Piece::Split
        }
    }

    fn cubic(&self, c: CubicBez, depth: u32, out: &mut BezPath) {
        match self.decide(&[c.p0, c.p1, c.p2, c.p3], depth) {
            Piece::Chord => out.line_to(c.p3),
            Piece::Keep => out.curve_to(c.p1, c.p2, c.p3),
            Piece::Split => {
                let (a, b) = c.subdivide();
                self.cubic(a, depth + 1, out);
                self.cubic(b, depth + 1, out);
            }
        }
    }

    fn quad(&self, q: QuadBez, depth: u32, out: &mut BezPath) {
        match self.decide(&[q.p0, q.p1, q.p2], depth) {
            Piece::Chord => out.line_to(q.p2),
            Piece::Keep => out.quad_to(q.p1, q.p2),
            Piece::Split => {
                let (a, b) = q.subdivide();
                self.quad(a, depth + 1, out);
                self.quad(b, depth + 1, out);
            }
        }
    }
}

enum Piece {
    Chord,
    Keep,
    Split,
}

#[cfg(test)]
mod tests {
    use super::*;
    use kurbo::Shape;

    fn quarter_circles(scale: f64) -> (BezPath, Affine) {
        let mut p = BezPath::new();
        p.move_to((0.0, 0.0));
        p.curve_to((1.0, 0.0), (1.0, 1.0), (0.0, 1.0));
        p.curve_to((0.0, 1.0), (-1.0, 1.0), (-1.0, 0.0));
        p.close_path();
        (p, Affine::new([scale, 0.0, 0.0, scale, 100.0, 100.0]))
    }

    #[test]
    fn paths_near_the_target_are_borrowed() {
        let (p, t) = quarter_circles(300.0);
        assert!(matches!(
            cull_far_curves(&p, t, Rect::new(0.0, 0.0, 400.0, 400.0), 1.0),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_huge_curve_becomes_a_few_pieces_and_keeps_its_ends() {
        let (p, t) = quarter_circles(1e18);
        let target = Rect::new(0.0, 0.0, 400.0, 400.0);
        let culled = cull_far_curves(&p, t, target, 1.0);
        let els = culled.elements();
        assert!(
            els.len() < 2 * 3 * MAX_DEPTH as usize,
            "{} elements",
            els.len()
        );
        // Every kept curve is small or reaches the target; the path ends where it did.
        let end = match els[els.len() - 2] {
            PathEl::LineTo(p) | PathEl::QuadTo(_, p) | PathEl::CurveTo(_, _, p) => p,
            other => panic!("{other:?}"),
        };
        assert_eq!(end, Point::new(-1.0, 0.0));
        assert!(matches!(els.last(), Some(PathEl::ClosePath)));
    }

    /// The winding number at points of the target is that of the original path: the
    /// fill is the same.
    #[test]
    fn the_winding_inside_the_target_is_unchanged() {
        for scale in [1e4, 1e7, 1e12] {
            let (p, t) = quarter_circles(scale);
            let target = Rect::new(0.0, 0.0, 400.0, 300.0);
            let culled = cull_far_curves(&p, t, target, 1.0).into_owned();
            let (a, b) = (t * p.clone(), t * culled);
            for (x, y) in [
                (1.0, 1.0),
                (99.5, 150.0),
                (100.5, 101.0),
                (399.0, 299.0),
                (250.0, 7.0),
            ] {
                let pt = Point::new(x, y);
                assert_eq!(a.winding(pt), b.winding(pt), "at {pt:?}, scale {scale}");
            }
        }
    }
}
