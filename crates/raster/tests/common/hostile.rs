//! Generators of hostile inputs, one per class of issue 10: each a plain function of the
//! value that makes it hostile, returning the file's bytes. [`all_classes`] gives a
//! sample of every class over a spread of values, with a file name for each.
//!
//! Not a module of `common` (whose other users lack its dependencies): a test declares
//! it beside `mod common;` as `#[path = "common/hostile.rs"] mod hostile;` (the CLI's
//! tests do so by a longer path). It needs `lopdf`, `image` and `miniz_oxide`, and reads
//! one real scan from the shared fixtures at run time.
#![allow(dead_code)]

use lopdf::{dictionary, Document, Object, Stream};

use crate::common::{fan_out_pdf, fixture, single_page_pdf};

/// A page of `content` (uncompressed) on a 200 x 200 pt media box with `resources`.
fn page_with(doc: Document, content: Stream, resources: lopdf::Dictionary) -> Vec<u8> {
    let mut doc = doc;
    let content = doc.add_object(content);
    let page = dictionary! {
        "Type" => "Page",
        "MediaBox" => vec![0.into(), 0.into(), 200.into(), 200.into()],
        "Contents" => content,
        "Resources" => resources,
    };
    single_page_pdf(doc, page)
}

fn zlib(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// A content stream compressed with Flate and a PNG predictor whose row is `columns`
/// pixels of `colors` 8-bit components: near 2^31 columns, the row size overflows or
/// asks for gigabytes before a row is read.
pub fn predictor_content(columns: u64, colors: u8) -> Vec<u8> {
    let data = zlib(b"\x000 g 10 10 50 50 re f\n");
    let stream = Stream::new(
        dictionary! {
            "Filter" => "FlateDecode",
            "DecodeParms" => dictionary! {
                "Predictor" => 12, "Colors" => colors as i64, "BitsPerComponent" => 8,
                "Columns" => columns as i64,
            },
        },
        data,
    );
    page_with(Document::with_version("1.5"), stream, dictionary! {})
}

/// An image XObject (8 x 8 gray) whose Flate data carries a PNG predictor of `columns`
/// columns of `colors` components.
pub fn predictor_image(columns: u64, colors: u8) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 8, "Height" => 8,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            "Filter" => "FlateDecode",
            "DecodeParms" => dictionary! {
                "Predictor" => 15, "Colors" => colors as i64, "BitsPerComponent" => 8,
                "Columns" => columns as i64,
            },
        },
        zlib(&[0x80; 72]),
    ));
    let content = Stream::new(dictionary! {}, b"100 0 0 100 50 50 cm /Im Do".to_vec());
    page_with(doc, content, dictionary! { "XObject" => dictionary! { "Im" => image } })
}

/// The real scan `valhall/PH-ME-P-0156-001.pdf` (read from the shared fixtures) with
/// the `/Width` of its image(s) changed to `width`.
pub fn scan_with_width(width: u32) -> Vec<u8> {
    let bytes = fixture("valhall/PH-ME-P-0156-001.pdf");
    let mut doc = Document::load_mem(&bytes).expect("the fixture loads");
    for obj in doc.objects.values_mut() {
        if let Object::Stream(s) = obj {
            if s.dict.get(b"Subtype").and_then(|o| o.as_name()).ok() == Some(b"Image") {
                s.dict.set("Width", width as i64);
            }
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("lopdf writes to memory");
    out
}

/// A 190-point line stroked with a dash pattern of `dash` points on, `dash` off: at
/// 1e-6 that is about 10^8 dashes.
pub fn dashed_line(dash: f64) -> Vec<u8> {
    let content = format!("0 G 1 w [{dash:.9} {dash:.9}] 0 d 5 100 m 195 100 l S\n");
    let stream = Stream::new(dictionary! {}, content.into_bytes());
    page_with(Document::with_version("1.5"), stream, dictionary! {})
}

/// An inline CCITT Group 4 image of `width` columns and one row.
pub fn inline_ccitt(width: u32) -> Vec<u8> {
    let mut content = format!(
        "q 100 0 0 10 50 100 cm BI /W {width} /H 1 /BPC 1 /IM true /F /CCF \
         /DP << /K -1 /Columns {width} >> ID "
    )
    .into_bytes();
    // A few bytes of Group 4 codes (all-white rows), then the end of the image.
    content.extend_from_slice(&[0x26, 0xA0, 0x00, 0x10, 0x01]);
    content.extend_from_slice(b"\nEI Q\n");
    let stream = Stream::new(dictionary! {}, content);
    page_with(Document::with_version("1.5"), stream, dictionary! {})
}

/// A page drawing one image XObject whose dictionary says 16 x 16 gray, with `filter`
/// and `data`.
fn page_with_image(filter: &str, data: Vec<u8>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 16, "Height" => 16,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => filter,
        },
        data,
    ));
    let content = Stream::new(dictionary! {}, b"q 100 0 0 100 50 50 cm /Im0 Do Q".to_vec());
    page_with(doc, content, dictionary! { "XObject" => dictionary! { "Im0" => image } })
}

/// A JPEG 2000 codestream's main header (one 8-bit gray component, one tile, no
/// wavelet levels) for a `width` x `height` image, with one empty tile: behind a 16 x 16
/// image dictionary, the codestream alone declares the size.
pub fn jpx_huge(width: u32, height: u32) -> Vec<u8> {
    let mut j = vec![0xFF, 0x4F]; // SOC
    j.extend_from_slice(&[0xFF, 0x51, 0, 41, 0, 0]); // SIZ, Lsiz = 38 + 3, Rsiz
    for v in [width, height, 0, 0, width, height, 0, 0] {
        j.extend_from_slice(&v.to_be_bytes());
    }
    j.extend_from_slice(&[0, 1, 7, 1, 1]); // one component: 8-bit unsigned, no subsampling
                                           // COD: no precincts, LRCP, 1 layer, no MCT, 0 levels, 64 x 64 code-blocks, 5-3.
    j.extend_from_slice(&[0xFF, 0x52, 0, 12, 0, 0, 0, 1, 0, 0, 4, 4, 0, 1]);
    j.extend_from_slice(&[0xFF, 0x5C, 0, 4, 0x40, 0x40]); // QCD: no quantisation
    j.extend_from_slice(&[0xFF, 0x90, 0, 10, 0, 0, 0, 0, 0, 14, 0, 1]); // SOT, Psot = 14
    j.extend_from_slice(&[0xFF, 0x93]); // SOD, no data
    j.extend_from_slice(&[0xFF, 0xD9]); // EOC
    page_with_image("JPXDecode", j)
}

/// An embedded JBIG2 stream whose page information segment declares `width` x `height`
/// (and an end of page): behind a 16 x 16 image dictionary.
pub fn jbig2_huge(width: u32, height: u32) -> Vec<u8> {
    let mut j = Vec::new();
    // Segment 0: page information (type 48), no referred segments, page 1, 19 bytes.
    j.extend_from_slice(&[0, 0, 0, 0, 48, 0, 1, 0, 0, 0, 19]);
    j.extend_from_slice(&width.to_be_bytes());
    j.extend_from_slice(&height.to_be_bytes());
    j.extend_from_slice(&[0; 8]); // no resolution
    j.extend_from_slice(&[0, 0, 0]); // flags, no striping
                                     // Segment 1: end of page (type 49), no data.
    j.extend_from_slice(&[0, 0, 0, 1, 49, 0, 1, 0, 0, 0, 0]);
    page_with_image("JBIG2Decode", j)
}

/// Two quarter circles of radius 10^`exp` points from the page's centre, closed along the
/// x axis, filled (`stroke` false) or stroked at about one pixel and left open: at any
/// radius past 10^6 the page shows the upper half filled (or a line from the centre to
/// the right edge). vello flattened such a curve whole: at 10^18, 37 s and 21 GB.
pub fn huge_curve(exp: u32, stroke: bool) -> Vec<u8> {
    let scale = format!("1{}", "0".repeat(exp as usize));
    let width = format!("0.{}1", "0".repeat(exp as usize - 1));
    let (paint, end) = match stroke {
        true => (format!("{width} w"), "S"),
        false => (String::new(), "h f"),
    };
    let content = format!(
        "q {scale} 0 0 {scale} 100 100 cm {paint} 0 0 m 1 0 1 1 0 1 c 0 1 -1 1 -1 0 c {end} Q"
    );
    page_with(
        Document::with_version("1.5"),
        Stream::new(dictionary! {}, content.into_bytes()),
        dictionary! {},
    )
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A PNG whose header declares `width` x `height` 8-bit RGB pixels, with the data of
/// its first 64 rows only (a few kilobytes).
pub fn png_huge(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let rows = height.min(64) as usize;
    let raw = vec![0_u8; rows * (1 + width as usize * 3).min(1 << 16)];
    chunk(&mut out, b"IDAT", &zlib(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A real 16 x 16 JPEG whose frame header is changed to `width` x `height`.
pub fn jpeg_huge(width: u16, height: u16) -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_pixel(16, 16, image::Rgb([200, 10, 10]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .expect("encodes");
    let sof = out.windows(2).position(|w| w == [0xFF, 0xC0]).expect("baseline JPEG");
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}

/// Nested form XObjects that fan out: `fan^depth` squares (see `fan_out_pdf`).
pub fn fan_out(depth: u32, fan: u32) -> Vec<u8> {
    fan_out_pdf(depth, fan)
}

/// A page of text in a TrueType font whose embedded program (`/FontFile2`) is `len`
/// bytes of garbage from `seed`; `sfnt_header` starts it with a TrueType table
/// directory so that it looks like a font at first sight.
pub fn garbage_truetype(seed: u64, len: usize, sfnt_header: bool) -> Vec<u8> {
    let mut state = seed | 1;
    let mut program: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    if sfnt_header && program.len() >= 12 {
        program[..12].copy_from_slice(&[0, 1, 0, 0, 0, 4, 0, 64, 0, 2, 0, 0]);
    }
    let mut doc = Document::with_version("1.5");
    let file = doc.add_object(Stream::new(dictionary! {}, program));
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => "Garbage", "Flags" => 32,
        "FontBBox" => vec![0.into(), 0.into(), 1000.into(), 1000.into()],
        "ItalicAngle" => 0, "Ascent" => 800, "Descent" => -200, "CapHeight" => 700,
        "StemV" => 80, "FontFile2" => file,
    });
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "Garbage",
        "FirstChar" => 32, "LastChar" => 126,
        "Widths" => vec![Object::Integer(500); 95],
        "FontDescriptor" => descriptor,
    });
    let content = Stream::new(dictionary! {}, b"BT /F1 24 Tf 20 100 Td (HELLO) Tj ET".to_vec());
    page_with(doc, content, dictionary! { "Font" => dictionary! { "F1" => font } })
}

/// The degenerate media boxes: arrays that are not four numbers enclosing an area.
pub const DEGENERATE_BOXES: &[&[f64]] = &[
    &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
    &[0.0, 0.0, 0.0, 0.0],
    &[0.0, 0.0, 612.0],
    &[10.0, 10.0, 10.0, 500.0],
    &[],
];

/// A one-page PDF whose `/MediaBox` is `DEGENERATE_BOXES[which % len]`, with a mark.
pub fn degenerate_media_box(which: usize) -> Vec<u8> {
    let values = DEGENERATE_BOXES[which % DEGENERATE_BOXES.len()];
    let mut doc = Document::with_version("1.5");
    let content = doc.add_object(Stream::new(dictionary! {}, b"0 g 100 100 50 50 re f".to_vec()));
    let page = dictionary! {
        "Type" => "Page",
        "MediaBox" => values.iter().map(|v| Object::Real(*v as f32)).collect::<Vec<_>>(),
        "Contents" => content,
        "Resources" => dictionary! {},
    };
    single_page_pdf(doc, page)
}

/// One sample of every class over a spread of values, each with a file name that says
/// what it is.
pub fn all_classes() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (columns, colors) in [(1_u64 << 31, 1), ((1 << 31) - 1, 3), (1 << 30, 255)] {
        out.push((
            format!("predictor-content-{columns}x{colors}.pdf"),
            predictor_content(columns, colors),
        ));
        out.push((
            format!("predictor-image-{columns}x{colors}.pdf"),
            predictor_image(columns, colors),
        ));
    }
    for width in [u32::MAX, u32::MAX - 7, 1 << 31] {
        out.push((format!("scan-width-{width}.pdf"), scan_with_width(width)));
    }
    for dash in [1e-6, 1e-7, 3e-8] {
        out.push((format!("dash-{dash:e}.pdf"), dashed_line(dash)));
    }
    for width in [(1_u32 << 31) - 1, 1 << 30, u32::MAX] {
        out.push((format!("ccitt-width-{width}.pdf"), inline_ccitt(width)));
    }
    for (w, h) in [(20_000_u32, 20_000_u32), (60_000, 10_000), (1 << 16, 1 << 16)] {
        out.push((format!("png-{w}x{h}.png"), png_huge(w, h)));
    }
    for (w, h) in [(65_535_u16, 65_535_u16), (40_000, 30_000), (65_000, 20_000)] {
        out.push((format!("jpeg-{w}x{h}.jpg"), jpeg_huge(w, h)));
    }
    out.push(("huge-curve-18.pdf".to_string(), huge_curve(18, false)));
    // One each: the CLI's hostile job holds every class in the contract's 50 items
    // (hostile.rs draws both over ranges).
    out.push(("jpx-60000x60000.pdf".to_string(), jpx_huge(60_000, 60_000)));
    out.push(("jbig2-65535x30000.pdf".to_string(), jbig2_huge(65_535, 30_000)));
    for (depth, fan) in [(8_u32, 10_u32), (12, 6)] {
        out.push((format!("fan-out-{depth}x{fan}.pdf"), fan_out(depth, fan)));
    }
    for (seed, sfnt) in [(1_u64, false), (2, true), (3, true)] {
        out.push((format!("garbage-truetype-{seed}.pdf"), garbage_truetype(seed, 4096, sfnt)));
    }
    for which in 0..DEGENERATE_BOXES.len() {
        out.push((format!("media-box-{which}.pdf"), degenerate_media_box(which)));
    }
    out
}
