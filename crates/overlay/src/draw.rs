//! Drawing a scene onto page pixels with tiny-skia, one small tile at a time.

use std::fmt;

use diagram_core::PixelSize;
use tiny_skia::{FillRule, Paint, Path, PathBuilder, Pixmap, Stroke, Transform};

use crate::scene::{Outline, Scene, ShapeGeometry};
use crate::style::{luma, Color, Style};

/// The side of the largest tile a shape is drawn into before it is composited onto the
/// page: 512 x 512 RGBA pixels, 1 MiB, whatever the page size.
pub const TILE: u32 = 512;

/// The layout of the page bytes given to [`draw`]: rows top to bottom, no padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channels {
    /// One byte per pixel, 8-bit gray.
    Gray,
    /// Three bytes per pixel, 8-bit R, G, B.
    Rgb,
}

impl Channels {
    /// Bytes per pixel.
    pub fn bytes(self) -> usize {
        match self {
            Channels::Gray => 1,
            Channels::Rgb => 3,
        }
    }
}

/// Why a scene could not be drawn onto a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrawError {
    /// The page buffer does not hold `size` pixels of the given channels.
    BufferSize {
        /// The bytes that `size` and the channels need.
        expected: u64,
        /// The bytes given.
        found: usize,
    },
    /// The strip given to [`draw_rows`] is not whole rows of the page from its first row.
    Strip {
        /// The strip's first row.
        y0: u32,
        /// The bytes given.
        found: usize,
        /// The page's size.
        size: PixelSize,
    },
    /// The scene was built for another page size than the buffer's.
    SizeMismatch {
        /// The scene's size.
        scene: PixelSize,
        /// The buffer's size.
        buffer: PixelSize,
    },
}

impl fmt::Display for DrawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DrawError::BufferSize { expected, found } => {
                write!(f, "the page buffer holds {found} bytes where {expected} are needed")
            }
            DrawError::Strip { y0, found, size } => write!(
                f,
                "a strip of {found} bytes from row {y0} is not whole rows of the {size} page"
            ),
            DrawError::SizeMismatch { scene, buffer } => write!(
                f,
                "the highlights were placed on a {scene} page but the page is {buffer} pixels"
            ),
        }
    }
}

impl std::error::Error for DrawError {}

/// Draws every shape of `scene`, anti-aliased, onto `pixels`, a page of `size` in the
/// given channel layout (source-over compositing; gray pages get the luminance of the
/// premultiplied colour, see [`crate::luma`]).
///
/// Memory: each shape is drawn into a tile of at most [`TILE`] x [`TILE`] pixels covering
/// part of its bounding box and composited from there, so no full-page RGBA pixmap is
/// ever allocated, even for an A0 page.
pub fn draw(
    scene: &Scene,
    pixels: &mut [u8],
    size: PixelSize,
    channels: Channels,
) -> Result<(), DrawError> {
    if scene.size() != size {
        return Err(DrawError::SizeMismatch { scene: scene.size(), buffer: size });
    }
    let expected = size.area() * channels.bytes() as u64;
    if pixels.len() as u64 != expected {
        return Err(DrawError::BufferSize { expected, found: pixels.len() });
    }
    draw_rows(scene, pixels, 0, channels)
}

/// Draws the part of `scene` that falls on `rows`, a horizontal strip of the page the
/// scene was built for: whole rows of [`Scene::size`]'s width from row `y0` down, in the
/// given channel layout. Drawing a page strip by strip, in any heights, gives exactly
/// the pixels of [`draw`] on the whole page: this is how highlights go onto a page that
/// is rendered in bands.
///
/// Each shape is drawn into the same tiles as [`draw`] draws it (a tile that straddles
/// two strips is drawn for each and composited only onto its rows), so memory stays one
/// tile whatever the strip.
pub fn draw_rows(
    scene: &Scene,
    rows: &mut [u8],
    y0: u32,
    channels: Channels,
) -> Result<(), DrawError> {
    let size = scene.size();
    let row_bytes = size.width() as usize * channels.bytes();
    let count = rows.len() / row_bytes;
    if !rows.len().is_multiple_of(row_bytes) || y0 as u64 + count as u64 > size.height() as u64 {
        return Err(DrawError::Strip { y0, found: rows.len(), size });
    }
    let (band0, band1) = (y0, y0 + count as u32);
    let mut tile: Option<Pixmap> = None;
    for shape in scene.shapes() {
        let Some((px0, py0, px1, py1)) = pixel_bounds(&shape.geometry, &shape.style, size) else {
            continue;
        };
        if py1 <= band0 || py0 >= band1 {
            continue;
        }
        let Some(path) = shape_path(&shape.geometry) else { continue };
        // The tiles of the shape's whole box, as on the whole page, from the first that
        // reaches the strip.
        let mut ty = py0 + (band0.saturating_sub(py0) / TILE) * TILE;
        while ty < py1.min(band1) {
            let th = (py1 - ty).min(TILE);
            let mut tx = px0;
            while tx < px1 {
                let tw = (px1 - tx).min(TILE);
                // A tile of exactly the covered pixels: clearing a full 512 x 512 tile for
                // every small box would cost more than drawing it.
                let pixmap = match &mut tile {
                    Some(p) if p.width() == tw && p.height() == th => {
                        p.fill(tiny_skia::Color::TRANSPARENT);
                        p
                    }
                    slot => slot
                        .insert(Pixmap::new(tw, th).expect("a tile has 1 to 512 pixels per side")),
                };
                paint_shape(pixmap, &path, &shape.style, tx, ty);
                composite(pixmap, rows, (band0, band1), size.width(), channels, (tx, ty, tw, th));
                tx += tw;
            }
            ty += th;
        }
    }
    Ok(())
}

fn shape_path(geometry: &ShapeGeometry) -> Option<Path> {
    let mut pb = PathBuilder::new();
    match geometry.outline() {
        Outline::Rect { x0, y0, x1, y1 } => {
            pb.push_rect(tiny_skia::Rect::from_ltrb(
                *x0 as f32, *y0 as f32, *x1 as f32, *y1 as f32,
            )?);
        }
        Outline::Polygon(points) => {
            let (first, rest) = points.split_first()?;
            pb.move_to(first.0 as f32, first.1 as f32);
            for p in rest {
                pb.line_to(p.0 as f32, p.1 as f32);
            }
            pb.close();
        }
    }
    pb.finish()
}

/// The pixels a shape can touch (its box grown by half the stroke and one pixel of
/// anti-aliasing), clipped to the page; `None` when it is off the page.
/// The miter limit of the outlines (tiny-skia's `Stroke::default()`, as `paint_shape`
/// strokes them): past it a corner is beveled.
const MITER_LIMIT: f64 = 4.0;

fn pixel_bounds(
    geometry: &ShapeGeometry,
    style: &Style,
    size: PixelSize,
) -> Option<(u32, u32, u32, u32)> {
    let (x0, y0, x1, y1) = geometry.bounds();
    // A stroke reaches half its width past the outline, and a miter join up to the miter
    // limit times that past a sharp corner; one pixel more holds its anti-aliased edge.
    let grow = style.stroke_width.max(0.0) as f64 / 2.0 * MITER_LIMIT + 1.0;
    let clamp_w = |v: f64| v.clamp(0.0, size.width() as f64) as u32;
    let clamp_h = |v: f64| v.clamp(0.0, size.height() as f64) as u32;
    let (px0, py0) = (clamp_w((x0 - grow).floor()), clamp_h((y0 - grow).floor()));
    let (px1, py1) = (clamp_w((x1 + grow).ceil()), clamp_h((y1 + grow).ceil()));
    (px1 > px0 && py1 > py0).then_some((px0, py0, px1, py1))
}

fn skia_paint(color: Color) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(color.r, color.g, color.b, color.a);
    paint.anti_alias = true;
    paint
}

fn paint_shape(pixmap: &mut Pixmap, path: &Path, style: &Style, tx: u32, ty: u32) {
    let transform = Transform::from_translate(-(tx as f32), -(ty as f32));
    if style.fill.a > 0 {
        pixmap.fill_path(path, &skia_paint(style.fill), FillRule::Winding, transform, None);
    }
    if style.stroke.a > 0 && style.stroke_width > 0.0 && style.stroke_width.is_finite() {
        let stroke = Stroke { width: style.stroke_width, ..Stroke::default() };
        pixmap.stroke_path(path, &skia_paint(style.stroke), &stroke, transform, None);
    }
}

/// Source-over of the tile's premultiplied RGBA onto the page bytes of rows `band0` to
/// `band1` (exclusive), which `pixels` holds.
fn composite(
    tile: &Pixmap,
    pixels: &mut [u8],
    (band0, band1): (u32, u32),
    page_width: u32,
    channels: Channels,
    (tx, ty, tw, th): (u32, u32, u32, u32),
) {
    let n = channels.bytes();
    let src = tile.data();
    let first = band0.saturating_sub(ty);
    let last = (band1.min(ty + th)).saturating_sub(ty);
    for row in first as usize..last as usize {
        let src_row = &src[row * tw as usize * 4..][..tw as usize * 4];
        let page_row = ty as usize + row - band0 as usize;
        let start = (page_row * page_width as usize + tx as usize) * n;
        let dst_row = &mut pixels[start..start + tw as usize * n];
        for (s, d) in src_row.chunks_exact(4).zip(dst_row.chunks_exact_mut(n)) {
            let a = s[3] as u32;
            if a == 0 {
                continue;
            }
            let keep = 255 - a;
            let over = |src: u8, dst: &mut u8| {
                *dst = ((src as u32 * 255 + *dst as u32 * keep + 127) / 255).min(255) as u8;
            };
            match channels {
                Channels::Gray => over(luma(s[0], s[1], s[2]), &mut d[0]),
                Channels::Rgb => {
                    for c in 0..3 {
                        over(s[c], &mut d[c]);
                    }
                }
            }
        }
    }
}
