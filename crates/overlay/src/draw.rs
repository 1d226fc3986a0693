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
    let mut tile: Option<Pixmap> = None;
    for shape in scene.shapes() {
        let Some(path) = shape_path(&shape.geometry) else { continue };
        let Some((px0, py0, px1, py1)) = pixel_bounds(&shape.geometry, &shape.style, size) else {
            continue;
        };
        let mut ty = py0;
        while ty < py1 {
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
                composite(pixmap, pixels, size.width(), channels, (tx, ty, tw, th));
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
fn pixel_bounds(
    geometry: &ShapeGeometry,
    style: &Style,
    size: PixelSize,
) -> Option<(u32, u32, u32, u32)> {
    let (x0, y0, x1, y1) = geometry.bounds();
    let grow = style.stroke_width.max(0.0) as f64 / 2.0 + 1.0;
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

/// Source-over of the tile's premultiplied RGBA onto the page bytes.
fn composite(
    tile: &Pixmap,
    pixels: &mut [u8],
    page_width: u32,
    channels: Channels,
    (tx, ty, tw, th): (u32, u32, u32, u32),
) {
    let n = channels.bytes();
    let src = tile.data();
    for row in 0..th as usize {
        let src_row = &src[row * tw as usize * 4..][..tw as usize * 4];
        let start = ((ty as usize + row) * page_width as usize + tx as usize) * n;
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
