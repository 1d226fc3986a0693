//! Pixel comparison of two images, the expected | diff | actual picture written when
//! they differ, and SVGs rasterised with resvg.

use std::path::Path;

use image::{DynamicImage, GenericImage, GenericImageView, Rgb, RgbImage};

/// How far two images may differ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// A pixel differs when one of its channels differs by more than this.
    pub channel: u8,
    /// How many pixels may differ.
    pub max_pixels: u64,
}

/// What a comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// Pixels with a channel that differs by more than the tolerance.
    pub differing: u64,
    /// The largest difference of any channel of any pixel.
    pub max_channel_diff: u8,
    /// All pixels.
    pub total: u64,
}

/// Decodes a PNG (or any image `image` reads).
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, String> {
    image::load_from_memory(bytes).map_err(|e| format!("cannot decode the image: {e}"))
}

/// A short name of the image's pixel layout, e.g. `8-bit gray`.
pub fn layout(img: &DynamicImage) -> String {
    format!("{:?}", img.color())
}

/// Compares two images of the same size and layout channel by channel; `Err` says why
/// they cannot be compared.
pub fn compare(
    expected: &DynamicImage,
    actual: &DynamicImage,
    tol: Tolerance,
) -> Result<Comparison, String> {
    if expected.dimensions() != actual.dimensions() {
        let (ew, eh) = expected.dimensions();
        let (aw, ah) = actual.dimensions();
        return Err(format!("size {aw}x{ah}, expected {ew}x{eh}"));
    }
    if expected.color() != actual.color() {
        return Err(format!("pixel layout {}, expected {}", layout(actual), layout(expected)));
    }
    let e = expected.as_bytes();
    let a = actual.as_bytes();
    let channels = expected.color().bytes_per_pixel() as usize;
    let mut cmp = Comparison { differing: 0, max_channel_diff: 0, total: 0 };
    for (pe, pa) in e.chunks_exact(channels).zip(a.chunks_exact(channels)) {
        let d = pe.iter().zip(pa).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0);
        cmp.max_channel_diff = cmp.max_channel_diff.max(d);
        cmp.differing += u64::from(d > tol.channel);
        cmp.total += 1;
    }
    Ok(cmp)
}

/// Whether a comparison is within the tolerance.
pub fn within(cmp: &Comparison, tol: Tolerance) -> bool {
    cmp.differing <= tol.max_pixels
}

/// Writes `expected | diff | actual` side by side as one PNG. In the diff, pixels beyond
/// the tolerance are red (brighter for larger differences) over a faded copy of the
/// expected image. Images of different sizes are placed top-left on a white canvas.
pub fn write_diff(
    path: &Path,
    expected: &DynamicImage,
    actual: &DynamicImage,
    channel_tolerance: u8,
) -> Result<(), String> {
    let (e, a) = (expected.to_rgb8(), actual.to_rgb8());
    let w = e.width().max(a.width());
    let h = e.height().max(a.height());
    let gap = 4;
    let mut out = RgbImage::from_pixel(3 * w + 2 * gap, h, Rgb([255, 0, 255]));
    let mut diff = RgbImage::from_pixel(w, h, Rgb([255, 0, 0]));
    for y in 0..h {
        for x in 0..w {
            let pe = e.get_pixel_checked(x, y);
            let pa = a.get_pixel_checked(x, y);
            let px = match (pe, pa) {
                (Some(pe), Some(pa)) => {
                    let d = pe.0.iter().zip(pa.0).map(|(p, q)| p.abs_diff(q)).max().unwrap_or(0);
                    if d > channel_tolerance {
                        Rgb([128 + d / 2, 0, 0])
                    } else {
                        let v = (191 + pe.0.iter().map(|&c| c as u32).sum::<u32>() / 12) as u8;
                        Rgb([v, v, v])
                    }
                }
                // Outside one of the two images.
                _ => Rgb([255, 0, 0]),
            };
            diff.put_pixel(x, y, px);
        }
    }
    let mut place = |img: &RgbImage, x0: u32| {
        let mut canvas = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
        canvas.copy_from(img, 0, 0).expect("the canvas holds the image");
        out.copy_from(&canvas, x0, 0).expect("the strip holds the canvas");
    };
    place(&e, 0);
    place(&diff, w + gap);
    place(&a, 2 * (w + gap));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    out.save(path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// [`compare`] restricted to the pixels of `region` (`x0, y0, x1, y1`, end exclusive,
/// clipped to the images): how many of them differ by more than `channel`, and how many
/// there are. The images must have the same size and layout.
pub fn compare_region(
    expected: &DynamicImage,
    actual: &DynamicImage,
    channel: u8,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
) -> (u64, u64) {
    let (w, h) = expected.dimensions();
    let (e, a) = (expected.to_rgb8(), actual.to_rgb8());
    let (mut differing, mut total) = (0, 0);
    for y in y0.min(h)..y1.min(h) {
        for x in x0.min(w)..x1.min(w) {
            let (pe, pa) = (e.get_pixel(x, y), a.get_pixel(x, y));
            let d = pe.0.iter().zip(pa.0).map(|(p, q)| p.abs_diff(q)).max().unwrap_or(0);
            differing += u64::from(d > channel);
            total += 1;
        }
    }
    (differing, total)
}

/// Rasterises an SVG with resvg onto white, scaled to `width` x `height` pixels.
pub fn rasterise_svg(svg: &[u8], width: u32, height: u32) -> Result<image::DynamicImage, String> {
    let tree = usvg::Tree::from_data(svg, &usvg::Options::default())
        .map_err(|e| format!("usvg cannot parse it: {e}"))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| format!("cannot make a {width}x{height} pixmap"))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    let size = tree.size();
    let transform = resvg::tiny_skia::Transform::from_scale(
        width as f32 / size.width(),
        height as f32 / size.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    // Opaque after the white fill, so dropping alpha loses nothing.
    let rgb: Vec<u8> = pixmap.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    image::RgbImage::from_raw(width, height, rgb)
        .map(image::DynamicImage::ImageRgb8)
        .ok_or_else(|| "the pixmap has an unexpected size".to_string())
}
