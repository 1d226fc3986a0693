//! PH-ME-P-0156-001: a scan drawn on a page under /Rotate 90, rendered at 150 DPI against
//! a reference built here from the embedded image itself, without another renderer.
//!
//! The page is 842 x 1191 pt turned to 1191 x 842, i.e. 2481.25 x 1754.17 pixels at
//! 150 DPI, rounded to a 2481 x 1754 pixmap; the content stream draws the 2382 x 1684
//! image over the whole page with a quarter turn that undoes the page's. pdftoppm and
//! MuPDF draw it over the exact page snapped out to whole pixels, 2482 x 1755 (the
//! render must match that), not stretched over the rounded pixmap, 2481 x 1754 (what
//! this renderer drew before: 4.30/255 from pdftoppm by check-job.py's measure).

mod common;
use common::render;

use std::sync::Arc;

use diagram_raster::{luma, Document, PageImage, RenderOptions};
use hayro::hayro_syntax::object::Stream;

/// The image of the page's only image XObject as 8-bit gray, with its width and height.
fn embedded_scan(bytes: Arc<[u8]>) -> (Vec<u8>, usize, usize) {
    let data = hayro::hayro_syntax::PdfData::from(Arc::new(bytes.to_vec()));
    let pdf = hayro::hayro_syntax::Pdf::new(data).expect("a PDF");
    let page = &pdf.pages()[0];
    let xobjects = &page.resources().x_objects;
    let name = xobjects.keys().next().expect("one image");
    let stream: Stream<'_> = xobjects.get(&name).expect("an image stream");
    let (w, h) = (
        stream.dict().get::<usize>(b"Width").unwrap(),
        stream.dict().get::<usize>(b"Height").unwrap(),
    );
    let rgb = stream.decoded().expect("the image decodes");
    assert_eq!(rgb.len(), w * h * 3, "8-bit RGB");
    (rgb.chunks_exact(3).map(|p| luma(p[0], p[1], p[2])).collect(), w, h)
}

/// The image resampled bilinearly onto a `width` x `height` pixmap, its pixel grid
/// stretched over `span_w` x `span_h` pixels from the top-left corner.
#[allow(clippy::too_many_arguments)]
fn reference(
    image: &[u8],
    iw: usize,
    ih: usize,
    width: u32,
    height: u32,
    span_w: f64,
    span_h: f64,
) -> Vec<f64> {
    let (sx, sy) = (span_w / iw as f64, span_h / ih as f64);
    let at = |x: isize, y: isize| {
        let (x, y) = (x.clamp(0, iw as isize - 1) as usize, y.clamp(0, ih as isize - 1) as usize);
        image[y * iw + x] as f64
    };
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height {
        let v = (y as f64 + 0.5) / sy - 0.5;
        let (y0, fy) = (v.floor() as isize, v - v.floor());
        for x in 0..width {
            let u = (x as f64 + 0.5) / sx - 0.5;
            let (x0, fx) = (u.floor() as isize, u - u.floor());
            let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
            let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
            out.push(top * (1.0 - fy) + bottom * fy);
        }
    }
    out
}

/// Mean absolute difference of the 4x4-block averages (check-job.py's measure).
fn pooled_diff(a: &[f64], b: &[f64], width: usize, height: usize) -> f64 {
    let (bw, bh) = (width / 4, height / 4);
    let mut total = 0.0;
    for by in 0..bh {
        for bx in 0..bw {
            let mut d = 0.0;
            for y in by * 4..by * 4 + 4 {
                for x in bx * 4..bx * 4 + 4 {
                    d += a[y * width + x] - b[y * width + x];
                }
            }
            total += (d / 16.0).abs();
        }
    }
    total / (bw * bh) as f64
}

#[test]
fn rotated_scan_lands_where_pdftoppm_and_mupdf_draw_it() {
    let bytes = common::fixture("valhall/PH-ME-P-0156-001.pdf");
    let doc = Document::open(bytes.clone(), &diagram_core::Limits::default()).unwrap();
    let page = render(&doc, 0, &RenderOptions::default(), diagram_core::ColorMode::Gray).unwrap();
    let PageImage::Gray(img) = page.image else { panic!("gray by default") };
    assert_eq!(img.dimensions(), (2481, 1754));
    let ours: Vec<f64> = img.as_raw().iter().map(|v| *v as f64).collect();
    let (scan, iw, ih) = embedded_scan(bytes);
    assert_eq!((iw, ih), (2382, 1684));

    let (w, h) = (2481usize, 1754usize);
    let snapped = reference(&scan, iw, ih, 2481, 1754, 2482.0, 1755.0);
    let stretched = reference(&scan, iw, ih, 2481, 1754, 2481.0, 1754.0);
    let to_snapped = pooled_diff(&ours, &snapped, w, h);
    let to_stretched = pooled_diff(&ours, &stretched, w, h);
    eprintln!("0156-001: {to_snapped:.2} from the snapped frame, {to_stretched:.2} from the stretched one");
    assert!(to_snapped < 0.5, "{to_snapped:.2} from the image snapped out to 2482 x 1755");
    assert!(to_stretched > 4.0 * to_snapped, "{to_stretched:.2} vs {to_snapped:.2}");
}
