//! Choosing a page's pixel size within the pixel limits.

use diagram_core::{PageFrame, PageGeometry, PixelSize};

/// The longest side rendered. vello_cpu takes `u16` sizes and rounds them up to whole
/// tiles internally, so a side near 65535 overflows (a panic, measured with 65535); 65280
/// is 255 tiles of 256 pixels, a size every tile grid of the rasteriser divides.
pub(crate) const MAX_SIDE: u32 = 65_280;

/// `frame` scaled down to stay within `max_pixels` (and 65280 pixels per side), as
/// [`crate::Document::plan`] scales a page; `frame` itself when it fits. For renders of a
/// page at a second, smaller size (e.g. the image an SVG raster layer embeds).
pub fn fit_frame(frame: &PageFrame, max_pixels: u64) -> PageFrame {
    match fit(*frame.geometry(), frame.scale(), max_pixels.max(1)) {
        Some((fitted, _)) => fitted,
        // A frame's scale is positive and finite, so `fit` always has an answer.
        None => *frame,
    }
}

/// The frame of a page at `scale` output pixels per point (per pixel for images), scaled
/// down when it exceeds `max_pixels` or a side exceeds [`MAX_SIDE`]; the warning says so.
/// `None` when `scale` is not a positive finite number.
pub(crate) fn fit(
    geometry: PageGeometry,
    scale: f64,
    max_pixels: u64,
) -> Option<(PageFrame, Option<String>)> {
    let natural = PageFrame::new(geometry, scale)?;
    let fits =
        |s: PixelSize| s.area() <= max_pixels && s.width() <= MAX_SIDE && s.height() <= MAX_SIDE;
    if fits(natural.size()) {
        return Some((natural, None));
    }
    let (w, h) = geometry.displayed_size_pt();
    let (w, h) = (w * scale, h * scale);
    let by_area = (max_pixels as f64 / (w * h)).sqrt();
    let by_side = (MAX_SIDE as f64 / w).min(MAX_SIDE as f64 / h);
    let mut factor = by_area.min(by_side).min(1.0);
    let mut frame = PageFrame::new(geometry, scale * factor)?;
    // Rounding to whole pixels can overshoot by a pixel row; shrink until it fits. Each
    // step takes off 0.1%, and a 1x1 page always fits, so this ends.
    while !fits(frame.size()) && (frame.size().width() > 1 || frame.size().height() > 1) {
        factor *= 0.999;
        frame = PageFrame::new(geometry, scale * factor)?;
    }
    let size = frame.size();
    let limit = if by_side < by_area {
        format!("{MAX_SIDE} pixels per side")
    } else {
        format!("{max_pixels} pixels")
    };
    let warning = format!(
        "page scaled to {factor:.2}x ({}x{} px) to stay within {limit}",
        size.width(),
        size.height()
    );
    Some((frame, Some(warning)))
}
