//! Type 3 glyphs, whose decoded programs the vendored hayro-interpret caches
//! (vendor/hayro-interpret/PATCHES.md, patch 5): every occurrence of a glyph draws its
//! own program, whichever glyph or font came before, and the cache key cannot mix up two
//! fonts that give the same character code different programs.
//!
//! The page is 64 x 64 points drawn at one pixel per point. Each glyph is a filled part
//! of its 8 x 8 point cell (programs Flate-compressed, as producers write them), so
//! which glyph was drawn in a cell follows from which of its pixels are dark.

mod common;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{render, PixmapSettings, RenderCache, RenderSettings};
use lopdf::{dictionary, Document, Object, Stream};

/// The part of the glyph's 1000 x 1000 unit cell that each glyph fills.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Whole,
    Left,
    Right,
    Bottom,
}

impl Part {
    fn program(self) -> String {
        let rect = match self {
            Part::Whole => "0 0 1000 1000",
            Part::Left => "0 0 500 1000",
            Part::Right => "500 0 500 1000",
            Part::Bottom => "0 0 1000 500",
        };
        // The fill, repeated so that the program compresses (lopdf keeps a stream that
        // Flate would not shrink as it is); filling the same area again changes nothing.
        format!("1000 0 0 0 1000 1000 d1\n{}", format!("{rect} re f\n").repeat(16))
    }

    /// Whether the pixel at (`dx`, `dy`) of an 8 x 8 cell (from its top left, y down)
    /// is inside the part.
    fn covers(self, dx: u32, dy: u32) -> bool {
        match self {
            Part::Whole => true,
            Part::Left => dx < 4,
            Part::Right => dx >= 4,
            Part::Bottom => dy >= 4,
        }
    }
}

/// A Type 3 font whose codes 97 (`a`) and 98 (`b`) draw `a` and `b`.
fn font(doc: &mut Document, a: Part, b: Part) -> Object {
    let mut program = |part: Part| {
        let mut stream = Stream::new(dictionary! {}, part.program().into_bytes());
        stream.compress().expect("lopdf compresses in memory");
        assert!(stream.dict.has(b"Filter"), "the program is compressed");
        Object::Reference(doc.add_object(stream))
    };
    let (a, b) = (program(a), program(b));
    let font = dictionary! {
        "Type" => "Font",
        "Subtype" => "Type3",
        "FontBBox" => vec![0.into(), 0.into(), 1000.into(), 1000.into()],
        "FontMatrix" => vec![0.001.into(), 0.into(), 0.into(), 0.001.into(), 0.into(), 0.into()],
        "CharProcs" => dictionary! { "a" => a, "b" => b },
        "Encoding" => dictionary! {
            "Type" => "Encoding",
            "Differences" => vec![97.into(), Object::Name(b"a".to_vec()), Object::Name(b"b".to_vec())],
        },
        "FirstChar" => 97,
        "LastChar" => 98,
        "Widths" => vec![1000.into(), 1000.into()],
    };
    Object::Reference(doc.add_object(font))
}

/// Rows of eight 8-point glyphs: the font (1 or 2) and the text of each, from the top.
const ROWS: [(u8, &str); 4] = [(1, "abababab"), (2, "abababab"), (1, "bbaabbaa"), (2, "aabbaabb")];

fn page() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    // The same codes, other programs: only the fonts' own streams tell them apart.
    let f1 = font(&mut doc, Part::Whole, Part::Left);
    let f2 = font(&mut doc, Part::Bottom, Part::Right);
    let mut content = String::new();
    for (row, (font, text)) in ROWS.iter().enumerate() {
        let y = 56 - 8 * row;
        content.push_str(&format!("BT /F{font} 8 Tf 0 {y} Td ({text}) Tj ET\n"));
    }
    let content = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    let page = dictionary! {
        "Type" => "Page",
        "MediaBox" => vec![0.into(), 0.into(), 64.into(), 64.into()],
        "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => f1, "F2" => f2 } },
    };
    common::single_page_pdf(doc, page)
}

fn part(font: u8, code: char) -> Part {
    match (font, code) {
        (1, 'a') => Part::Whole,
        (1, 'b') => Part::Left,
        (2, 'a') => Part::Bottom,
        (2, 'b') => Part::Right,
        _ => unreachable!(),
    }
}

#[test]
fn each_type3_glyph_draws_its_own_program_every_time() {
    let pdf = Pdf::new(page()).expect("a valid PDF");
    let cache = RenderCache::new();
    let pixmap_settings = PixmapSettings { x_scale: 1.0, y_scale: 1.0, bg_color: WHITE };
    // Twice with one cache: the second render draws every glyph from the cache.
    for pass in 0..2 {
        let pixmap = render(
            &pdf.pages()[0],
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &pixmap_settings,
        );
        let data = pixmap.data_as_u8_slice();
        // Premultiplied RGBA on white: red below 128 is dark.
        let dark = |x: u32, y: u32| data[((y * 64 + x) * 4) as usize] < 128;
        for (row, (font, text)) in ROWS.iter().enumerate() {
            for (cell, code) in text.chars().enumerate() {
                let want = part(*font, code);
                // Pixel centres one pixel in from the cell's edges and from the part's
                // middle line, clear of anti-aliasing.
                for (dx, dy) in [(1, 1), (6, 1), (1, 6), (6, 6), (2, 2), (5, 5)] {
                    let (x, y) = (cell as u32 * 8 + dx, row as u32 * 8 + dy);
                    assert_eq!(
                        dark(x, y),
                        want.covers(dx, dy),
                        "pass {pass}, row {row} (F{font}), cell {cell} ({code}: {want:?}), \
                         pixel ({x}, {y})"
                    );
                }
            }
        }
        // Below the rows, nothing.
        assert!((32..64).all(|y| (0..64).all(|x| !dark(x, y))), "pass {pass}");
    }
}
