//! PNG, JPEG and TIFF inputs stream onto the page row by row: the pixels are those of
//! decoding the whole image with the `image` crate, compositing it onto white, converting
//! it (formulas written out here) and resizing it with `image`'s bilinear filter; and a
//! scan of hundreds of megapixels converts in a few megabytes.

use std::io::Cursor;
use std::sync::Arc;

use diagram_core::{ColorMode, Deadline, Limits};
use diagram_raster::{Document, RenderOptions};
use image::imageops::{resize, FilterType};
use image::{DynamicImage, GrayImage, ImageFormat, RgbImage};
use tiff::encoder::{colortype, TiffEncoder};

/// A pattern with every value and sharp edges, so that resampling errors show.
fn pattern(w: u32, h: u32, channels: u32, seed: u32) -> Vec<u8> {
    (0..h)
        .flat_map(|y| {
            (0..w).flat_map(move |x| {
                (0..channels).map(move |c| {
                    let v = x.wrapping_mul(31 + c) ^ y.wrapping_mul(17 + seed) ^ (x * y) >> 3;
                    if (x / 5 + y / 3) % 7 == 0 {
                        0
                    } else {
                        v as u8
                    }
                })
            })
        })
        .collect()
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

/// The page the old whole-image path made, from the formulas: alpha composited onto
/// white, `(c a + 255 (255 - a) + 127) / 255`; gray as Rec. 601 luma,
/// `(299 R + 587 G + 114 B + 500) / 1000`; then `image`'s bilinear resize.
fn expected(bytes: &[u8], size: (u32, u32), colors: ColorMode) -> Vec<u8> {
    let rgba = image::load_from_memory(bytes).unwrap().into_rgba8();
    let (w, h) = rgba.dimensions();
    let over = |c: u8, a: u8| ((c as u32 * a as u32 + 255 * (255 - a as u32) + 127) / 255) as u8;
    let rgb: Vec<[u8; 3]> =
        rgba.pixels().map(|p| [over(p[0], p[3]), over(p[1], p[3]), over(p[2], p[3])]).collect();
    match colors {
        ColorMode::Gray => {
            let luma = |p: &[u8; 3]| {
                ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32 + 500) / 1000) as u8
            };
            let g = GrayImage::from_raw(w, h, rgb.iter().map(luma).collect()).unwrap();
            resize(&g, size.0, size.1, FilterType::Triangle).into_raw()
        }
        ColorMode::Rgb => {
            let c = RgbImage::from_raw(w, h, rgb.into_iter().flatten().collect()).unwrap();
            resize(&c, size.0, size.1, FilterType::Triangle).into_raw()
        }
    }
}

/// Renders page 1 through `render_rows` in bands of a few rows, checking the bands'
/// order, and returns the page's bytes.
fn streamed(bytes: &[u8], image_scale: f64, colors: ColorMode) -> ((u32, u32), Vec<u8>) {
    let doc = Document::open(Arc::from(bytes), &Limits::default()).unwrap();
    // About three rows per band, so that bands end inside the filter's reach.
    let options = RenderOptions { image_scale, band_bytes: 4 * 3 * 60, ..Default::default() };
    let plan = doc.plan(0, &options, &Limits::default()).unwrap();
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    let size = (plan.frame.size().width(), plan.frame.size().height());
    let mut out = Vec::new();
    let row = size.0 as usize * colors.channels();
    doc.render_rows(&plan, colors, Deadline::NONE, &mut |y0, rows| {
        assert_eq!(out.len(), y0 as usize * row, "bands in order");
        assert_eq!(rows.len() % row, 0, "whole rows");
        out.extend_from_slice(rows);
    })
    .unwrap();
    // And `render`, which collects the same rows.
    let whole = doc.render(&plan, colors, Deadline::NONE).unwrap().image;
    assert_eq!(whole.as_bytes(), &out[..], "render and render_rows agree");
    (size, out)
}

fn inputs() -> Vec<(String, Vec<u8>)> {
    let (w, h) = (61, 47);
    let mut inputs = Vec::new();
    let images = [
        ("l8", DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, pattern(w, h, 1, 1)).unwrap())),
        (
            "la8",
            DynamicImage::ImageLumaA8(
                image::ImageBuffer::from_raw(w, h, pattern(w, h, 2, 2)).unwrap(),
            ),
        ),
        ("rgb8", DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, pattern(w, h, 3, 3)).unwrap())),
        (
            "rgba8",
            DynamicImage::ImageRgba8(
                image::RgbaImage::from_raw(w, h, pattern(w, h, 4, 4)).unwrap(),
            ),
        ),
        (
            "l16",
            DynamicImage::ImageLuma16(
                image::ImageBuffer::from_raw(
                    w,
                    h,
                    pattern(w, h, 2, 5)
                        .chunks(2)
                        .map(|b| u16::from_le_bytes([b[0], b[1]]))
                        .collect(),
                )
                .unwrap(),
            ),
        ),
        (
            "rgba16",
            DynamicImage::ImageRgba16(
                image::ImageBuffer::from_raw(
                    w,
                    h,
                    pattern(w, h, 8, 6)
                        .chunks(2)
                        .map(|b| u16::from_le_bytes([b[0], b[1]]))
                        .collect(),
                )
                .unwrap(),
            ),
        ),
    ];
    for (name, image) in &images {
        inputs.push((format!("{name}.png"), encode(image, ImageFormat::Png)));
        // `image` writes no gray-and-alpha TIFF.
        if *name != "la8" {
            inputs.push((format!("{name}.tiff"), encode(image, ImageFormat::Tiff)));
        }
    }
    for name in ["l8", "rgb8"] {
        let image = &images.iter().find(|(n, _)| *n == name).unwrap().1;
        inputs.push((format!("{name}.jpg"), encode(image, ImageFormat::Jpeg)));
    }
    // A palette PNG with transparency, and 1-bit gray.
    let mut palette = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut palette, w, h);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Four);
        enc.set_palette((0..16u8).flat_map(|i| [i * 16, 255 - i * 16, i * 7]).collect::<Vec<_>>());
        enc.set_trns((0..16u8).map(|i| i * 17).collect::<Vec<_>>());
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = pattern(w.div_ceil(2), h, 1, 7);
        writer.write_image_data(&data).unwrap();
    }
    inputs.push(("palette4.png".into(), palette));
    let mut bits = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bits, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&pattern(w.div_ceil(8), h, 1, 8)).unwrap();
    }
    inputs.push(("gray1.png".into(), bits));
    // A TIFF in strips of 7 rows, the last one short.
    let mut strips = Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut strips).unwrap();
        let mut image = enc.new_image::<colortype::RGB8>(w, h).unwrap();
        image.rows_per_strip(7).unwrap();
        image.write_data(&pattern(w, h, 3, 9)).unwrap();
    }
    inputs.push(("strips7.tiff".into(), strips.into_inner()));
    inputs
}

#[test]
fn streamed_images_have_the_pixels_of_a_whole_decode() {
    for (name, bytes) in inputs() {
        for scale in [1.0, 0.37, 0.5, 1.6] {
            for colors in [ColorMode::Gray, ColorMode::Rgb] {
                let (size, got) = streamed(&bytes, scale, colors);
                let want = expected(&bytes, size, colors);
                let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
                assert!(
                    got.len() == want.len() && differ == 0,
                    "{name} at {scale} in {colors:?}: {differ} of {} bytes differ",
                    want.len()
                );
            }
        }
    }
}

/// A gray PNG written a row at a time (so the test holds no page either): lines every
/// 100 pixels on white.
fn big_gray_png(w: u32, h: u32) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let mut row = vec![255u8; w as usize];
        for x in (0..w as usize).step_by(100) {
            row[x] = 0;
        }
        let line = vec![0u8; w as usize];
        for y in 0..h {
            stream.write_all(if y % 100 == 0 { &line } else { &row }).unwrap();
        }
        stream.finish().unwrap();
    }
    out
}

/// The child's side of [`a_scan_of_hundreds_of_megapixels_streams_in_a_few_megabytes`]:
/// converts the PNG named by `IMAGE_ROWS_FILE` at `IMAGE_ROWS_SCALE`, sums its ink
/// (255 - gray over the page), and prints it with its peak resident size. Does nothing in a normal run.
#[test]
fn image_rows_child() {
    let Ok(path) = std::env::var("IMAGE_ROWS_FILE") else { return };
    let scale: f64 = std::env::var("IMAGE_ROWS_SCALE").unwrap().parse().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let doc = Document::open(Arc::from(bytes), &Limits::default()).unwrap();
    let options = RenderOptions { image_scale: scale, ..Default::default() };
    let plan = doc.plan(0, &options, &Limits::default()).unwrap();
    let mut ink = 0u64;
    let mut rows = 0u64;
    let width = plan.frame.size().width() as usize;
    doc.render_rows(&plan, ColorMode::Gray, Deadline::NONE, &mut |_, band| {
        ink += band.iter().map(|&v| u64::from(255 - v)).sum::<u64>();
        rows += (band.len() / width) as u64;
    })
    .unwrap();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    println!("IMAGE_ROWS {} {rows} {ink} {}", plan.frame.size(), hwm);
}

/// An A0 sheet scanned at 600 DPI, 19866x28087 gray (558 M pixels), converts at its size
/// and at half of it in a child process whose peak stays under 64 MiB: a row of the scan
/// at a time, not the 558 MB image, nor the 4.5 GB of floating-point rows that the
/// `image` crate's resize to half size holds.
#[test]
#[cfg(target_os = "linux")]
fn a_scan_of_hundreds_of_megapixels_streams_in_a_few_megabytes() {
    let (w, h) = (19866, 28087);
    let dir = std::env::temp_dir().join(format!("image-rows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a0-600dpi.png");
    std::fs::write(&path, big_gray_png(w, h)).unwrap();
    for scale in [1.0, 0.5] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "image_rows_child", "--nocapture", "--test-threads=1"])
            .env("IMAGE_ROWS_FILE", &path)
            .env("IMAGE_ROWS_SCALE", scale.to_string())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.find("IMAGE_ROWS ").map(|at| l[at..].to_string()))
            .unwrap_or_else(|| {
                panic!("no report at {scale}: {stdout} {}", String::from_utf8_lossy(&out.stderr))
            });
        eprintln!("{line}");
        let f: Vec<&str> = line.split_whitespace().collect();
        let (pw, ph) = f[1].split_once('x').unwrap();
        let (pw, ph): (u32, u32) = (pw.parse().unwrap(), ph.parse().unwrap());
        let want = ((w as f64 * scale).round() as u32, (h as f64 * scale).round() as u32);
        assert!(pw.abs_diff(want.0) <= 1 && ph.abs_diff(want.1) <= 1, "size: {line}");
        if scale == 1.0 {
            assert_eq!((pw, ph), (w, h), "the exact size, no scaling: {line}");
        }
        assert_eq!(f[2], ph.to_string(), "every row: {line}");
        // Black lines every 100 pixels each way cover 1.99 % of the scan; resampling
        // keeps the mean, so the page at half size carries the same share of ink.
        let ink: f64 = f[3].parse().unwrap();
        let share = ink / (255.0 * pw as f64 * ph as f64);
        assert!((share - 0.0199).abs() < 0.002, "{share} of the page is ink: {line}");
        let kb: u64 = f[5].parse().unwrap();
        assert!(kb < 64 * 1024, "peak {kb} kB: {line}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
