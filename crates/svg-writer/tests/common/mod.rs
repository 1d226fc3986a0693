//! Helpers shared by the SVG tests: generated PDFs, fixture pages, SVG rasterisation.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use diagram_core::{Annotation, ColorMode, Deadline, Limits, Region, ShapeKind, Vertex};
use diagram_raster::{Document, PageContent, PageImage, PngOptions, RenderOptions};
use lopdf::{dictionary, Object, Stream};

/// The shared fixtures folder beside the repository.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

/// A one-page PDF with the given boxes, rotation, unit and content stream.
pub struct PdfPage<'a> {
    pub media: [f64; 4],
    pub crop: Option<[f64; 4]>,
    pub rotate: i64,
    pub user_unit: Option<f64>,
    pub content: &'a str,
}

fn rect(r: [f64; 4]) -> Object {
    Object::Array(r.iter().map(|v| Object::Real(*v as f32)).collect())
}

pub fn make_pdf(spec: &PdfPage) -> Arc<[u8]> {
    let mut doc = lopdf::Document::with_version("1.6");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(dictionary! {}, spec.content.as_bytes().to_vec()));
    // A Type 3 font, /F3, whose glyph `a` is a filled square of its whole em.
    let square =
        doc.add_object(Stream::new(dictionary! {}, b"1000 0 d0 0 0 1000 1000 re f".to_vec()));
    // /Im1: a 4 x 4 gray image (levels 0, 16, .., 240) with a 2 x 4 soft mask (as tall
    // as the image, half as wide), which the embedded image's alpha channel resamples to
    // pairs of columns.
    let mask = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 4,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        vec![10, 60, 110, 200, 30, 90, 150, 250],
    ));
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 4, "Height" => 4,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "SMask" => mask,
        },
        (0..16).map(|i| i * 16).collect(),
    ));
    let type3 = dictionary! {
        "Type" => "Font", "Subtype" => "Type3",
        "FontBBox" => vec![0.into(), 0.into(), 1000.into(), 1000.into()],
        "FontMatrix" => vec![Object::Real(0.001), 0.into(), 0.into(), Object::Real(0.001), 0.into(), 0.into()],
        "CharProcs" => dictionary! { "a" => square },
        "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => vec![97.into(), Object::Name(b"a".to_vec())] },
        "FirstChar" => 97, "LastChar" => 97, "Widths" => vec![1000.into()],
    };
    let mut page = dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        // Helvetica as /F1 and the Type 3 font as /F3, for pages with text; /Im1; /Half,
        // a fill opacity of 0.5, and /HalfStroke, a stroke opacity of 0.5.
        "Resources" => dictionary! { "Font" => dictionary! {
            "F1" => dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
            "F3" => type3,
        }, "XObject" => dictionary! { "Im1" => image },
        "ExtGState" => dictionary! {
            "Half" => dictionary! { "ca" => Object::Real(0.5) },
            "HalfStroke" => dictionary! { "CA" => Object::Real(0.5) },
        } },
        "MediaBox" => rect(spec.media),
        "Rotate" => spec.rotate,
    };
    if let Some(crop) = spec.crop {
        page.set("CropBox", rect(crop));
    }
    if let Some(u) = spec.user_unit {
        page.set("UserUnit", Object::Real(u as f32));
    }
    let page_id = doc.add_object(page);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes.into()
}

pub fn open(bytes: Arc<[u8]>) -> Document {
    Document::open(bytes, &Limits::default()).unwrap()
}

pub fn rectangle(text: &str, page: u32, (x0, y0, x1, y1): (f64, f64, f64, f64)) -> Annotation {
    let v = |x, y| Vertex { x, y };
    Annotation {
        text: text.into(),
        confidence: Some(0.875),
        region: Region {
            shape: ShapeKind::Rectangle,
            page,
            vertices: vec![v(x0, y0), v(x1, y0), v(x1, y1), v(x0, y1)],
        },
        entities: None,
    }
}

/// The page rendered by diagram-raster at 150 DPI, as the backends get it.
pub fn content(doc: &Document, index: usize, colors: ColorMode) -> PageContent<'_> {
    let plan = doc.plan(index, &RenderOptions::default(), &Limits::default()).unwrap();
    let page = doc.render(&plan, colors, Deadline::NONE).unwrap();
    PageContent::new(doc, page, PngOptions::default(), Deadline::NONE)
}

/// Parses an SVG with usvg (no fonts, so the transparent tag text draws nothing) and
/// rasterises it with resvg at its own size onto white; returns gray levels by the same
/// luma formula as the PNG.
pub fn rasterise_gray(svg: &[u8]) -> (u32, u32, Vec<u8>) {
    let tree = usvg::Tree::from_data(svg, &usvg::Options::default()).expect("usvg parses the svg");
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::identity(), &mut pixmap.as_mut());
    let gray =
        pixmap.data().chunks_exact(4).map(|p| diagram_overlay::luma(p[0], p[1], p[2])).collect();
    (size.width(), size.height(), gray)
}

/// Gray levels of a page image.
pub fn gray_of(image: &PageImage) -> Vec<u8> {
    match image {
        PageImage::Gray(g) => g.as_raw().clone(),
        PageImage::Rgb(rgb) => {
            rgb.as_raw().chunks_exact(3).map(|p| diagram_overlay::luma(p[0], p[1], p[2])).collect()
        }
    }
}

/// The mean absolute difference of two gray images after averaging each over blocks of
/// `block` x `block` pixels (so anti-aliasing differences of single edge pixels count
/// little and misplaced strokes count fully), in gray levels 0 to 255.
pub fn block_mean_abs_diff(w: u32, h: u32, a: &[u8], b: &[u8], block: u32) -> f64 {
    assert_eq!(a.len(), b.len());
    let (bw, bh) = (w.div_ceil(block), h.div_ceil(block));
    let mut sums = vec![(0f64, 0f64, 0u32); (bw * bh) as usize];
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as usize;
            let cell = &mut sums[((y / block) * bw + x / block) as usize];
            cell.0 += a[i] as f64;
            cell.1 += b[i] as f64;
            cell.2 += 1;
        }
    }
    let total: f64 = sums.iter().map(|(sa, sb, n)| (sa - sb).abs() / *n as f64).sum();
    total / sums.len() as f64
}
