//! The generator of the golden cases' inputs: small PDFs written with `lopdf` and small
//! PNG, JPEG and TIFF images, each with its `request.json` and `case.json`.
//!
//! Every case draws the same marks: a red square, a blue bar, a green right triangle and
//! a black diagonal stroke (plus a line of text in PDFs), so a wrong rotation, a shifted
//! origin or a lost crop box shows at a glance. The annotations sit on those marks. Their
//! normalised coordinates are computed here by hand-written formulas for each rotation,
//! independent of `diagram_core::geometry`, so a geometry bug moves the page and the
//! boxes apart instead of moving both together.

use std::io::Cursor;

use lopdf::{dictionary, Document, Object, Stream};
use serde_json::{json, Value};

/// The canonical page, in points: 4 x 3 inches, 200 x 150 px at 50 DPI.
const W: f64 = 288.0;
const H: f64 = 216.0;

/// One generated case: its folder name and the files it holds besides the references.
pub struct GeneratedCase {
    /// The folder name under `fixtures/golden/`.
    pub name: String,
    /// `(file name, bytes)`: the input(s), `request.json` and `case.json`.
    pub files: Vec<(String, Vec<u8>)>,
}

/// A mark of the canonical drawing, in canonical page units (y up, origin bottom-left).
#[derive(Clone, Copy)]
enum Mark {
    Square,
    Bar,
    Triangle,
    Text,
}

impl Mark {
    /// The mark's outline in canonical units, with a margin around it.
    fn outline(self) -> Vec<(f64, f64)> {
        match self {
            Mark::Square => rect_pts(20.0, 20.0, 76.0, 76.0),
            Mark::Bar => rect_pts(196.0, 146.0, 268.0, 194.0),
            // The right angle at the top-left; the polygon hugs the triangle with a margin.
            Mark::Triangle => vec![(18.0, 198.0), (108.0, 198.0), (18.0, 122.0)],
            Mark::Text => rect_pts(106.0, 90.0, 200.0, 114.0),
        }
    }
}

fn rect_pts(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    vec![(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
}

/// The content stream of the canonical drawing, in canonical units.
fn canonical_content(text: bool) -> String {
    let mut s = String::new();
    // A grey frame, the marks, and a stroke that crosses the page's lower half.
    s.push_str("0.6 G 2 w 4 4 280 208 re S\n");
    s.push_str("1 0 0 rg 24 24 48 48 re f\n");
    s.push_str("0 0 1 rg 200 150 64 40 re f\n");
    s.push_str("0 0.6 0 rg 24 192 m 96 192 l 24 132 l h f\n");
    s.push_str("0 G 3 w 150 30 m 260 110 l S\n");
    if text {
        s.push_str("0 g BT /F1 16 Tf 110 96 Td (21-PT-1019) Tj ET\n");
    }
    s
}

/// A PDF page: its boxes, rotation, unit and how the canonical drawing sits on it.
#[derive(Clone, Copy)]
struct PdfPage {
    media: [f64; 4],
    crop: Option<[f64; 4]>,
    rotate: i64,
    user_unit: Option<f64>,
    /// `cm` that places the canonical drawing (288 x 216 units) onto the visible box.
    place: [f64; 6],
    /// Whether the page inherits its media box from the page tree instead of holding it.
    inherit_media: bool,
    /// A black mark outside the crop box that must not show.
    outside_mark: Option<[f64; 4]>,
    /// More content after the canonical drawing, in canonical units, away from the marks.
    extra: &'static str,
}

impl PdfPage {
    fn plain(rotate: i64) -> Self {
        PdfPage {
            media: [0.0, 0.0, W, H],
            crop: None,
            rotate,
            user_unit: None,
            place: [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            inherit_media: false,
            outside_mark: None,
            extra: "",
        }
    }

    /// How far the canonical drawing is scaled on this page (1 unless placed smaller).
    fn scale(&self) -> f64 {
        self.place[0]
    }
}

fn num(v: f64) -> Object {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        Object::Integer(v as i64)
    } else {
        Object::Real(v as f32)
    }
}

fn rect_obj(r: [f64; 4]) -> Object {
    Object::Array(r.iter().map(|&v| num(v)).collect())
}

/// A PDF with the given pages. Pages may inherit `/MediaBox` from the page tree, whose
/// own media box is the canonical page.
fn pdf(pages: &[PdfPage]) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for page in pages {
        let [a, b, c, d, e, f] = page.place;
        let mut content = String::new();
        if let Some([x0, y0, x1, y1]) = page.outside_mark {
            content.push_str(&format!("0 g {x0} {y0} {} {} re f\n", x1 - x0, y1 - y0));
        }
        content.push_str(&format!("q {a} {b} {c} {d} {e} {f} cm\n"));
        content.push_str(&canonical_content(true));
        content.push_str(page.extra);
        content.push_str("Q\n");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let mut dict = dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
        };
        if !page.inherit_media {
            dict.set("MediaBox", rect_obj(page.media));
        }
        if let Some(crop) = page.crop {
            dict.set("CropBox", rect_obj(crop));
        }
        if page.rotate != 0 {
            dict.set("Rotate", page.rotate);
        }
        if let Some(unit) = page.user_unit {
            dict.set("UserUnit", num(unit));
        }
        kids.push(Object::Reference(doc.add_object(dict)));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "MediaBox" => rect_obj([0.0, 0.0, W, H]),
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("writing a PDF into memory cannot fail");
    out
}

/// Maps a canonical point (units, y up) on a page to normalised displayed coordinates.
///
/// Written out per rotation from what a viewer shows: turning the page 90 degrees
/// clockwise puts its left edge on top and its bottom edge on the left, and so on.
fn displayed(page: &PdfPage, (u, v): (f64, f64)) -> (f64, f64) {
    let (w, h) = (W * page.scale(), H * page.scale());
    let (u, v) = (u * page.scale(), v * page.scale());
    match page.rotate.rem_euclid(360) {
        0 => (u / w, (h - v) / h),
        90 => (v / h, u / w),
        180 => ((w - u) / w, v / h),
        270 => ((h - v) / h, (w - u) / w),
        r => unreachable!("rotation {r}"),
    }
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn vertices(points: impl IntoIterator<Item = (f64, f64)>) -> Value {
    Value::Array(points.into_iter().map(|(x, y)| json!({"x": round6(x), "y": round6(y)})).collect())
}

/// A rectangle annotation from normalised points, listed as detect output lists them:
/// (xMin,yMin), (xMin,yMax), (xMax,yMax), (xMax,yMin).
fn rectangle(text: &str, page: u32, pts: &[(f64, f64)], extra: Value) -> Value {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in pts {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let mut a = json!({
        "text": text,
        "region": {"shape": "rectangle", "page": page,
                   "vertices": vertices([(x0, y0), (x0, y1), (x1, y1), (x1, y0)])},
    });
    merge(&mut a, extra);
    a
}

fn polygon(text: &str, page: u32, pts: &[(f64, f64)]) -> Value {
    json!({"text": text, "region": {"shape": "polygon", "page": page,
                                    "vertices": vertices(pts.iter().copied())}})
}

fn merge(a: &mut Value, extra: Value) {
    if let (Value::Object(a), Value::Object(extra)) = (a, extra) {
        a.extend(extra);
    }
}

/// The annotations of one PDF page: rectangles on the square, the bar and the text, a
/// polygon on the triangle; one carries a confidence and entities.
fn pdf_annotations(page: &PdfPage, number: u32) -> Vec<Value> {
    let map = |m: Mark| m.outline().into_iter().map(|p| displayed(page, p)).collect::<Vec<_>>();
    vec![
        rectangle(
            "21-PT-1019",
            number,
            &map(Mark::Text),
            json!({"confidence": 0.93, "entities": [
                {"userDefinedField": "21PT1019", "ignoredField": "AA11"},
                {"userDefinedField": ["21PT1019-A", "21PT1019-B"], "n": 2}]}),
        ),
        rectangle("V-101", number, &map(Mark::Square), json!({})),
        rectangle("HX-200", number, &map(Mark::Bar), json!({"confidence": 0.5})),
        polygon("TRI-1", number, &map(Mark::Triangle)),
    ]
}

fn request(file: &str, annotations: Vec<Value>, grayscale: bool) -> Vec<u8> {
    let req = json!({"items": [{"fileExternalId": file, "annotations": annotations}],
                     "grayscale": grayscale});
    pretty(&req)
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("JSON values serialise");
    out.push(b'\n');
    out
}

/// Options of a case, written to `case.json`.
#[derive(Clone, Default)]
struct Opts {
    renderer: Option<&'static str>,
    annotate_png: bool,
    svg_page: Option<&'static str>,
    note: Option<&'static str>,
}

fn case_json(opts: &Opts, image: bool) -> Vec<u8> {
    let mut c = serde_json::Map::new();
    c.insert("renderer".into(), json!(opts.renderer.unwrap_or("hayro")));
    if !image {
        c.insert("dpi".into(), json!(50));
    }
    c.insert("annotate_png".into(), json!(opts.annotate_png));
    c.insert("svg_page".into(), json!(opts.svg_page.unwrap_or("auto")));
    if let Some(note) = opts.note {
        c.insert("note".into(), json!(note));
    }
    pretty(&Value::Object(c))
}

fn pdf_case(
    name: impl Into<String>,
    pages: &[PdfPage],
    grayscale: bool,
    opts: Opts,
) -> GeneratedCase {
    let annotations =
        pages.iter().enumerate().flat_map(|(i, p)| pdf_annotations(p, i as u32 + 1)).collect();
    GeneratedCase {
        name: name.into(),
        files: vec![
            ("input.pdf".into(), pdf(pages)),
            ("request.json".into(), request("input.pdf", annotations, grayscale)),
            ("case.json".into(), case_json(&opts, false)),
        ],
    }
}

// ---- the PDF pages of the cases ----

/// Crop box offset from the media box; a black mark in the cropped-off corner.
fn crop_page() -> PdfPage {
    PdfPage {
        media: [0.0, 0.0, 360.0, 288.0],
        crop: Some([36.0, 40.0, 324.0, 256.0]),
        place: [1.0, 0.0, 0.0, 1.0, 36.0, 40.0],
        outside_mark: Some([0.0, 0.0, 30.0, 30.0]),
        ..PdfPage::plain(0)
    }
}

/// A media box centred on the origin, as the Valhall A0 sheets have.
fn negative_origin_page() -> PdfPage {
    PdfPage {
        media: [-144.0, -108.0, 144.0, 108.0],
        place: [1.0, 0.0, 0.0, 1.0, -144.0, -108.0],
        ..PdfPage::plain(0)
    }
}

/// `/UserUnit 2`: a 144 x 108 unit page that displays as 288 x 216 points.
fn user_unit_page() -> PdfPage {
    PdfPage {
        media: [0.0, 0.0, 144.0, 108.0],
        user_unit: Some(2.0),
        place: [0.5, 0.0, 0.0, 0.5, 0.0, 0.0],
        ..PdfPage::plain(0)
    }
}

/// Everything at once: `/Rotate 270`, a negative origin, an offset crop box that cuts a
/// mark off, and `/UserUnit 1.5`.
fn combined_page() -> PdfPage {
    let s = 1.0 / 1.5;
    PdfPage {
        media: [-150.0, -120.0, 150.0, 120.0],
        crop: Some([-120.0, -100.0, 72.0, 44.0]),
        rotate: 270,
        user_unit: Some(1.5),
        place: [s, 0.0, 0.0, s, -120.0, -100.0],
        outside_mark: Some([80.0, 60.0, 140.0, 110.0]),
        inherit_media: false,
        extra: "",
    }
}

/// Three pages: upright and rotated pages that inherit the tree's media box, and a
/// smaller page of its own size turned upside down.
fn multipage_pages() -> Vec<PdfPage> {
    vec![
        PdfPage { inherit_media: true, ..PdfPage::plain(0) },
        PdfPage { inherit_media: true, ..PdfPage::plain(90) },
        PdfPage {
            media: [0.0, 0.0, 144.0, 108.0],
            place: [0.5, 0.0, 0.0, 0.5, 0.0, 0.0],
            ..PdfPage::plain(180)
        },
    ]
}

/// Fills that enclose no area, in the free band above the text (x 110-190, y 122-200):
/// vertical `m l f` pairs and zero-height `re f`, as AutoCAD output through some PDF
/// printers has by the thousand. Drawn as poppler draws them: a one-pixel line at an
/// eighth of the fill's opacity (vendored hayro-interpret's patch 4).
const ZERO_AREA_FILLS: &str = "0 g\n\
    112 124 m 112 198 l f 121.5 124 m 121.5 198 l f 131 124 m 131 198 l f\n\
    140.5 124 m 140.5 198 l f 150 124 m 150 198 l f\n\
    160 130 30 0 re f 160 141.5 30 0 re f 160 153 30 0 re f 160 164.5 30 0 re f\n\
    160 176 m 190 176 l h f*\n";

/// Hairlines in the same band: zero-width strokes (one device pixel) and pairs of
/// 0.1-unit strokes a twentieth of a unit apart, which must not add up to more ink than
/// one line.
const HAIRLINES: &str = "0 G 0 w\n\
    112 124 m 112 198 l S 121.5 124 m 121.5 198 l S 131 124 m 131 198 l S\n\
    0.1 w 160 130 m 190 130 l S 160 130.05 m 190 130.05 l S\n\
    160 150 m 190 150 l S 160 150.05 m 190 150.05 l S\n\
    160 170 m 190 170 l S 160 170.05 m 190 170.05 l S 160 170.1 m 190 170.1 l S\n";

/// Content that cannot show: a clip to the page rectangle (which must not be written),
/// paths, text and an image wholly off the page, and, under a clip to the free band,
/// paths outside that clip; one path inside it shows.
const OFF_PAGE_UNDER_CLIP: &str = "q 0 0 288 216 re W n\n\
    0 g 400 20 60 60 re f 0 G 2 w -300 -50 m -100 -10 l S\n\
    BT /F1 16 Tf 500 96 Td (OFF-PAGE) Tj ET\n\
    q 50 0 0 50 -200 300 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\x7f\x7f\x00 EI Q\n\
    q 110 122 80 78 re W n\n\
    0 g 20 20 40 40 re f 0 G 1 w 200 30 m 280 30 l S\n\
    0 0 1 RG 1.5 w 120 130 m 180 190 l S\n\
    Q Q\n";

/// The canonical page with more content in the free band above the text.
fn extra_page(extra: &'static str) -> PdfPage {
    PdfPage { extra, ..PdfPage::plain(0) }
}

// ---- images ----

/// The 200 x 150 RGBA drawing of the image cases, in pixels (y down).
fn drawing(width: u32, height: u32, transparent_left: bool) -> Vec<[u8; 4]> {
    let mut px = vec![[255u8, 255, 255, 255]; (width * height) as usize];
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f64 + 0.5, y as f64 + 0.5);
            let p = &mut px[(y * width + x) as usize];
            if transparent_left && x < width / 4 {
                // Fully transparent black: must come out white, not black.
                *p = [0, 0, 0, 0];
            }
            let edge = x < 3 || y < 3 || x >= width - 3 || y >= height - 3;
            if edge {
                *p = [150, 150, 150, 255];
            }
            if (16.0..56.0).contains(&fx) && (96.0..136.0).contains(&fy) {
                *p = [255, 0, 0, 255];
            }
            if (140.0..184.0).contains(&fx) && (16.0..46.0).contains(&fy) {
                *p = if transparent_left { [0, 0, 255, 128] } else { [0, 0, 255, 255] };
            }
            // Right triangle with the right angle at (16, 14), legs 54 and 44 px.
            if fx >= 16.0 && fy >= 14.0 && (fx - 16.0) / 54.0 + (fy - 14.0) / 44.0 <= 1.0 {
                *p = [0, 153, 0, 255];
            }
            // A grey ramp: every level from white to black along 64 px.
            if (80.0..144.0).contains(&fx) && (66.0..82.0).contains(&fy) {
                let v = 255 - ((fx - 80.0) * 4.0) as u8;
                *p = [v, v, v, 255];
            }
            // A 3 px diagonal stroke from (100, 140) to (180, 96).
            let d = ((fx - 100.0) * 44.0 + (fy - 140.0) * 80.0).abs() / (44f64.hypot(80.0));
            if d <= 1.5 && (100.0..=180.0).contains(&fx) {
                *p = [0, 0, 0, 255];
            }
        }
    }
    px
}

/// Annotations of the image drawing, in its pixels, normalised by `n`.
fn image_annotations(page: u32, n: impl Fn(f64, f64) -> (f64, f64)) -> Vec<Value> {
    vec![
        rectangle(
            "V-101",
            page,
            &[n(12.0, 92.0), n(60.0, 140.0)],
            json!({"entities": [{"userDefinedField": "V101"}]}),
        ),
        rectangle("HX-200", page, &[n(136.0, 12.0), n(188.0, 50.0)], json!({"confidence": 0.8})),
        rectangle("RAMP", page, &[n(76.0, 62.0), n(148.0, 86.0)], json!({})),
        polygon("TRI-1", page, &[n(12.0, 10.0), n(78.0, 10.0), n(12.0, 64.0)]),
    ]
}

fn rgb(px: &[[u8; 4]]) -> Vec<u8> {
    px.iter().flat_map(|p| [p[0], p[1], p[2]]).collect()
}

fn gray(px: &[[u8; 4]]) -> Vec<u8> {
    // Any fixed formula will do: this is the input, not the engine's conversion.
    px.iter().map(|p| ((p[0] as u32 * 3 + p[1] as u32 * 6 + p[2] as u32 + 5) / 10) as u8).collect()
}

fn encode_png(data: &[u8], width: u32, height: u32, color: image::ExtendedColorType) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(data, width, height, color)
        .expect("encoding a PNG into memory cannot fail");
    out
}

fn encode_jpeg(data: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode(data, width, height, image::ExtendedColorType::Rgb8)
        .expect("encoding a JPEG into memory cannot fail");
    out
}

/// An LZW-compressed TIFF (as scanners write them) with one directory per page.
fn encode_tiff(pages: &[TiffPage]) -> Vec<u8> {
    use tiff::encoder::{colortype, Compression, TiffEncoder};
    let mut cursor = Cursor::new(Vec::new());
    let mut enc =
        TiffEncoder::new(&mut cursor).expect("a TIFF header").with_compression(Compression::Lzw);
    for page in pages {
        let r = match page {
            TiffPage::Gray(w, h, d) => enc.write_image::<colortype::Gray8>(*w, *h, d),
            TiffPage::Rgb(w, h, d) => enc.write_image::<colortype::RGB8>(*w, *h, d),
            TiffPage::Rgba(w, h, d) => enc.write_image::<colortype::RGBA8>(*w, *h, d),
        };
        r.expect("encoding a TIFF into memory cannot fail");
    }
    cursor.into_inner()
}

enum TiffPage {
    Gray(u32, u32, Vec<u8>),
    Rgb(u32, u32, Vec<u8>),
    Rgba(u32, u32, Vec<u8>),
}

fn image_case(
    name: &str,
    file: &str,
    input: Vec<u8>,
    annotations: Vec<Value>,
    grayscale: bool,
    opts: Opts,
) -> GeneratedCase {
    GeneratedCase {
        name: name.into(),
        files: vec![
            (file.into(), input),
            ("request.json".into(), request(file, annotations, grayscale)),
            ("case.json".into(), case_json(&opts, true)),
        ],
    }
}

/// Every generated case, in a fixed order.
pub fn cases() -> Vec<GeneratedCase> {
    let mut out = Vec::new();
    for renderer in ["hayro", "pdfium"] {
        let prefix = if renderer == "hayro" { "pdf" } else { "pdfium" };
        let o = || Opts { renderer: Some(renderer), ..Opts::default() };
        let name = |s: &str| format!("{prefix}-{s}");
        for rot in [0, 90, 180, 270] {
            out.push(pdf_case(name(&format!("rotate-{rot}")), &[PdfPage::plain(rot)], true, o()));
        }
        out.push(pdf_case(name("crop-offset"), &[crop_page()], true, o()));
        out.push(pdf_case(name("negative-origin"), &[negative_origin_page()], true, o()));
        out.push(pdf_case(name("user-unit"), &[user_unit_page()], true, o()));
        out.push(pdf_case(name("combined"), &[combined_page()], true, o()));
        out.push(pdf_case(name("multipage"), &multipage_pages(), true, o()));
        let annotated = Opts { annotate_png: true, ..o() };
        out.push(pdf_case(name("color-annotated"), &[PdfPage::plain(0)], false, annotated));
    }
    let o = Opts::default;
    out.push(pdf_case("pdf-color", &[PdfPage::plain(0)], false, o()));
    out.push(pdf_case(
        "pdf-gray-annotated",
        &[PdfPage::plain(90)],
        true,
        Opts { annotate_png: true, ..o() },
    ));
    out.push(pdf_case(
        "pdf-svg-raster",
        &[PdfPage::plain(0)],
        true,
        Opts {
            svg_page: Some("raster"),
            note: Some("the SVG embeds the rendered page as a PNG instead of vector paths"),
            ..o()
        },
    ));

    out.push(pdf_case(
        "pdf-zero-area-fills",
        &[extra_page(ZERO_AREA_FILLS)],
        true,
        Opts {
            note: Some("fills enclosing no area: faint one-pixel lines, as poppler draws them"),
            ..o()
        },
    ));
    out.push(pdf_case(
        "pdf-hairlines",
        &[extra_page(HAIRLINES)],
        true,
        Opts { note: Some("zero-width and overlapping sub-pixel strokes"), ..o() },
    ));
    out.push(pdf_case(
        "pdf-off-page-clip",
        &[extra_page(OFF_PAGE_UNDER_CLIP)],
        true,
        Opts { note: Some("off-page content and content outside a clip: not in the SVG"), ..o() },
    ));

    let (w, h) = (200, 150);
    let px = drawing(w, h, false);
    let anns = || image_annotations(1, |x, y| (x / w as f64, y / h as f64));
    let png_rgb = encode_png(&rgb(&px), w, h, image::ExtendedColorType::Rgb8);
    out.push(image_case("png-color", "input.png", png_rgb.clone(), anns(), false, o()));
    out.push(image_case(
        "png-gray-annotated",
        "input.png",
        png_rgb,
        anns(),
        true,
        Opts { annotate_png: true, ..o() },
    ));
    let png_gray = encode_png(&gray(&px), w, h, image::ExtendedColorType::L8);
    out.push(image_case("png-gray-input", "input.png", png_gray, anns(), true, o()));
    out.push(image_case(
        "jpeg-named-png",
        "photo.png",
        encode_jpeg(&rgb(&px), w, h),
        anns(),
        false,
        Opts { note: Some("a JPEG under a .png name: the type comes from the bytes"), ..o() },
    ));

    // Page 2: the drawing turned a quarter clockwise (150 x 200), in gray.
    let turned: Vec<[u8; 4]> = (0..w)
        .flat_map(|y| (0..h).map(move |x| (x, y)))
        .map(|(x, y)| px[((h - 1 - x) * w + y) as usize])
        .collect();
    let tiff = encode_tiff(&[TiffPage::Rgb(w, h, rgb(&px)), TiffPage::Gray(h, w, gray(&turned))]);
    let mut tiff_anns = anns();
    tiff_anns.extend(image_annotations(2, |x, y| ((h as f64 - y) / h as f64, x / w as f64)));
    out.push(image_case("tiff-multipage", "input.tif", tiff, tiff_anns, false, o()));
    let rgba = drawing(w, h, true);
    let tiff_rgba = encode_tiff(&[TiffPage::Rgba(w, h, rgba.concat())]);
    out.push(image_case(
        "tiff-rgba",
        "input.tiff",
        tiff_rgba,
        anns(),
        false,
        Opts { note: Some("alpha is composited onto white"), ..o() },
    ));
    out
}
