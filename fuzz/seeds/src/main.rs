//! Writes the seed inputs of the fuzz targets: small PDFs, images and requests made here,
//! each exercising one feature (or one hostile class of issue 10) of the input it stands
//! for, plus heads of a few real fixtures cut short.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml -p diagram-convert-fuzz-seeds -- OUT [FIXTURES]` writes
//! `OUT/<target>/<name>`; `scripts/fuzz.sh` runs it. The seeds are not committed: the
//! committed corpora (fuzz/corpus/) are these merged with what the fuzzer found, minimised.
#![forbid(unsafe_code)]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use miniz_oxide::deflate::compress_to_vec_zlib;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let out = PathBuf::from(args.next().expect("usage: seeds OUT [FIXTURES]"));
    let fixtures = args.next().map(PathBuf::from);
    let mut n = 0;
    let mut put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).expect("create the seed folder");
        std::fs::write(dir.join(name), bytes).expect("write a seed");
        n += 1;
    };
    for (name, bytes) in pdfs() {
        put("pdf", &name, &bytes);
    }
    for (name, bytes) in images() {
        put("image", &name, &bytes);
    }
    for (name, bytes) in requests() {
        put("request", &name, bytes.as_bytes());
    }
    for (name, bytes) in model_seeds() {
        put("request_model", &name, &bytes);
    }
    if let Some(dir) = fixtures {
        // The heads of real files: their headers, first objects and first image rows, cut
        // short where the fuzzer can grow them. Never whole files.
        for (target, rel, keep) in [
            ("image", "dataset-pid/image.png", 6000),
            ("image", "scans/pnid.tiff", 6000),
            ("pdf", "valhall/PH-ME-P-0004-001.pdf", 8000),
        ] {
            if let Some(head) = head(&dir.join(rel), keep) {
                put(target, &format!("head-{}", rel.replace('/', "-")), &head);
            }
        }
    }
    eprintln!("{n} seeds in {}", out.display());
}

fn head(path: &Path, keep: usize) -> Option<Vec<u8>> {
    let mut bytes = std::fs::read(path).ok()?;
    bytes.truncate(keep);
    Some(bytes)
}

/// A PDF from its objects (1-based, in order; object 1 is the catalog), with a correct
/// cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = vec![];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn obj(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

/// One page (object 3) of `media` with content stream object 4 and `resources`; further
/// objects (5, 6, ...) follow.
fn one_page(media: &str, resources: &str, content: Vec<u8>, more: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        obj("<< /Type /Catalog /Pages 2 0 R >>"),
        obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        obj(&format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {media} /Resources {resources} /Contents 4 0 R >>"
        )),
        content,
    ];
    objects.extend(more);
    pdf(&objects)
}

const LETTER: &str = "[0 0 612 792]";

/// PNG row filtering ("Up", predictor 12) of `rows` of `columns` bytes, then zlib.
fn predicted(rows: &[Vec<u8>]) -> Vec<u8> {
    let mut raw = vec![];
    let mut prev = vec![0u8; rows[0].len()];
    for row in rows {
        raw.push(2);
        raw.extend(row.iter().zip(&prev).map(|(a, b)| a.wrapping_sub(*b)));
        prev.clone_from(row);
    }
    compress_to_vec_zlib(&raw, 6)
}

fn pdfs() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = vec![];
    let mut add = |name: &str, bytes: Vec<u8>| v.push((format!("{name}.pdf"), bytes));

    add(
        "rects",
        one_page(
            LETTER,
            "<< >>",
            stream("", b"0 g 72 72 200 100 re f 0.5 g 300 400 50 50 re f"),
            vec![],
        ),
    );
    add(
        "strokes-dash",
        one_page(
            LETTER,
            "<< >>",
            stream("", b"2 w [3 1] 0 d 1 J 1 j 10 10 m 600 780 l 300 10 l h S [0.5] 0.25 d 0 0 m 612 792 l S"),
            vec![],
        ),
    );
    // Issue 10: sub-point dash segments on a long line.
    add(
        "dash-tiny",
        one_page(LETTER, "<< >>", stream("", b"[0.001 0.001] 0 d 0 0 m 612 792 l S"), vec![]),
    );
    add(
        "curves-clip",
        one_page(
            LETTER,
            "<< >>",
            stream(
                "",
                b"q 100 100 m 200 300 300 300 400 100 c h W n 1 0 0 rg 0 0 612 792 re f Q \
                  q 0.7071 0.7071 -0.7071 0.7071 300 300 cm 0 0 1 RG 0 0 100 100 re s Q \
                  50 50 m 100 150 v 150 50 y f*",
            ),
            vec![],
        ),
    );
    let flate = compress_to_vec_zlib(b"0.2 g 10 10 300 300 re f 1 0 0 RG 5 w 0 0 m 612 792 l S", 6);
    add("content-flate", one_page(LETTER, "<< >>", stream("/Filter /FlateDecode", &flate), vec![]));
    // A content stream through a PNG predictor; issue 10: /Columns x /Colors overflowing.
    let rows: Vec<Vec<u8>> = b"0 g 20 20 100 100 re f\n"
        .chunks(8)
        .map(|c| {
            let mut r = c.to_vec();
            r.resize(8, b' ');
            r
        })
        .collect();
    let pred = predicted(&rows);
    add(
        "content-predictor",
        one_page(
            LETTER,
            "<< >>",
            stream("/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 8 >>", &pred),
            vec![],
        ),
    );
    add(
        "content-predictor-overflow",
        one_page(
            LETTER,
            "<< >>",
            stream(
                "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 1073741824 /Colors 4 /BitsPerComponent 8 >>",
                &pred,
            ),
            vec![],
        ),
    );
    add(
        "filters-ascii",
        one_page(
            LETTER,
            "<< >>",
            stream("/Filter [/ASCIIHexDecode]", b"302067203130203130203130302031303020726520663e"),
            vec![],
        ),
    );
    add(
        "filters-lzw-rl",
        one_page(
            LETTER,
            "<< >>",
            stream("/Filter /ASCII85Decode", b"0JGLk+>GQ-+>P&o/0JG@N+E2@>~>"),
            vec![],
        ),
    );
    // Images: 8-bit gray, RGB through flate, 1-bit with a decode array, a mask.
    let gray: Vec<u8> = (0..16 * 16).map(|i| (i * 7 % 256) as u8).collect();
    let rgb: Vec<u8> = (0..8 * 8 * 3).map(|i| (i * 13 % 256) as u8).collect();
    let image_page = |dict: &str, data: &[u8]| {
        one_page(
            LETTER,
            "<< /XObject << /Im 5 0 R >> >>",
            stream("", b"q 200 0 0 200 100 100 cm /Im Do Q"),
            vec![stream(&format!("/Type /XObject /Subtype /Image {dict}"), data)],
        )
    };
    add(
        "image-gray",
        image_page("/Width 16 /Height 16 /ColorSpace /DeviceGray /BitsPerComponent 8", &gray),
    );
    add(
        "image-rgb-flate",
        image_page(
            "/Width 8 /Height 8 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode",
            &compress_to_vec_zlib(&rgb, 6),
        ),
    );
    add(
        "image-1bit-decode",
        image_page(
            "/Width 16 /Height 4 /ColorSpace /DeviceGray /BitsPerComponent 1 /Decode [1 0] /Interpolate true",
            &[0xaa, 0x55, 0xf0, 0x0f, 0xff, 0x00, 0x81, 0x18],
        ),
    );
    add(
        "image-stencil",
        image_page("/Width 8 /Height 2 /ImageMask true /BitsPerComponent 1", &[0xaa, 0x55]),
    );
    // Issue 10: an image whose width is near 2^32, and one whose predictor rows overflow.
    add(
        "image-huge-width",
        image_page(
            "/Width 4294967295 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8",
            &gray,
        ),
    );
    add(
        "image-predictor-overflow",
        image_page(
            "/Width 8 /Height 8 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode \
             /DecodeParms << /Predictor 15 /Columns 2147483647 /Colors 3 >>",
            &compress_to_vec_zlib(&rgb, 6),
        ),
    );
    add(
        "image-indexed",
        image_page(
            "/Width 4 /Height 4 /ColorSpace [/Indexed /DeviceRGB 3 <ff000000ff000000ffffffff>] /BitsPerComponent 2",
            &[0x1b, 0xe4, 0x1b, 0xe4],
        ),
    );
    // Inline images, one of them CCITT; issue 10: a CCITT width near 2^31.
    add(
        "inline-image",
        one_page(
            LETTER,
            "<< >>",
            stream("", b"q 100 0 0 100 50 50 cm BI /W 4 /H 4 /CS /G /BPC 8 ID \x00\x40\x80\xc0\x00\x40\x80\xc0\x00\x40\x80\xc0\x00\x40\x80\xc0 EI Q"),
            vec![],
        ),
    );
    add(
        "inline-ccitt",
        one_page(
            LETTER,
            "<< >>",
            stream("", b"q 100 0 0 100 50 50 cm BI /W 16 /H 2 /BPC 1 /IM true /F /CCF /DP << /K -1 /Columns 16 >> ID \x26\xa0\x00\x10\x01 EI Q"),
            vec![],
        ),
    );
    add(
        "inline-ccitt-wide",
        one_page(
            LETTER,
            "<< >>",
            stream("", b"q 100 0 0 100 50 50 cm BI /W 2147483647 /H 2 /BPC 1 /IM true /F /CCF /DP << /K -1 /Columns 2147483647 >> ID \x26\xa0\x00\x10\x01 EI Q"),
            vec![],
        ),
    );
    // Text in a standard font.
    add(
        "text-helvetica",
        one_page(
            LETTER,
            "<< /Font << /F1 5 0 R >> >>",
            stream(
                "",
                b"BT /F1 24 Tf 72 700 Td (21-PT-1019) Tj 0 -30 TD [(A) 120 (B)] TJ 2 Tr (C) ' ET",
            ),
            vec![obj(
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            )],
        ),
    );
    // Issue 10: an embedded TrueType font that is garbage.
    add(
        "text-bad-truetype",
        one_page(
            LETTER,
            "<< /Font << /F1 5 0 R >> >>",
            stream("", b"BT /F1 12 Tf 72 700 Td (abc) Tj ET"),
            vec![
                obj("<< /Type /Font /Subtype /TrueType /BaseFont /Junk /FirstChar 97 /LastChar 99 /Widths [500 500 500] /FontDescriptor 6 0 R >>"),
                obj("<< /Type /FontDescriptor /FontName /Junk /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 7 0 R >>"),
                stream("", b"\x00\x01\x00\x00\x00\x04garbage that is not a font"),
            ],
        ),
    );
    // Shadings, transparency and a pattern.
    add(
        "shading-alpha",
        one_page(
            LETTER,
            "<< /Shading << /Sh 5 0 R >> /ExtGState << /A 6 0 R >> /Pattern << /P 7 0 R >> >>",
            stream("", b"q 0 0 300 300 re W n /Sh sh Q /A gs 0 0 1 rg 100 100 300 300 re f /Pattern cs /P scn 300 300 200 200 re f"),
            vec![
                obj("<< /ShadingType 2 /ColorSpace /DeviceRGB /Coords [0 0 300 300] /Function << /FunctionType 2 /Domain [0 1] /C0 [1 0 0] /C1 [0 0 1] /N 1 >> /Extend [true true] >>"),
                obj("<< /Type /ExtGState /ca 0.5 /CA 0.5 /BM /Multiply >>"),
                stream("/PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] /XStep 10 /YStep 10 /Resources << >>", b"0 g 0 0 5 5 re f"),
            ],
        ),
    );
    // Form XObjects nested and fanning out (issue 10), and one that calls itself.
    add(
        "forms-fan-out",
        one_page(
            "[0 0 100 100]",
            "<< /XObject << /F 5 0 R >> >>",
            stream("", b"10 0 0 10 45 45 cm /F Do"),
            vec![
                stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /F 6 0 R >> >>", b"/F Do /F Do /F Do /F Do"),
                stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /F 7 0 R >> >>", b"/F Do /F Do /F Do /F Do"),
                stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1]", b"0 g 0 0 1 1 re f"),
            ],
        ),
    );
    add(
        "forms-recursive",
        one_page(
            LETTER,
            "<< /XObject << /F 5 0 R >> >>",
            stream("", b"/F Do"),
            vec![stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /F 5 0 R >> >>", b"0.5 0 0 0.5 10 10 cm /F Do")],
        ),
    );
    // Page boxes: rotation, crop box, user unit, inherited attributes, degenerate media box.
    add(
        "pages-boxes",
        pdf(&[
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 /MediaBox [0 0 200 100] /Rotate 90 >>"),
            obj("<< /Type /Page /Parent 2 0 R /Contents 6 0 R /CropBox [10 10 150 90] >>"),
            obj("<< /Type /Page /Parent 2 0 R /Contents 6 0 R /Rotate 270 /UserUnit 2.5 /MediaBox [-50 -50 50 50] >>"),
            obj("<< /Type /Page /Parent 2 0 R /Contents [6 0 R 6 0 R] /MediaBox [1 0 0 1 0 0] >>"),
            stream("", b"0 g 20 20 50 50 re f"),
        ]),
    );
    // An object stream and a cross-reference stream (PDF 1.5).
    add("xref-stream", xref_stream_pdf());
    v
}

/// A PDF whose page objects live in an object stream indexed by a cross-reference stream.
fn xref_stream_pdf() -> Vec<u8> {
    let inner = [
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R >>",
    ];
    let mut header = String::new();
    let mut body = String::new();
    for (i, o) in inner.iter().enumerate() {
        header.push_str(&format!("{} {} ", i + 2, body.len()));
        body.push_str(o);
        body.push(' ');
    }
    let objstm_data = format!("{header}{body}");
    let mut out = b"%PDF-1.5\n".to_vec();
    let catalog = out.len();
    out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    let content = out.len();
    out.extend_from_slice(b"4 0 obj\n");
    out.extend_from_slice(&stream("", b"0 g 10 10 100 50 re f"));
    out.extend_from_slice(b"\nendobj\n");
    let objstm = out.len();
    out.extend_from_slice(b"5 0 obj\n");
    out.extend_from_slice(&stream(
        &format!("/Type /ObjStm /N 2 /First {}", header.len()),
        objstm_data.as_bytes(),
    ));
    out.extend_from_slice(b"\nendobj\n");
    let xref = out.len();
    // Entries of 1 + 4 + 2 bytes: type, offset or stream, generation or index.
    let mut rows = vec![];
    let mut entry = |t: u8, a: usize, b: u16| {
        rows.push(t);
        rows.extend_from_slice(&(a as u32).to_be_bytes());
        rows.extend_from_slice(&b.to_be_bytes());
    };
    entry(0, 0, 65535);
    entry(1, catalog, 0);
    entry(2, 5, 0);
    entry(2, 5, 1);
    entry(1, content, 0);
    entry(1, objstm, 0);
    entry(1, xref, 0);
    out.extend_from_slice(b"6 0 obj\n");
    out.extend_from_slice(&stream(
        "/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode",
        &compress_to_vec_zlib(&rows, 6),
    ));
    out.extend_from_slice(format!("\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A PNG from its chunks, each with its CRC.
fn png_chunks(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in chunks {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut tagged = kind.to_vec();
        tagged.extend_from_slice(data);
        out.extend_from_slice(&tagged);
        out.extend_from_slice(&crc32(&tagged).to_be_bytes());
    }
    out
}

fn ihdr(width: u32, height: u32, depth: u8, color: u8, interlace: u8) -> Vec<u8> {
    let mut v = width.to_be_bytes().to_vec();
    v.extend_from_slice(&height.to_be_bytes());
    v.extend_from_slice(&[depth, color, 0, 0, interlace]);
    v
}

fn encode(img: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(vec![]);
    img.write_to(&mut out, format).expect("encode a seed image");
    out.into_inner()
}

fn images() -> Vec<(String, Vec<u8>)> {
    use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, LumaA, Rgb, Rgba};
    let gray = DynamicImage::ImageLuma8(ImageBuffer::from_fn(24, 16, |x, y| {
        Luma([(x * 10 + y * 3) as u8])
    }));
    let rgb = DynamicImage::ImageRgb8(ImageBuffer::from_fn(16, 12, |x, y| {
        Rgb([(x * 16) as u8, (y * 20) as u8, 128])
    }));
    let rgba = DynamicImage::ImageRgba8(ImageBuffer::from_fn(8, 8, |x, y| {
        Rgba([255, (x * 30) as u8, 0, (y * 32) as u8])
    }));
    let la =
        DynamicImage::ImageLumaA8(ImageBuffer::from_fn(8, 4, |x, _| LumaA([(x * 30) as u8, 200])));
    let gray16 =
        DynamicImage::ImageLuma16(ImageBuffer::from_fn(8, 8, |x, y| Luma([(x * 8000 + y) as u16])));
    let mut v = vec![
        ("gray.png".into(), encode(gray.clone(), ImageFormat::Png)),
        ("rgb.png".into(), encode(rgb.clone(), ImageFormat::Png)),
        ("rgba.png".into(), encode(rgba.clone(), ImageFormat::Png)),
        ("gray-alpha.png".into(), encode(la, ImageFormat::Png)),
        ("gray16.png".into(), encode(gray16.clone(), ImageFormat::Png)),
        ("gray.jpg".into(), encode(gray.clone(), ImageFormat::Jpeg)),
        ("rgb.jpg".into(), encode(rgb.clone(), ImageFormat::Jpeg)),
        ("gray.tiff".into(), encode(gray.clone(), ImageFormat::Tiff)),
        ("rgba.tiff".into(), encode(rgba, ImageFormat::Tiff)),
        ("gray16.tiff".into(), encode(gray16, ImageFormat::Tiff)),
    ];
    use tiff::encoder::{Compression, DeflateLevel};
    for (name, c) in [
        ("pages", Compression::Uncompressed),
        ("lzw", Compression::Lzw),
        ("packbits", Compression::Packbits),
        ("deflate", Compression::Deflate(DeflateLevel::default())),
    ] {
        v.push((format!("{name}.tiff"), tiff_pages(c)));
    }
    // A palette PNG with transparency and an interlaced one, by hand.
    let rows: Vec<u8> = (0..4u8).flat_map(|y| [0, y, y ^ 1, y ^ 2, y ^ 3]).collect();
    v.push((
        "palette.png".into(),
        png_chunks(&[
            (b"IHDR", ihdr(4, 4, 8, 3, 0)),
            (b"PLTE", vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]),
            (b"tRNS", vec![255, 128]),
            (b"IDAT", compress_to_vec_zlib(&rows, 6)),
            (b"IEND", vec![]),
        ]),
    ));
    let adam7: Vec<u8> = std::iter::repeat_n([0u8, 0x80], 15).flatten().collect();
    v.push((
        "interlaced.png".into(),
        png_chunks(&[
            (b"IHDR", ihdr(8, 8, 8, 0, 1)),
            (b"IDAT", compress_to_vec_zlib(&adam7, 6)),
            (b"IEND", vec![]),
        ]),
    ));
    // Issue 10: headers that declare hundreds of megapixels over a few bytes of data.
    v.push((
        "huge-header.png".into(),
        png_chunks(&[
            (b"IHDR", ihdr(30000, 30000, 8, 0, 0)),
            (b"IDAT", compress_to_vec_zlib(&[0u8; 64], 6)),
            (b"IEND", vec![]),
        ]),
    ));
    let mut jpeg = encode(rgb, ImageFormat::Jpeg);
    if let Some(sof) = jpeg.windows(2).position(|w| w == [0xff, 0xc0]) {
        // SOF0: marker, length (2), precision (1), then height and width.
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xea, 0x60, 0xea, 0x60]);
    }
    v.push(("huge-header.jpg".into(), jpeg));
    let mut tiff = encode(gray, ImageFormat::Tiff);
    patch_tiff_dimensions(&mut tiff, 100_000, 100_000);
    v.push(("huge-header.tiff".into(), tiff));
    v
}

fn tiff_pages(compression: tiff::encoder::Compression) -> Vec<u8> {
    use tiff::encoder::{colortype, TiffEncoder};
    let mut out = Cursor::new(vec![]);
    {
        let mut enc =
            TiffEncoder::new(&mut out).expect("tiff encoder").with_compression(compression);
        let a: Vec<u8> = (0..16 * 8).map(|i| (i * 3) as u8).collect();
        enc.write_image::<colortype::Gray8>(16, 8, &a).expect("page 1");
        let b: Vec<u8> = (0..8 * 8 * 3).map(|i| (i * 5) as u8).collect();
        enc.write_image::<colortype::RGB8>(8, 8, &b).expect("page 2");
    }
    out.into_inner()
}

/// Sets ImageWidth (256) and ImageLength (257) of the first directory of a little-endian
/// TIFF, as SHORT or LONG, whichever it holds.
fn patch_tiff_dimensions(tiff: &mut [u8], width: u32, height: u32) {
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let ifd = u32::from_le_bytes([tiff[4], tiff[5], tiff[6], tiff[7]]) as usize;
    for e in 0..u16_at(tiff, ifd) as usize {
        let at = ifd + 2 + 12 * e;
        let (tag, kind) = (u16_at(tiff, at), u16_at(tiff, at + 2));
        let value = match tag {
            256 => width,
            257 => height,
            _ => continue,
        };
        if kind == 3 {
            // A SHORT cannot hold more; make it a LONG.
            tiff[at + 2..at + 4].copy_from_slice(&4u16.to_le_bytes());
        }
        tiff[at + 8..at + 12].copy_from_slice(&value.to_le_bytes());
    }
}

fn requests() -> Vec<(String, String)> {
    let rect = r#"{"shape": "rectangle", "page": 1, "vertices": [{"x": 0.1, "y": 0.1}, {"x": 0.1, "y": 0.2}, {"x": 0.3, "y": 0.2}, {"x": 0.3, "y": 0.1}]}"#;
    let poly = r#"{"shape": "polygon", "page": 2, "vertices": [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 0.5, "y": 1}]}"#;
    let annotation = |region: &str, extra: &str| {
        format!(r#"{{"text": "21-PT-1019", "confidence": 0.93, "region": {region}{extra}}}"#)
    };
    let entities =
        r#", "entities": [{"id": 7, "name": "pump", "tags": ["a", "b"], "nested": {"k": null}}]"#;
    let good = format!(
        r#"{{"items": [{{"fileExternalId": "a.pdf", "annotations": [{}, {}]}}, {{"fileId": 42, "annotations": []}}, {{"fileInstanceId": {{"space": "s", "externalId": "b.png"}}, "annotations": [{}]}}], "grayscale": false}}"#,
        annotation(rect, entities),
        annotation(poly, ""),
        annotation(rect, ""),
    );
    vec![
        ("good.json".into(), good),
        ("minimal.json".into(), r#"{"items": [{"fileId": 1, "annotations": []}]}"#.into()),
        (
            "violations.json".into(),
            r#"{"items": [{"fileId": 1, "fileExternalId": "x", "annotations": [{"text": "", "confidence": 2, "region": {"shape": "circle", "page": 0, "vertices": [{"x": -1, "y": 1e400}]}, "entities": []}]}, {"fileExternalId": "", "annotations": null}], "grayscale": "yes", "extra": [1, {"deep": [[[[]]]]}]}"#.into(),
        ),
        ("duplicate.json".into(), r#"{"items": [{"fileExternalId": "a", "annotations": []}, {"fileExternalId": "a", "annotations": []}]}"#.into()),
        ("malformed.json".into(), "{\"items\": [{\"fileId\": 1, \"annotations\": [\u{1b}]".into()),
        ("empty.json".into(), r#"{"items": []}"#.into()),
    ]
}

fn model_seeds() -> Vec<(String, Vec<u8>)> {
    // Unstructured reads its integers in ranges from the front; these pick generous
    // limits, a few items and annotations, then mostly valid coordinates.
    vec![
        ("generous.bin".into(), [vec![4, 4, 6, 3, 3, 64, 16, 16, 0, 3, 1], vec![2u8; 96]].concat()),
        ("strict.bin".into(), [vec![4, 4, 6, 3, 3, 64, 16, 16, 1, 2, 0], vec![1u8; 64]].concat()),
        ("zero-limits.bin".into(), vec![0; 32]),
    ]
}
