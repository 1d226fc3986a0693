//! The vector page layer: a `hayro_interpret::Device` that writes the page's paths,
//! glyph outlines and images straight in the SVG's pixel frame.
//!
//! The interpreter runs with ONE initial transform, the page frame's
//! [`PageFrame::content_transform`] (the one the PNG is drawn with), so every coordinate
//! that reaches the device is already in output pixels (rotation, crop box, negative origins and `/UserUnit`
//! included) and is written at a fixed precision with no per-path transform. Strokes get
//! their width in output pixels, at least [`VectorSettings::min_stroke_px`], as a
//! rasteriser does; consecutive opaque strokes of one style are merged into one path and
//! a glyph run becomes one path.
//!
//! Culling: drawing (paths, glyph runs, images) whose box lies wholly outside the page,
//! or outside the bounding box of the clips in effect, is not written (an image so placed
//! is not even decoded), and a rectangular clip that contains everything still visible
//! (the page rectangle, most often) writes no `<clipPath>`. Culled drawing counts in
//! neither the calls nor the written calls that the size estimate extrapolates from.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use diagram_core::{Deadline, PageFrame};
use diagram_overlay::luma;
use hayro::hayro_interpret::font::{Glyph, GlyphRun};
use hayro::hayro_interpret::hayro_syntax::page::Page;
use hayro::hayro_interpret::kurbo::{Affine, BezPath, Cap, Join, PathEl, Point, Rect, Shape as _};
use hayro::hayro_interpret::{
    interpret_page, BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, FillRule, Image,
    ImageData, ImageDrawProps, InterpreterCache, InterpreterSettings, LumaData, Paint, SoftMask,
    StrokeProps, WarningSinkFn,
};

use crate::num::{num, push_num, PathData};

/// How the vector layer is written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VectorSettings {
    pub(crate) frame: PageFrame,
    pub(crate) decimals: u32,
    pub(crate) grayscale: bool,
    pub(crate) min_stroke_px: f64,
    /// Stop writing once the layer is this many bytes long.
    pub(crate) budget: usize,
    /// Whether interpretation stops too once the budget is reached (when nothing after
    /// this pass needs the calls counted past it); else the rest of the page is still
    /// read, for the size estimate and the scan and feature checks.
    pub(crate) stop_at_budget: bool,
    /// Whether an image covering half the page or more marks the page as a scan (and is
    /// then not decoded).
    pub(crate) detect_scan: bool,
}

/// What interpreting a page produced.
pub(crate) struct VectorLayer {
    /// `<defs>` (clip paths) and the drawing, in pixel coordinates.
    pub(crate) markup: String,
    /// Whether the layer reached the budget (the markup is then incomplete).
    pub(crate) over_budget: bool,
    /// Whether the page is essentially one big image.
    pub(crate) scan: bool,
    /// PDF features the layer could not reproduce faithfully, for warnings.
    pub(crate) unsupported: BTreeSet<&'static str>,
    /// How many drawing calls (paths, glyph runs, images, clips, groups) the device got.
    pub(crate) calls: usize,
    /// How many of them were written out; once the budget is reached the rest are only
    /// inspected for the scan and unsupported-feature checks, never formatted.
    pub(crate) written: usize,
    /// Whether interpretation stopped at the budget ([`VectorSettings::stop_at_budget`]):
    /// `calls`, `scan` and `unsupported` then cover the page only up to there.
    pub(crate) stopped: bool,
}

/// The share of the page (0.5) that one image must cover for `auto` to treat the page as
/// a scan and give it the raster layer.
pub const SCAN_COVERAGE: f64 = 0.5;

/// The page's vector layer, or `None` when `deadline` passed while it was written (the
/// interpreter then stopped between content operators and the layer is incomplete).
pub(crate) fn vector_layer<'a>(
    page: &Page<'a>,
    settings: VectorSettings,
    cache: &InterpreterCache<'a>,
    deadline: Deadline,
    warning_sink: WarningSinkFn,
) -> Option<VectorLayer> {
    let t = settings.frame.content_transform();
    let initial = Affine::new([t.a, t.b, t.c, t.d, t.e, t.f]);
    let size = settings.frame.size();
    let bbox = Rect::new(0.0, 0.0, size.width() as f64, size.height() as f64);
    // Past the deadline, or past the budget when the pass is to stop there, the
    // interpreter stops between content operators.
    let stop = Arc::new(AtomicBool::new(false));
    let interpreter = InterpreterSettings {
        interrupt: Arc::new({
            let stop = stop.clone();
            move || deadline.passed() || stop.load(Ordering::Relaxed)
        }),
        warning_sink,
        ..InterpreterSettings::default()
    };
    let mut context = Context::new(initial, bbox, cache, page.xref(), interpreter);
    let mut device = SvgDevice::new(settings, stop.clone());
    interpret_page(page, &mut context, &mut device);
    if deadline.passed() {
        return None;
    }
    // Interrupted with the deadline not passed: stopped at the budget.
    let mut layer = device.finish();
    layer.stopped = context.interrupted();
    Some(layer)
}

struct Pending {
    /// The element's attributes other than `d`.
    attrs: String,
    d: PathData,
}

/// A clip in effect: the `<clipPath>` that carries it, and where drawing can still show.
#[derive(Clone, Copy)]
struct ClipEntry {
    /// The id of the clip path that elements drawn under it name; `None` when no clip
    /// path is needed (none was pushed, or each pushed one contains the page area still
    /// visible) or none is written (past the budget).
    id: Option<usize>,
    /// The page area, in output pixels, that the clips leave visible: the page narrowed to
    /// the bounding box of each clip path. Drawing that lies wholly outside it is culled.
    visible: Rect,
}

/// The thinnest stroke of stroked text (text render modes 1, 2, 5 and 6), as a share of
/// [`VectorSettings::min_stroke_px`]: hayro, which draws the PNG, thins stroked text to
/// a quarter of a pixel and other strokes to one pixel.
const TEXT_MIN_STROKE_SHARE: f64 = 0.25;

/// Device-space slack around what is drawn before it counts as outside the visible
/// area: anti-aliasing touches the pixel beside an edge.
const CULL_MARGIN_PX: f64 = 1.0;

/// How close (in pixels) a rectangular clip may come to the visible area and still count
/// as containing it, so that it is not written: rounding in the page transform leaves
/// a clip to the page rectangle a few ulps inside the page.
const CONTAINS_SLACK_PX: f64 = 1e-3;

struct SvgDevice {
    s: VectorSettings,
    body: String,
    defs: String,
    clip_ids: HashMap<String, usize>,
    /// The clips in effect, innermost last.
    clip_stack: Vec<ClipEntry>,
    /// The transparency groups open, innermost last: a group's `<g …>` tag until
    /// something is drawn in it (the tag is written then, so an empty group is never
    /// written), `None` once it is written.
    groups: Vec<Option<String>>,
    pending: Option<Pending>,
    over_budget: bool,
    scan: bool,
    unsupported: BTreeSet<&'static str>,
    calls: usize,
    written: usize,
    /// Set once the budget is reached if [`VectorSettings::stop_at_budget`]: the
    /// interpreter's interrupt hook reads it.
    stop: Arc<AtomicBool>,
}

impl SvgDevice {
    fn new(s: VectorSettings, stop: Arc<AtomicBool>) -> Self {
        let mut body = String::new();
        let _ = write!(
            body,
            "<rect width=\"{}\" height=\"{}\" fill=\"#fff\"/>",
            s.frame.size().width(),
            s.frame.size().height()
        );
        Self {
            s,
            body,
            defs: String::new(),
            clip_ids: HashMap::new(),
            clip_stack: Vec::new(),
            groups: Vec::new(),
            pending: None,
            over_budget: false,
            scan: false,
            unsupported: BTreeSet::new(),
            calls: 0,
            written: 0,
            stop,
        }
    }

    fn finish(mut self) -> VectorLayer {
        self.flush();
        self.full();
        let mut markup = String::with_capacity(self.defs.len() + self.body.len() + 16);
        if !self.defs.is_empty() {
            markup.push_str("<defs>");
            markup.push_str(&self.defs);
            markup.push_str("\n</defs>\n");
        }
        markup.push_str(&self.body);
        VectorLayer {
            markup,
            over_budget: self.over_budget,
            scan: self.scan,
            unsupported: self.unsupported,
            calls: self.calls,
            written: self.written,
            stopped: false,
        }
    }

    fn full(&mut self) -> bool {
        let pending = self.pending.as_ref().map_or(0, |p| p.d.d.len() + p.attrs.len());
        if !self.over_budget && self.body.len() + self.defs.len() + pending > self.s.budget {
            self.over_budget = true;
            if self.s.stop_at_budget {
                self.stop.store(true, Ordering::Relaxed);
            }
        }
        self.over_budget
    }

    /// Counts a drawing call; returns whether it is to be written, i.e. the layer is
    /// still within the budget. Past the budget the markup is thrown away (`auto` retries
    /// or falls back to the raster layer), so a call only records what decides the
    /// fallback and its warning (scans, unsupported features), without formatting.
    fn start_call(&mut self) -> bool {
        self.calls += 1;
        let write = !self.full();
        self.written += usize::from(write);
        write
    }

    /// What [`SvgDevice::color`] records about `paint` for a visible `mode`, without
    /// writing anything.
    fn note_paint(&mut self, paint: &Paint<'_>, mode: &DrawMode) {
        if !matches!(mode, DrawMode::Invisible) && matches!(paint, Paint::Pattern(_)) {
            self.unsupported.insert("shading and pattern paints");
        }
    }

    fn flush(&mut self) {
        if let Some(p) = self.pending.take() {
            self.open_groups();
            push_path(&mut self.body, &p.d.d, &p.attrs);
        }
    }

    /// Writes the tags of the open groups not written yet; called before anything is
    /// written into the body.
    fn open_groups(&mut self) {
        for group in &mut self.groups {
            if let Some(tag) = group.take() {
                self.body.push_str(&tag);
            }
        }
    }

    /// Writes a path element, merged into the previous one when `mergeable` and its
    /// attributes are the same.
    fn emit(&mut self, attrs: String, mergeable: bool, write: impl FnOnce(&mut PathData)) {
        if self.full() {
            return;
        }
        match &mut self.pending {
            Some(p) if mergeable && p.attrs == attrs => write(&mut p.d),
            _ => {
                self.flush();
                let mut d = PathData::new(self.s.decimals);
                write(&mut d);
                if mergeable {
                    self.pending = Some(Pending { attrs, d });
                } else {
                    self.open_groups();
                    push_path(&mut self.body, &d.d, &attrs);
                }
            }
        }
    }

    fn clip_attr(&self, attrs: &mut String) {
        if let Some(id) = self.clip_stack.last().and_then(|c| c.id) {
            let _ = write!(attrs, " clip-path=\"url(#pc{id})\"");
        }
    }

    /// The page area, in output pixels, that drawing can still show.
    fn visible(&self) -> Rect {
        self.clip_stack.last().map_or_else(
            || {
                let size = self.s.frame.size();
                Rect::new(0.0, 0.0, size.width() as f64, size.height() as f64)
            },
            |c| c.visible,
        )
    }

    /// Whether drawing within `bounds` (output pixels) cannot show: it lies wholly
    /// outside the page or the clips in effect. Such drawing is not written.
    fn culled(&self, bounds: Rect) -> bool {
        let v = self.visible();
        let b = bounds.inflate(CULL_MARGIN_PX, CULL_MARGIN_PX);
        // Comparisons written so that a NaN bound culls nothing.
        v.is_zero_area() || b.x1 < v.x0 || b.x0 > v.x1 || b.y1 < v.y0 || b.y0 > v.y1
    }

    fn color(&mut self, paint: &Paint<'_>) -> ([u8; 3], f32) {
        match paint {
            Paint::Color(c) => {
                let rgba = c.to_rgba();
                let [r, g, b, _] = rgba.to_rgba8();
                let alpha = rgba.components()[3];
                if self.s.grayscale {
                    let y = luma(r, g, b);
                    ([y, y, y], alpha)
                } else {
                    ([r, g, b], alpha)
                }
            }
            Paint::Pattern(_) => {
                // Shadings and patterns are not reproduced: a neutral gray stands in and
                // `auto` falls back to the raster layer.
                self.unsupported.insert("shading and pattern paints");
                ([128, 128, 128], 1.0)
            }
        }
    }

    fn fill_attrs(&mut self, attrs: &mut String, paint: &Paint<'_>, rule: FillRule) {
        let (rgb, alpha) = self.color(paint);
        if rgb != [0, 0, 0] {
            attrs.push_str(" fill=\"");
            push_hex(attrs, rgb);
            attrs.push('"');
        }
        if alpha < 1.0 {
            push_num_attr(attrs, "fill-opacity", alpha as f64, 3);
        }
        if rule == FillRule::EvenOdd {
            attrs.push_str(" fill-rule=\"evenodd\"");
        }
    }

    /// Stroke attributes in output pixels; returns whether the stroke is opaque.
    fn stroke_attrs(
        &mut self,
        attrs: &mut String,
        paint: &Paint<'_>,
        stroke: &StrokeProps,
        transform: Affine,
        text: bool,
    ) -> bool {
        let (rgb, alpha) = self.color(paint);
        let scale = transform.determinant().abs().sqrt();
        // Stroked text is thinned less, as the PNG's renderer (hayro) does: a minimum of
        // a full pixel makes small text bold.
        let min = match text {
            true => self.s.min_stroke_px * TEXT_MIN_STROKE_SHARE,
            false => self.s.min_stroke_px,
        };
        let width = (stroke.line_width as f64 * scale).max(min);
        attrs.push_str(" stroke=\"");
        push_hex(attrs, rgb);
        attrs.push('"');
        push_num_attr(attrs, "stroke-width", width, 2);
        if alpha < 1.0 {
            push_num_attr(attrs, "stroke-opacity", alpha as f64, 3);
        }
        match stroke.line_cap {
            Cap::Butt => {}
            Cap::Square => attrs.push_str(" stroke-linecap=\"square\""),
            Cap::Round => attrs.push_str(" stroke-linecap=\"round\""),
        }
        match stroke.line_join {
            Join::Miter => {
                if stroke.miter_limit != 4.0 {
                    let limit = num(stroke.miter_limit.max(1.0) as f64, 2);
                    let _ = write!(attrs, " stroke-miterlimit=\"{limit}\"");
                }
            }
            Join::Bevel => attrs.push_str(" stroke-linejoin=\"bevel\""),
            Join::Round => attrs.push_str(" stroke-linejoin=\"round\""),
        }
        let dashes: Vec<f64> = stroke.dash_array.iter().map(|d| d.abs() as f64 * scale).collect();
        if dashes.iter().any(|d| *d > 0.0) {
            let list: Vec<String> = dashes.iter().map(|d| num(*d, 2)).collect();
            let _ = write!(attrs, " stroke-dasharray=\"{}\"", list.join(" "));
            if stroke.dash_offset != 0.0 {
                let offset = num(stroke.dash_offset as f64 * scale, 2);
                let _ = write!(attrs, " stroke-dashoffset=\"{offset}\"");
            }
        }
        alpha >= 1.0
    }

    fn draw_shape(
        &mut self,
        path: &BezPath,
        transform: Affine,
        paint: &Paint<'_>,
        mode: &DrawMode,
        text: bool,
    ) {
        let mut attrs = String::new();
        let mergeable = match mode {
            DrawMode::Invisible => return,
            DrawMode::Fill(rule) => {
                self.fill_attrs(&mut attrs, paint, *rule);
                false
            }
            DrawMode::Stroke(stroke) => {
                attrs.push_str(" fill=\"none\"");
                self.stroke_attrs(&mut attrs, paint, stroke, transform, text)
            }
            DrawMode::FillAndStroke(rule, stroke) => {
                self.fill_attrs(&mut attrs, paint, *rule);
                self.stroke_attrs(&mut attrs, paint, stroke, transform, text);
                false
            }
        };
        self.clip_attr(&mut attrs);
        self.emit(attrs, mergeable, |d| append_path(d, path, transform));
    }

    /// Draws outline glyphs merged into one path, unless they are culled.
    fn draw_glyphs(&mut self, run: &BezPath, props: &DrawProps<'_>, mode: &DrawMode) {
        if !self.culled(shape_bounds(run, props.transform, mode, self.s.min_stroke_px)) {
            self.draw_shape(run, props.transform, &props.paint, mode, true);
        }
    }

    fn image(
        &mut self,
        width: u32,
        height: u32,
        png: Option<Vec<u8>>,
        transform: Affine,
        smooth: bool,
    ) {
        let Some(png) = png else {
            self.unsupported.insert("images that could not be encoded");
            return;
        };
        if self.full() {
            return;
        }
        self.flush();
        self.open_groups();
        let c = transform.as_coeffs();
        let _ = write!(
            self.body,
            "\n<image width=\"{width}\" height=\"{height}\" preserveAspectRatio=\"none\" \
             transform=\"matrix({} {} {} {} {} {})\"",
            num(c[0], 6),
            num(c[1], 6),
            num(c[2], 6),
            num(c[3], 6),
            num(c[4], 3),
            num(c[5], 3)
        );
        if !smooth {
            self.body.push_str(" image-rendering=\"optimizeSpeed\"");
        }
        let mut attrs = String::new();
        self.clip_attr(&mut attrs);
        self.body.push_str(&attrs);
        self.body.push_str(" xlink:href=\"data:image/png;base64,");
        base64::engine::general_purpose::STANDARD.encode_string(&png, &mut self.body);
        self.body.push_str("\"/>");
    }

    /// Whether an image of `w` x `h` under `transform` covers enough of the page to make
    /// the page a scan.
    fn covers_page(&self, w: u32, h: u32, transform: Affine) -> bool {
        let corners = [(0.0, 0.0), (w as f64, 0.0), (0.0, h as f64), (w as f64, h as f64)]
            .map(|(x, y)| transform * Point::new(x, y));
        let size = self.s.frame.size();
        let (pw, ph) = (size.width() as f64, size.height() as f64);
        let x0 = corners.iter().map(|p| p.x).fold(f64::INFINITY, f64::min).max(0.0);
        let y0 = corners.iter().map(|p| p.y).fold(f64::INFINITY, f64::min).max(0.0);
        let x1 = corners.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max).min(pw);
        let y1 = corners.iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max).min(ph);
        let area = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
        area >= SCAN_COVERAGE * pw * ph
    }

    fn mask_unsupported(&mut self, mask: &Option<SoftMask<'_>>) {
        if mask.is_some() {
            self.unsupported.insert("soft masks");
        }
    }
}

/// The output-pixel box that drawing `path` under `transform` in `mode` can touch
/// (before [`CULL_MARGIN_PX`]): the path's control box, grown for a stroke by half its
/// width times the join's reach (the miter limit, or sqrt 2 for square caps and bevels)
/// in user space, and by half of `min_stroke_px` in pixels for strokes widened to it.
fn shape_bounds(path: &BezPath, transform: Affine, mode: &DrawMode, min_stroke_px: f64) -> Rect {
    let stroke = match mode {
        DrawMode::Stroke(s) | DrawMode::FillAndStroke(_, s) => Some(s),
        DrawMode::Fill(_) | DrawMode::Invisible => None,
    };
    let Some(stroke) = stroke else {
        return transform.transform_rect_bbox(path.control_box());
    };
    let reach = match stroke.line_join {
        Join::Miter => (stroke.miter_limit as f64).max(std::f64::consts::SQRT_2),
        Join::Bevel | Join::Round => std::f64::consts::SQRT_2,
    };
    let grow = stroke.line_width.abs() as f64 / 2.0 * reach;
    let px = min_stroke_px / 2.0 * reach;
    transform.transform_rect_bbox(path.control_box().inflate(grow, grow)).inflate(px, px)
}

/// The intersection of two boxes; zero area (at `a`'s corner) when they do not meet.
fn intersect(a: Rect, b: Rect) -> Rect {
    let r = Rect::new(a.x0.max(b.x0), a.y0.max(b.y0), a.x1.min(b.x1), a.y1.min(b.y1));
    // (`max` and `min` pass over a NaN side, which so narrows nothing.)
    if !(r.x0 < r.x1 && r.y0 < r.y1) {
        return Rect::new(a.x0, a.y0, a.x0, a.y0);
    }
    r
}

/// Whether `outer` contains `inner`, within [`CONTAINS_SLACK_PX`].
fn contains(outer: Rect, inner: Rect) -> bool {
    let e = CONTAINS_SLACK_PX;
    outer.x0 <= inner.x0 + e
        && outer.y0 <= inner.y0 + e
        && outer.x1 >= inner.x1 - e
        && outer.y1 >= inner.y1 - e
}

/// Whether `path` is one axis-aligned rectangle (a move and three or four lines, closed
/// or not), so that the area it encloses is its bounding box under either fill rule.
fn is_axis_rect(path: &BezPath) -> bool {
    let mut points = Vec::with_capacity(5);
    for (i, el) in path.elements().iter().enumerate() {
        match (i, *el) {
            (0, PathEl::MoveTo(p)) => points.push(p),
            (1..=4, PathEl::LineTo(p)) => points.push(p),
            (_, PathEl::ClosePath) if i == path.elements().len() - 1 && i >= 4 => {}
            _ => return false,
        }
    }
    if points.len() == 5 {
        if points[4] != points[0] {
            return false;
        }
        points.pop();
    }
    if points.len() != 4 {
        return false;
    }
    // Consecutive corners share x or y, alternating: horizontal then vertical edges or
    // the other way round.
    let edge = |a: Point, b: Point| (a.x == b.x, a.y == b.y);
    let edges: Vec<(bool, bool)> = (0..4).map(|i| edge(points[i], points[(i + 1) % 4])).collect();
    let vertical_first =
        edges.iter().enumerate().all(|(i, &(v, h))| if i % 2 == 0 { v } else { h });
    let horizontal_first =
        edges.iter().enumerate().all(|(i, &(v, h))| if i % 2 == 0 { h } else { v });
    vertical_first || horizontal_first
}

/// Writes an sRGB colour as `#rgb` when each channel's two hex digits are the same, else
/// as `#rrggbb`.
fn push_hex(out: &mut String, [r, g, b]: [u8; 3]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit = |v: u8| DIGITS[v as usize & 15] as char;
    out.push('#');
    if r >> 4 == r & 15 && g >> 4 == g & 15 && b >> 4 == b & 15 {
        out.extend([digit(r), digit(g), digit(b)]);
    } else {
        out.extend([r, g, b].into_iter().flat_map(|v| [digit(v >> 4), digit(v)]));
    }
}

/// Writes the attribute ` name="v"`, `v` at `decimals` places.
fn push_num_attr(out: &mut String, name: &str, v: f64, decimals: u32) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_num(out, v, decimals);
    out.push('"');
}

/// Writes a `<path>` element on a line of its own.
fn push_path(out: &mut String, d: &str, attrs: &str) {
    out.push_str("\n<path d=\"");
    out.push_str(d);
    out.push('"');
    out.push_str(attrs);
    out.push_str("/>");
}

fn append_path(d: &mut PathData, path: &BezPath, t: Affine) {
    let p = |pt: Point| {
        let q = t * pt;
        (q.x, q.y)
    };
    for el in path.elements() {
        match *el {
            PathEl::MoveTo(a) => d.move_to(p(a)),
            PathEl::LineTo(a) => d.line_to(p(a)),
            PathEl::QuadTo(a, b) => d.quad_to(p(a), p(b)),
            PathEl::CurveTo(a, b, c) => d.cubic_to(p(a), p(b), p(c)),
            PathEl::ClosePath => d.close(),
        }
    }
}

impl<'a> Device<'a> for SvgDevice {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, draw_mode: &DrawMode) {
        let bounds = shape_bounds(path, props.transform, draw_mode, self.s.min_stroke_px);
        if self.culled(bounds) {
            return;
        }
        self.mask_unsupported(&props.soft_mask);
        if !self.start_call() {
            self.note_paint(&props.paint, draw_mode);
            return;
        }
        self.draw_shape(path, props.transform, &props.paint, draw_mode, false);
    }

    fn push_clip_path(&mut self, clip_path: &ClipPath) {
        let outer = self.clip_stack.last().and_then(|c| c.id);
        let visible = self.visible();
        let bounds = clip_path.path.bounding_box();
        let narrowed = intersect(visible, bounds);
        if narrowed.is_zero_area() || (is_axis_rect(&clip_path.path) && contains(bounds, visible)) {
            // Nothing shows under this clip (and everything is culled), or it clips
            // nothing that is still visible: no clip path is written for it.
            self.clip_stack.push(ClipEntry { id: outer, visible: narrowed });
            return;
        }
        if !self.start_call() {
            // Keeps the stack balanced; no id is written past the budget.
            self.clip_stack.push(ClipEntry { id: None, visible: narrowed });
            return;
        }
        // Clip paths arrive in device space: our pixel frame.
        let mut d = PathData::new(self.s.decimals);
        append_path(&mut d, &clip_path.path, Affine::IDENTITY);
        let evenodd = clip_path.fill == FillRule::EvenOdd;
        let parent = outer;
        let key = format!("{}|{evenodd}|{parent:?}", d.d);
        let next = self.clip_ids.len();
        let id = *self.clip_ids.entry(key).or_insert(next);
        if id == next {
            let _ = write!(self.defs, "\n<clipPath id=\"pc{id}\"");
            if let Some(parent) = parent {
                let _ = write!(self.defs, " clip-path=\"url(#pc{parent})\"");
            }
            let _ = write!(self.defs, "><path d=\"{}\"", d.d);
            if evenodd {
                self.defs.push_str(" clip-rule=\"evenodd\"");
            }
            self.defs.push_str("/></clipPath>");
        }
        self.clip_stack.push(ClipEntry { id: Some(id), visible: narrowed });
    }

    fn push_transparency_group(
        &mut self,
        opacity: f32,
        mask: Option<SoftMask<'a>>,
        blend_mode: BlendMode,
    ) {
        self.mask_unsupported(&mask);
        let _ = blend_mode;
        if !self.start_call() {
            // Keeps the stack balanced; nothing is written past the budget.
            self.groups.push(None);
            return;
        }
        self.flush();
        let mut tag = String::from("\n<g");
        if opacity < 1.0 {
            let _ = write!(tag, " opacity=\"{}\"", num(opacity as f64, 3));
        }
        tag.push('>');
        self.groups.push(Some(tag));
    }

    fn draw_glyph_run(
        &mut self,
        glyph_run: &GlyphRun<'_, 'a>,
        props: DrawProps<'a>,
        draw_mode: &DrawMode,
    ) {
        if matches!(draw_mode, DrawMode::Invisible) {
            return;
        }
        self.mask_unsupported(&props.soft_mask);
        if !self.start_call() {
            // No outlines past the budget; Type 3 glyphs still go through the device,
            // which only records what they use.
            let mut outlines = false;
            for glyph in glyph_run.glyphs() {
                match &**glyph {
                    Glyph::Outline(_) => outlines = true,
                    Glyph::Type3(type3) => {
                        type3.interpret(self, props.transform, glyph.transform(), &props.paint);
                    }
                }
            }
            if outlines {
                self.note_paint(&props.paint, draw_mode);
            }
            return;
        }
        // One path per run of outline glyphs: glyphs of a run do not overlap, so merging
        // them cannot change a non-zero fill.
        let mut run = BezPath::new();
        for glyph in glyph_run.glyphs() {
            match &**glyph {
                Glyph::Outline(outline) => {
                    run.extend(glyph.transform() * outline.outline());
                }
                Glyph::Type3(type3) => {
                    if !run.elements().is_empty() {
                        self.draw_glyphs(&run, &props, draw_mode);
                        run = BezPath::new();
                    }
                    self.flush();
                    type3.interpret(self, props.transform, glyph.transform(), &props.paint);
                }
            }
        }
        if !run.elements().is_empty() {
            self.draw_glyphs(&run, &props, draw_mode);
        }
    }

    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        let area = Rect::new(0.0, 0.0, image.width() as f64, image.height() as f64);
        if self.culled(props.transform.transform_rect_bbox(area)) {
            // Not decoded either.
            return;
        }
        self.mask_unsupported(&props.soft_mask);
        if self.s.detect_scan && self.covers_page(image.width(), image.height(), props.transform) {
            // A scan: the raster layer will show it; do not decode it here.
            self.scan = true;
            return;
        }
        if !self.start_call() {
            return;
        }
        let gray = self.s.grayscale;
        match image {
            Image::Stencil(stencil) => stencil.with_stencil(
                |mask, paint| {
                    let (rgb, alpha) = self.color(paint);
                    let (w, h) = (mask.width, mask.height);
                    let t = props.transform
                        * Affine::scale_non_uniform(
                            mask.scale_factors.0 as f64,
                            mask.scale_factors.1 as f64,
                        );
                    let a = |m: u8| (m as f32 * alpha).round() as u8;
                    let png = if gray {
                        let data = mask.data.iter().flat_map(|&m| [rgb[0], a(m)]).collect();
                        encode_png(w, h, png::ColorType::GrayscaleAlpha, data)
                    } else {
                        let data = mask
                            .data
                            .iter()
                            .flat_map(|&m| [rgb[0], rgb[1], rgb[2], a(m)])
                            .collect();
                        encode_png(w, h, png::ColorType::Rgba, data)
                    };
                    self.image(w, h, png, t, mask.interpolate);
                },
                None,
            ),
            Image::Raster(raster) => raster.with_rgba(
                |data, alpha| {
                    let (w, h) = (data.width(), data.height());
                    let (sx, sy) = data.scale_factors();
                    let t = props.transform * Affine::scale_non_uniform(sx as f64, sy as f64);
                    let smooth = data.interpolate();
                    let png = raster_png(data, alpha, gray);
                    self.image(w, h, png, t, smooth);
                },
                None,
            ),
        }
    }

    fn pop_clip(&mut self) {
        self.clip_stack.pop();
    }

    fn pop_transparency_group(&mut self) {
        if !self.full() {
            self.flush();
        }
        // A group whose tag is still unwritten drew nothing: it is left out whole.
        let written = matches!(self.groups.pop(), Some(None));
        if written && !self.full() {
            self.body.push_str("\n</g>");
        }
    }
}

/// The image's pixels as PNG: gray when `gray` (by [`luma`]), an alpha channel when the
/// image has one (resampled to the image's size by nearest neighbour if it differs).
fn raster_png(data: ImageData, alpha: Option<LumaData>, gray: bool) -> Option<Vec<u8>> {
    let (w, h) = (data.width(), data.height());
    let n = w as usize * h as usize;
    let levels: Vec<[u8; 3]> = match data {
        ImageData::Rgb(rgb) => rgb.data.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect(),
        ImageData::Luma(l) => l.data.iter().map(|&y| [y, y, y]).collect(),
    };
    let alpha: Option<Vec<u8>> = alpha.map(|a| {
        if a.width == w && a.height == h {
            a.data
        } else {
            (0..n)
                .map(|i| {
                    let (x, y) = ((i % w as usize) as u64, (i / w as usize) as u64);
                    let ax = (x * a.width as u64 / w as u64) as usize;
                    let ay = (y * a.height as u64 / h as u64) as usize;
                    a.data[ay * a.width as usize + ax]
                })
                .collect()
        }
    });
    let y = |p: &[u8; 3]| luma(p[0], p[1], p[2]);
    match (gray, alpha) {
        (true, None) => encode_png(w, h, png::ColorType::Grayscale, levels.iter().map(y).collect()),
        (true, Some(a)) => {
            let data = levels.iter().zip(a).flat_map(|(p, a)| [y(p), a]).collect();
            encode_png(w, h, png::ColorType::GrayscaleAlpha, data)
        }
        (false, None) => encode_png(w, h, png::ColorType::Rgb, levels.concat()),
        (false, Some(a)) => {
            let data = levels.iter().zip(a).flat_map(|(p, a)| [p[0], p[1], p[2], a]).collect();
            encode_png(w, h, png::ColorType::Rgba, data)
        }
    }
}

fn encode_png(w: u32, h: u32, color: png::ColorType, data: Vec<u8>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let written = encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&data).and_then(|_| writer.finish()));
    written.ok().map(|_| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A move to the first point and lines to the others, closed when `close`.
    fn polyline(points: &[(f64, f64)], close: bool) -> BezPath {
        let mut p = BezPath::new();
        p.move_to(points[0]);
        for &q in &points[1..] {
            p.line_to(q);
        }
        if close {
            p.close_path();
        }
        p
    }

    fn rect_path(x0: f64, y0: f64, x1: f64, y1: f64, close: bool) -> BezPath {
        polyline(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close)
    }

    #[test]
    fn colours_are_written_short_when_each_channel_repeats_its_digit() {
        let hex = |rgb| {
            let mut out = String::new();
            push_hex(&mut out, rgb);
            out
        };
        assert_eq!(hex([0x11, 0x22, 0x33]), "#123");
        assert_eq!(hex([0xff, 0xff, 0xff]), "#fff");
        assert_eq!(hex([0x00, 0x00, 0x00]), "#000");
        assert_eq!(hex([0x12, 0x22, 0x33]), "#122233");
        assert_eq!(hex([0x11, 0x21, 0x33]), "#112133");
        assert_eq!(hex([0x11, 0x22, 0x3a]), "#11223a");
        assert_eq!(hex([0x0a, 0xb0, 0xfe]), "#0ab0fe");
    }

    #[test]
    fn axis_rectangles_are_recognised_in_every_form() {
        assert!(is_axis_rect(&rect_path(0.0, 0.0, 10.0, 5.0, true)));
        assert!(is_axis_rect(&rect_path(0.0, 0.0, 10.0, 5.0, false)));
        // Vertical edge first, and back to the start before closing.
        let p = polyline(&[(2.0, 1.0), (2.0, 9.0), (7.0, 9.0), (7.0, 1.0), (2.0, 1.0)], true);
        assert!(is_axis_rect(&p));
        // Back to another point than the start.
        let mut p = rect_path(0.0, 0.0, 10.0, 5.0, false);
        p.line_to((1.0, 0.0));
        assert!(!is_axis_rect(&p));
        // A sheared quadrilateral, a triangle, a curve, a second subpath.
        let p = polyline(&[(0.0, 0.0), (10.0, 0.0), (11.0, 5.0), (0.0, 5.0)], false);
        assert!(!is_axis_rect(&p));
        let p = polyline(&[(0.0, 0.0), (10.0, 0.0), (10.0, 5.0)], true);
        assert!(!is_axis_rect(&p));
        let mut p = BezPath::new();
        p.move_to((0.0, 0.0));
        p.line_to((10.0, 0.0));
        p.quad_to((12.0, 2.0), (10.0, 5.0));
        p.line_to((0.0, 5.0));
        assert!(!is_axis_rect(&p));
        let mut p = rect_path(0.0, 0.0, 10.0, 5.0, true);
        p.move_to((20.0, 20.0));
        assert!(!is_axis_rect(&p));
        // Edges that are both vertical, then both horizontal: a bow tie, not a rectangle.
        let p = polyline(&[(0.0, 0.0), (0.0, 5.0), (0.0, 0.0), (10.0, 0.0)], false);
        assert!(!is_axis_rect(&p));
    }

    #[test]
    fn intersections_and_containment() {
        let a = Rect::new(0.0, 0.0, 100.0, 50.0);
        assert_eq!(
            intersect(a, Rect::new(90.0, 40.0, 200.0, 60.0)),
            Rect::new(90.0, 40.0, 100.0, 50.0)
        );
        assert_eq!(intersect(a, Rect::new(-5.0, -5.0, 200.0, 200.0)), a);
        // Touching boxes and disjoint ones leave nothing, at `a`'s corner.
        for b in [Rect::new(100.0, 0.0, 120.0, 50.0), Rect::new(0.0, 60.0, 10.0, 70.0)] {
            let r = intersect(a, b);
            assert!(r.is_zero_area(), "{b:?}");
            assert_eq!((r.x0, r.y0), (0.0, 0.0));
        }
        // `max` and `min` pass over a NaN side: it narrows nothing.
        assert_eq!(
            intersect(a, Rect::new(f64::NAN, 0.0, 10.0, 10.0)),
            Rect::new(0.0, 0.0, 10.0, 10.0)
        );
        assert!(contains(a, a));
        assert!(contains(Rect::new(0.0005, -0.0005, 99.9995, 50.0), a), "within the slack");
        assert!(!contains(Rect::new(0.01, 0.0, 100.0, 50.0), a));
        assert!(!contains(Rect::new(0.0, 0.0, 100.0, 49.99), a));
        assert!(!contains(Rect::new(0.0, 0.01, 100.0, 50.0), a));
        assert!(!contains(Rect::new(0.0, 0.0, 99.99, 50.0), a));
    }

    #[test]
    fn stroke_bounds_grow_by_the_join_reach_and_the_minimum_width() {
        let mut line = BezPath::new();
        line.move_to((10.0, 10.0));
        line.line_to((20.0, 10.0));
        let scale2 = Affine::scale(2.0);
        let fill = shape_bounds(&line, scale2, &DrawMode::Fill(FillRule::NonZero), 1.0);
        assert_eq!(fill, Rect::new(20.0, 20.0, 40.0, 20.0));
        let miter = StrokeProps { line_width: 4.0, miter_limit: 10.0, ..Default::default() };
        // Half the width (2) times the miter limit (10), doubled by the transform, then
        // half the 1 px minimum times the reach.
        let b = shape_bounds(&line, scale2, &DrawMode::Stroke(miter.clone()), 1.0);
        assert_eq!(b, Rect::new(20.0 - 45.0, 20.0 - 45.0, 40.0 + 45.0, 20.0 + 45.0));
        let bevel = StrokeProps { line_join: Join::Bevel, ..miter.clone() };
        let r = std::f64::consts::SQRT_2;
        let b = shape_bounds(&line, Affine::IDENTITY, &DrawMode::Stroke(bevel), 0.0);
        assert!((b.x0 - (10.0 - 2.0 * r)).abs() < 1e-12 && (b.y1 - (10.0 + 2.0 * r)).abs() < 1e-12);
        // A miter limit under sqrt 2 still reaches sqrt 2 (square caps).
        let low = StrokeProps { line_width: 2.0, miter_limit: 1.0, ..Default::default() };
        let b = shape_bounds(
            &line,
            Affine::IDENTITY,
            &DrawMode::FillAndStroke(FillRule::NonZero, low),
            0.0,
        );
        assert!((b.x0 - (10.0 - r)).abs() < 1e-12);
    }
}
