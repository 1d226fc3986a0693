//! Deep Zoom pyramids: the geometry against values worked out by hand (and checked once
//! against `vips dzsave` 8.14, which cuts the same tiles), the tiles' pixels against
//! crops of the page, each lower level against a 2 x 2 mean computed here, and the bytes
//! against the way the rows are split.

use diagram_core::{ColorMode, PixelSize};
use diagram_raster::{
    dzi_descriptor, DziLayout, DziOptions, DziStream, DziTile, EncodeError, PngCompression,
    PngFilter, PngOptions,
};

fn layout(w: u32, h: u32) -> DziLayout {
    DziLayout::new(PixelSize::new(w, h).unwrap(), &DziOptions::default()).unwrap()
}

/// Every level's (size, tile columns and rows), level 0 first.
fn levels(l: &DziLayout) -> Vec<((u32, u32), (u32, u32))> {
    (0..=l.top_level()).map(|i| (l.level_size(i), l.tiles(i))).collect()
}

#[test]
fn a_1x1_page_is_one_level_of_one_tile() {
    let l = layout(1, 1);
    assert_eq!(l.top_level(), 0);
    assert_eq!(levels(&l), [((1, 1), (1, 1))]);
    assert_eq!(l.tile_rect(0, 0, 0), [0, 0, 1, 1]);
    assert_eq!(l.tile_count(), 1);
}

#[test]
fn a_254x254_page_is_one_tile_per_level_with_no_overlap() {
    // ceil(log2(254)) = 8; 254, 127, 64, 32, 16, 8, 4, 2, 1.
    let l = layout(254, 254);
    assert_eq!(l.top_level(), 8);
    let sides = [1, 2, 4, 8, 16, 32, 64, 127, 254];
    let expected: Vec<_> = sides.iter().map(|&s| ((s, s), (1, 1))).collect();
    assert_eq!(levels(&l), expected);
    // No neighbour, so no overlap: the tile is exactly the page.
    assert_eq!(l.tile_rect(8, 0, 0), [0, 0, 254, 254]);
    assert_eq!(l.tile_count(), 9);
}

#[test]
fn a_255x1_page_has_two_top_tiles_sharing_the_overlap() {
    // ceil(log2(255)) = 8; widths 255, 128, 64, ..., 1; the height stays 1.
    let l = layout(255, 1);
    assert_eq!(l.top_level(), 8);
    let widths = [1, 2, 4, 8, 16, 32, 64, 128, 255];
    let tiles = [1, 1, 1, 1, 1, 1, 1, 1, 2];
    let expected: Vec<_> = widths.iter().zip(tiles).map(|(&w, c)| ((w, 1), (c, 1))).collect();
    assert_eq!(levels(&l), expected);
    // Tile 0: columns 0..254 plus one to its right; tile 1: one to its left, then 254.
    assert_eq!(l.tile_rect(8, 0, 0), [0, 0, 255, 1]);
    assert_eq!(l.tile_rect(8, 1, 0), [253, 0, 255, 1]);
    assert_eq!(l.tile_rect(7, 0, 0), [0, 0, 128, 1]);
    assert_eq!(l.tile_count(), 10);
}

#[test]
fn a_600x300_page_cuts_as_vips_does() {
    // ceil(log2(600)) = 10.
    let l = layout(600, 300);
    assert_eq!(l.top_level(), 10);
    assert_eq!(
        levels(&l),
        [
            ((1, 1), (1, 1)),
            ((2, 1), (1, 1)),
            ((3, 2), (1, 1)),
            ((5, 3), (1, 1)),
            ((10, 5), (1, 1)),
            ((19, 10), (1, 1)),
            ((38, 19), (1, 1)),
            ((75, 38), (1, 1)),
            ((150, 75), (1, 1)),
            ((300, 150), (2, 1)),
            ((600, 300), (3, 2)),
        ]
    );
    // Level 10: interior edges get one pixel each side, page edges none.
    assert_eq!(l.tile_rect(10, 0, 0), [0, 0, 255, 255]);
    assert_eq!(l.tile_rect(10, 1, 0), [253, 0, 509, 255]);
    assert_eq!(l.tile_rect(10, 2, 0), [507, 0, 600, 255]);
    assert_eq!(l.tile_rect(10, 0, 1), [0, 253, 255, 300]);
    assert_eq!(l.tile_rect(10, 1, 1), [253, 253, 509, 300]);
    assert_eq!(l.tile_rect(10, 2, 1), [507, 253, 600, 300]);
    assert_eq!(l.tile_rect(9, 0, 0), [0, 0, 255, 150]);
    assert_eq!(l.tile_rect(9, 1, 0), [253, 0, 300, 150]);
    assert_eq!(l.tile_rect(8, 0, 0), [0, 0, 150, 75]);
    assert_eq!(l.tile_count(), 6 + 2 + 9);
}

#[test]
fn other_tile_sizes_and_overlaps() {
    let o = DziOptions { tile_size: 100, overlap: 3, ..Default::default() };
    let l = DziLayout::new(PixelSize::new(250, 100).unwrap(), &o).unwrap();
    assert_eq!(l.top_level(), 8);
    assert_eq!(l.tiles(8), (3, 1));
    assert_eq!(l.tile_rect(8, 0, 0), [0, 0, 103, 100]);
    assert_eq!(l.tile_rect(8, 1, 0), [97, 0, 203, 100]);
    assert_eq!(l.tile_rect(8, 2, 0), [197, 0, 250, 100]);
    // No overlap: the tiles tile the level exactly.
    let o = DziOptions { tile_size: 4, overlap: 0, ..Default::default() };
    let l = DziLayout::new(PixelSize::new(9, 4).unwrap(), &o).unwrap();
    assert_eq!(l.tile_rect(4, 2, 0), [8, 0, 9, 4]);
    for (tile_size, overlap) in [(0, 0), (8193, 1), (4, 4), (254, 300)] {
        let o = DziOptions { tile_size, overlap, ..Default::default() };
        let err = DziLayout::new(PixelSize::new(9, 4).unwrap(), &o).unwrap_err();
        assert!(matches!(err, EncodeError::TileLayout { .. }), "{err}");
        let err = DziStream::new(PixelSize::new(9, 4).unwrap(), ColorMode::Gray, &o).unwrap_err();
        assert!(err.to_string().contains("1 to 8192"), "{err}");
    }
    let bad = DziOptions {
        png: PngOptions { compression: PngCompression::Level(0), filter: PngFilter::None },
        ..Default::default()
    };
    let err = DziStream::new(PixelSize::new(9, 4).unwrap(), ColorMode::Gray, &bad).unwrap_err();
    assert!(matches!(err, EncodeError::CompressionLevel(0)), "{err}");
}

#[test]
fn the_descriptor_names_the_size_tile_size_and_overlap() {
    let d = dzi_descriptor(PixelSize::new(600, 300).unwrap(), &DziOptions::default());
    assert_eq!(
        d,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Image \
         xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" Format=\"png\" Overlap=\"1\" \
         TileSize=\"254\"><Size Width=\"600\" Height=\"300\"/></Image>\n"
    );
}

/// A level's pixels as (width, height, channels, bytes).
struct Plane {
    w: u32,
    h: u32,
    c: usize,
    px: Vec<u8>,
}

impl Plane {
    fn crop(&self, [x0, y0, x1, y1]: [u32; 4]) -> Vec<u8> {
        let mut out = Vec::new();
        for y in y0..y1 {
            let start = (y * self.w + x0) as usize * self.c;
            out.extend_from_slice(&self.px[start..start + (x1 - x0) as usize * self.c]);
        }
        out
    }

    /// The level below, written as plainly as possible: each pixel the rounded mean of
    /// the (up to) four pixels above it, the missing ones of an odd edge taken from the
    /// edge.
    fn halved(&self) -> Plane {
        let (w, h) = (self.w.div_ceil(2), self.h.div_ceil(2));
        let mut px = Vec::new();
        for y in 0..h {
            for x in 0..w {
                for ch in 0..self.c {
                    let at = |x: u32, y: u32| {
                        let (x, y) = (x.min(self.w - 1), y.min(self.h - 1));
                        self.px[(y * self.w + x) as usize * self.c + ch] as f64
                    };
                    let sum = at(2 * x, 2 * y)
                        + at(2 * x + 1, 2 * y)
                        + at(2 * x, 2 * y + 1)
                        + at(2 * x + 1, 2 * y + 1);
                    px.push((sum / 4.0 + 0.5).floor() as u8);
                }
            }
        }
        Plane { w, h, c: self.c, px }
    }
}

fn decode(png: &[u8]) -> (png::ColorType, u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.color_type, info.width, info.height, buf)
}

/// The pyramid of `page`, its rows handed over `band` rows at a time.
fn pyramid(page: &Plane, band: usize) -> (DziLayout, Vec<DziTile>) {
    let colors = if page.c == 1 { ColorMode::Gray } else { ColorMode::Rgb };
    let size = PixelSize::new(page.w, page.h).unwrap();
    let mut stream = DziStream::new(size, colors, &DziOptions::default()).unwrap();
    let layout = stream.layout().clone();
    for rows in page.px.chunks(page.w as usize * page.c * band) {
        stream.write_rows(rows).unwrap();
    }
    (layout, stream.finish().unwrap())
}

/// Checks every tile of every level against the crop of that level made here.
fn check_every_tile(page: Plane) {
    let (layout, tiles) = pyramid(&page, 7);
    assert_eq!(tiles.len() as u64, layout.tile_count());
    let mut plane = page;
    let expected_type = if plane.c == 1 { png::ColorType::Grayscale } else { png::ColorType::Rgb };
    for level in (0..=layout.top_level()).rev() {
        assert_eq!((plane.w, plane.h), layout.level_size(level));
        let (cols, rows) = layout.tiles(level);
        for row in 0..rows {
            for col in 0..cols {
                let mut found =
                    tiles.iter().filter(|t| (t.level, t.col, t.row) == (level, col, row));
                let tile = found.next().unwrap_or_else(|| panic!("no tile {level}/{col}_{row}"));
                assert!(found.next().is_none(), "tile {level}/{col}_{row} twice");
                assert_eq!(tile.path(), format!("{level}/{col}_{row}.png"));
                let rect = layout.tile_rect(level, col, row);
                let (ty, w, h, px) = decode(&tile.png);
                assert_eq!((ty, w, h), (expected_type, rect[2] - rect[0], rect[3] - rect[1]));
                assert!(px == plane.crop(rect), "tile {level}/{col}_{row} differs");
            }
        }
        plane = plane.halved();
    }
}

fn noise(x: u32, y: u32, k: u32) -> u8 {
    ((x.wrapping_mul(2654435761) ^ y.wrapping_mul(40503) ^ k.wrapping_mul(97)) >> 3) as u8
}

#[test]
fn every_tile_of_an_odd_sized_gray_page_is_its_crop_of_the_halved_levels() {
    // 601 x 299: odd edges at the top level and below, three tile columns and two rows.
    let (w, h) = (601, 299);
    let px = (0..h).flat_map(|y| (0..w).map(move |x| noise(x, y, 0))).collect();
    check_every_tile(Plane { w, h, c: 1, px });
}

#[test]
fn every_tile_of_an_rgb_page_is_its_crop_of_the_halved_levels() {
    let (w, h) = (300, 513);
    let px = (0..h)
        .flat_map(|y| (0..w).flat_map(move |x| [noise(x, y, 1), noise(x, y, 2), 7]))
        .collect();
    check_every_tile(Plane { w, h, c: 3, px });
}

#[test]
fn the_tiles_do_not_depend_on_how_the_rows_are_split() {
    let (w, h) = (517, 260);
    let page = Plane {
        w,
        h,
        c: 1,
        px: (0..h).flat_map(|y| (0..w).map(move |x| noise(x, y, 3))).collect(),
    };
    let (_, whole) = pyramid(&page, h as usize);
    for band in [1, 2, 3, 255, 256, 257] {
        assert_eq!(pyramid(&page, band).1, whole, "{band} rows at a time");
    }
}

#[test]
fn partial_extra_and_missing_rows_are_refused() {
    let size = PixelSize::new(10, 3).unwrap();
    let mut stream = DziStream::new(size, ColorMode::Rgb, &DziOptions::default()).unwrap();
    assert!(matches!(
        stream.write_rows(&[0; 31]),
        Err(EncodeError::Rows { bytes: 31, row_bytes: 30 })
    ));
    stream.write_rows(&[0; 60]).unwrap();
    assert!(matches!(stream.write_rows(&[0; 60]), Err(EncodeError::Rows { .. })));
    assert_eq!(stream.rows_left(), 1);
    assert!(matches!(stream.finish(), Err(EncodeError::MissingRows(1))));
}
