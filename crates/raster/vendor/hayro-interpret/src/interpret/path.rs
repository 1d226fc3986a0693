use crate::context::{Context, path_as_rect};
use crate::device::Device;
use crate::util::{BezPathExt, Float32Ext, x_y_advances};
use crate::{DrawMode, FillRule, StrokeProps};
use kurbo::{BezPath, Cap, Join, PathEl};

/// diagram-convert patch 4: the opacity, relative to the fill's, of the one-pixel line
/// drawn for a fill that encloses no area (poppler's coverage of such a fill).
pub(crate) const ZERO_AREA_FILL_OPACITY: f32 = 0.125;

pub(crate) fn fill_path<'a>(
    context: &mut Context<'a>,
    device: &mut impl Device<'a>,
    fill_rule: FillRule,
) {
    fill_path_impl(context, device, fill_rule, None);
    end_path(context, device);
}

pub(crate) fn stroke_path<'a>(context: &mut Context<'a>, device: &mut impl Device<'a>) {
    stroke_path_impl(context, device, None);
    end_path(context, device);
}

pub(crate) fn fill_stroke_path<'a>(
    context: &mut Context<'a>,
    device: &mut impl Device<'a>,
    fill_rule: FillRule,
) {
    fill_path_impl(context, device, fill_rule, None);
    stroke_path_impl(context, device, None);
    end_path(context, device);
}

pub(crate) fn end_path<'a>(context: &mut Context<'a>, device: &mut impl Device<'a>) {
    if let Some(clip) = context.clip_mut().take()
        && !context.path().elements().is_empty()
    {
        let clip_path = context.ctm() * context.path().clone();
        context.push_clip_path(clip_path, clip, device);
    }

    context.path_mut().truncate(0);
}

pub(crate) fn close_path(context: &mut Context<'_>) {
    // This is necessary to prevent artifacts (see for example issue 157),
    // but it does cause some weird lines (maybe conflation artifacts) in
    // pdftc_900k_0907.
    if context.path().elements().last() != Some(&PathEl::ClosePath) && !context.path().is_empty() {
        context.path_mut().close_path();

        *(context.last_point_mut()) = *context.sub_path_start();
    }
}

pub(crate) fn fill_path_impl<'a>(
    context: &mut Context<'a>,
    device: &mut impl Device<'a>,
    fill_rule: FillRule,
    path: Option<&BezPath>,
) {
    if !context.ocg_state.is_visible() {
        return;
    }

    let props = context.draw_props(false);

    let mut draw = |path: &BezPath| {
        // pdf.js issue 4260: Replace zero-sized paths with a small stroke instead.
        let bbox = path.fast_bounding_box();
        let (x_advance, y_advance) = x_y_advances(&props.transform);
        match (
            ((bbox.width() * x_advance.length()) as f32).is_nearly_zero(),
            ((bbox.height() * y_advance.length()) as f32).is_nearly_zero(),
        ) {
            (false, false) => {
                let draw_mode = DrawMode::Fill(fill_rule);
                if let Some(rect) = path_as_rect(path) {
                    device.draw_rect(&rect, props.clone(), &draw_mode);
                } else {
                    device.draw_path(path, props.clone(), &draw_mode);
                }
            }
            _ => {
                let mut path = BezPath::new();
                path.move_to((bbox.x0, bbox.y0));
                path.line_to((bbox.x1, bbox.y1));

                let scale = x_advance.length().max(y_advance.length()) as f32;
                let stroke_props = StrokeProps {
                    line_width: if scale > 0.0 { 1.0 / scale } else { 0.001 },
                    line_join: Join::Bevel,
                    line_cap: Cap::Butt,
                    ..Default::default()
                };

                // diagram-convert patch 4: the stand-in line is drawn at an eighth of the
                // fill's opacity, as poppler paints such a fill (its 4x4 anti-aliasing
                // grid sees the two edges of the empty area in 2 of the 16 samples of
                // each pixel on it). Drawn opaque, AutoCAD output through some PDF
                // printers (thousands of `x y m x y' l f` per page) came out several
                // times as dark as poppler's render.
                let faint = context.draw_props_faded(false, ZERO_AREA_FILL_OPACITY);
                device.draw_path(&path, faint, &DrawMode::Stroke(stroke_props));
            }
        };
    };

    match path {
        None => draw(context.path()),
        Some(path) => draw(path),
    };
}

pub(crate) fn stroke_path_impl<'a>(
    context: &mut Context<'a>,
    device: &mut impl Device<'a>,
    path: Option<&BezPath>,
) {
    if !context.ocg_state.is_visible() {
        return;
    }

    let stroke_props = context.stroke_props().clone();
    let props = context.draw_props(true);

    let path = path.unwrap_or(context.path());
    let draw_mode = DrawMode::Stroke(stroke_props);

    if let Some(rect) = path_as_rect(path) {
        device.draw_rect(&rect, props, &draw_mode);
    } else {
        device.draw_path(path, props, &draw_mode);
    }
}
