//! Deep Zoom (DZI) tile pyramids, built from a page's rows as they are rendered.
//!
//! The layout is the one `vips dzsave` writes and OpenSeadragon reads: a descriptor
//! (`<Image ... Format="png" Overlap="1" TileSize="254"><Size Width=".." Height=".."/>`)
//! and, per level, tiles `<level>/<col>_<row>.png`. The top level, `ceil(log2(max(w,
//! h)))`, is the page at full size; each level below is `ceil(w/2) x ceil(h/2)` of the
//! one above, down to level 0, 1 x 1. A level is cut into tiles of
//! [`DziOptions::tile_size`] pixels, each grown by [`DziOptions::overlap`] pixels on every
//! side that has a neighbour (so the tiles of a row share `2 * overlap` columns).
//!
//! A lower level's pixel is the mean of the 2 x 2 pixels above it, rounded half up
//! (`(a + b + c + d + 2) / 4`, per channel); at an odd right or bottom edge the missing
//! pixels are the edge's own (the mean of the two pixels, or the one, that exist).
//!
//! [`DziStream`] takes rows top first, in any split, and holds per level only the rows
//! of the tile row being filled (about `tile_size + 2 * overlap` rows) plus one row for
//! the level below, never the whole page; the tiles' PNGs are kept until
//! [`DziStream::finish`]. The tiles depend only on the pixels and the options.

use diagram_core::{ColorMode, PixelSize};

use crate::encode::encode_small_png;
use crate::{EncodeError, PngCompression, PngFilter, PngOptions};

/// How a tile pyramid is cut and its tiles compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DziOptions {
    /// The side of a tile before its overlap, in pixels, 1 to 8192. Default: 254 (with
    /// the default overlap, tiles of 256 pixels; `vips dzsave`'s default).
    pub tile_size: u32,
    /// The pixels a tile shares with each neighbour, less than the tile size. Default: 1.
    pub overlap: u32,
    /// How each tile's PNG is compressed. Default: [`PngCompression::Level`] 1 with
    /// [`PngFilter::None`] (see [`DziOptions::default`] for the measurement).
    pub png: PngOptions,
}

impl Default for DziOptions {
    /// 254-pixel tiles, overlap 1, zlib level 1 without a row filter.
    ///
    /// Measured on the A0 sheet PH-25578-P-4110010-001 at 300 DPI (14063 x 9930, 3,000
    /// tiles), the whole pyramid built from the rendered page (release, 2 shared cores;
    /// ms / MB of tiles, gray then RGB):
    ///
    /// | compression | filter | gray | RGB |
    /// |---|---|---|---|
    /// | Fast | Up | 164-262 / 17.9 | 694 / 30.9 |
    /// | Fast | Paeth (the page PNG's) | 196-329 / 14.3 | 766 / 18.1 |
    /// | **Level(1)** | **None** | **268 / 7.3** | **695 / 14.7** |
    /// | Level(2) | None | 369 / 5.9 | 861 / 10.3 |
    /// | Level(3) | None | 402 / 5.7 | 937 / 10.1 |
    /// | Level(6) | Adaptive | 1857 / 5.8 | |
    ///
    /// Tiles are small and mostly white: fdeflate's ultra-fast mode, right for whole
    /// pages, writes tiles two to three times larger than zlib level 1, which costs no
    /// more time here. Stored tiles (no compression) take about 220 ms: that much is
    /// cutting, averaging and checksums.
    fn default() -> Self {
        Self {
            tile_size: 254,
            overlap: 1,
            png: PngOptions { compression: PngCompression::Level(1), filter: PngFilter::None },
        }
    }
}

/// The geometry of a page's pyramid: its levels and their tiles.
///
/// ```
/// use diagram_core::PixelSize;
/// use diagram_raster::{DziLayout, DziOptions};
///
/// let size = PixelSize::new(600, 300).unwrap();
/// let layout = DziLayout::new(size, &DziOptions::default()).unwrap();
/// assert_eq!(layout.top_level(), 10);
/// assert_eq!(layout.level_size(9), (300, 150));
/// assert_eq!(layout.tiles(10), (3, 2));
/// assert_eq!(layout.tile_rect(10, 1, 1), [253, 253, 509, 300]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DziLayout {
    /// The size of each level, level 0 first.
    sizes: Vec<(u32, u32)>,
    tile_size: u32,
    overlap: u32,
}

impl DziLayout {
    /// The pyramid of a page of `size` cut as `options` say; fails with
    /// [`EncodeError::TileLayout`] for a tile size outside 1 to 8192 or an overlap not
    /// less than it.
    pub fn new(size: PixelSize, options: &DziOptions) -> Result<Self, EncodeError> {
        let (tile_size, overlap) = (options.tile_size, options.overlap);
        if !(1..=8192).contains(&tile_size) || overlap >= tile_size {
            return Err(EncodeError::TileLayout { tile_size, overlap });
        }
        let mut sizes = vec![(size.width(), size.height())];
        while sizes.last().is_some_and(|&(w, h)| w.max(h) > 1) {
            let (w, h) = sizes[sizes.len() - 1];
            sizes.push((w.div_ceil(2), h.div_ceil(2)));
        }
        sizes.reverse();
        Ok(Self { sizes, tile_size, overlap })
    }

    /// The top level, the page at full size: `ceil(log2(max(width, height)))`.
    pub fn top_level(&self) -> u32 {
        self.sizes.len() as u32 - 1
    }

    /// The size of `level` (0 to [`DziLayout::top_level`]).
    pub fn level_size(&self, level: u32) -> (u32, u32) {
        self.sizes[level as usize]
    }

    /// The columns and rows of tiles of `level`.
    pub fn tiles(&self, level: u32) -> (u32, u32) {
        let (w, h) = self.level_size(level);
        (w.div_ceil(self.tile_size), h.div_ceil(self.tile_size))
    }

    /// The pixels of `level` that tile (`col`, `row`) holds, `[x0, y0, x1, y1]` (ends
    /// exclusive): its cell grown by the overlap on each side with a neighbour.
    pub fn tile_rect(&self, level: u32, col: u32, row: u32) -> [u32; 4] {
        let (w, h) = self.level_size(level);
        let [x0, x1] = self.span(col, w);
        let [y0, y1] = self.span(row, h);
        [x0, y0, x1, y1]
    }

    /// The total number of tiles.
    pub fn tile_count(&self) -> u64 {
        (0..=self.top_level())
            .map(|l| {
                let (c, r) = self.tiles(l);
                c as u64 * r as u64
            })
            .sum()
    }

    fn span(&self, i: u32, len: u32) -> [u32; 2] {
        let start = (i * self.tile_size).saturating_sub(self.overlap);
        let end = ((i + 1) * self.tile_size + self.overlap).min(len);
        [start, end]
    }
}

/// The descriptor (`.dzi`) of a pyramid of a page of `size` with PNG tiles,
/// in the Deep Zoom 2008 namespace.
pub fn dzi_descriptor(size: PixelSize, options: &DziOptions) -> String {
    let (width, height) = (size.width(), size.height());
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Image \
         xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" Format=\"png\" \
         Overlap=\"{}\" TileSize=\"{}\"><Size Width=\"{width}\" \
         Height=\"{height}\"/></Image>\n",
        options.overlap, options.tile_size
    )
}

/// One tile of a pyramid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DziTile {
    /// The level, 0 (1 x 1) to the top.
    pub level: u32,
    /// The column, from 0 at the left.
    pub col: u32,
    /// The row, from 0 at the top.
    pub row: u32,
    /// The tile's PNG.
    pub png: Vec<u8>,
}

impl DziTile {
    /// The tile's path in the pyramid's folder: `<level>/<col>_<row>.png`.
    pub fn path(&self) -> String {
        format!("{}/{}_{}.png", self.level, self.col, self.row)
    }
}

/// The rows one level holds: those of the tile row being filled, and the first row of
/// the next pair for the level below.
#[derive(Debug)]
struct Level {
    level: u32,
    width: u32,
    height: u32,
    /// Rows received so far.
    rows_in: u32,
    /// The rows from `first_row` to `rows_in`.
    rows: Vec<u8>,
    first_row: u32,
    /// The next tile row to cut.
    tile_row: u32,
    /// The upper row of a pair not yet averaged into the level below (empty when none).
    pending: Vec<u8>,
    /// The averaged row handed to the level below (kept to reuse its allocation).
    half: Vec<u8>,
}

/// A tile pyramid fed the page's rows as they are rendered, top to bottom (see the
/// module docs for the layout and the downsampling).
///
/// ```
/// use diagram_core::{ColorMode, PixelSize};
/// use diagram_raster::{DziOptions, DziStream};
///
/// let size = PixelSize::new(600, 300).unwrap();
/// let mut stream = DziStream::new(size, ColorMode::Gray, &DziOptions::default())?;
/// for _ in 0..3 {
///     stream.write_rows(&[255; 600 * 100])?; // 100 rows at a time
/// }
/// let tiles = stream.finish()?;
/// assert_eq!(tiles.len(), 6 + 2 + 9); // level 10: 3 x 2, level 9: 2 x 1, 8 to 0: one each
/// assert_eq!(tiles.iter().filter(|t| t.path() == "10/2_1.png").count(), 1);
/// # Ok::<(), diagram_raster::EncodeError>(())
/// ```
#[derive(Debug)]
pub struct DziStream {
    layout: DziLayout,
    colors: ColorMode,
    png: PngOptions,
    /// Top level first.
    levels: Vec<Level>,
    tiles: Vec<DziTile>,
    /// A tile's pixels, cut from a level's rows.
    scratch: Vec<u8>,
}

impl DziStream {
    /// Starts the pyramid of a page of `size` in `colors` (8-bit gray or RGB tiles, as
    /// the page).
    pub fn new(
        size: PixelSize,
        colors: ColorMode,
        options: &DziOptions,
    ) -> Result<Self, EncodeError> {
        let layout = DziLayout::new(size, options)?;
        // Refuse a bad compression level now rather than at the first tile.
        encode_small_png(1, 1, colors, &options.png, &vec![0; colors.channels()])?;
        let levels = (0..=layout.top_level())
            .rev()
            .map(|level| {
                let (width, height) = layout.level_size(level);
                Level {
                    level,
                    width,
                    height,
                    rows_in: 0,
                    rows: Vec::new(),
                    first_row: 0,
                    tile_row: 0,
                    pending: Vec::new(),
                    half: Vec::new(),
                }
            })
            .collect();
        Ok(Self {
            layout,
            colors,
            png: options.png,
            levels,
            tiles: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// The pyramid's geometry.
    pub fn layout(&self) -> &DziLayout {
        &self.layout
    }

    /// Appends whole rows of the page, top first, without padding: a multiple of the row
    /// length (width times 1 byte for gray, 3 for RGB), and no more rows than are left.
    pub fn write_rows(&mut self, rows: &[u8]) -> Result<(), EncodeError> {
        let row_bytes = self.row_bytes(0);
        let count = rows.len() / row_bytes;
        if !rows.len().is_multiple_of(row_bytes) || count as u64 > self.rows_left() {
            return Err(EncodeError::Rows { bytes: rows.len(), row_bytes });
        }
        for row in rows.chunks_exact(row_bytes) {
            self.push_row(0, row)?;
        }
        Ok(())
    }

    /// The page rows still to come.
    pub fn rows_left(&self) -> u64 {
        let top = &self.levels[0];
        u64::from(top.height - top.rows_in)
    }

    /// Ends the pyramid once every row is written, and returns its tiles: every tile of
    /// every level, each once, in the order they were completed (which depends only on
    /// the page's size).
    pub fn finish(self) -> Result<Vec<DziTile>, EncodeError> {
        if self.rows_left() > 0 {
            return Err(EncodeError::MissingRows(self.rows_left()));
        }
        debug_assert_eq!(self.tiles.len() as u64, self.layout.tile_count());
        Ok(self.tiles)
    }

    fn row_bytes(&self, index: usize) -> usize {
        self.levels[index].width as usize * self.colors.channels()
    }

    /// Adds one row to level `index` (0 the top): cuts the tile row it completes, and
    /// hands the level below its averaged row once it has a pair (or the last, odd row).
    fn push_row(&mut self, index: usize, row: &[u8]) -> Result<(), EncodeError> {
        let level = &mut self.levels[index];
        level.rows.extend_from_slice(row);
        level.rows_in += 1;
        let [_, end] = self.layout.span(level.tile_row, level.height);
        if level.rows_in == end {
            self.cut_tile_row(index)?;
        }
        if index + 1 == self.levels.len() {
            return Ok(());
        }
        let channels = self.colors.channels();
        let level = &mut self.levels[index];
        let last = level.rows_in == level.height;
        if level.pending.is_empty() && !last {
            level.pending.extend_from_slice(row);
            return Ok(());
        }
        let upper = match level.pending.is_empty() {
            true => row,
            false => &level.pending,
        };
        let mut half = std::mem::take(&mut level.half);
        halve_rows(upper, row, level.width as usize, channels, &mut half);
        level.pending.clear();
        let result = self.push_row(index + 1, &half);
        self.levels[index].half = half;
        result
    }

    /// Encodes the tiles of level `index`'s current tile row, then drops the rows no
    /// later tile row needs.
    fn cut_tile_row(&mut self, index: usize) -> Result<(), EncodeError> {
        let channels = self.colors.channels();
        let row_bytes = self.row_bytes(index);
        let level = &mut self.levels[index];
        let (cols, _) = self.layout.tiles(level.level);
        for col in 0..cols {
            let [x0, y0, x1, y1] = self.layout.tile_rect(level.level, col, level.tile_row);
            let (w, h) = (x1 - x0, y1 - y0);
            self.scratch.clear();
            for y in y0..y1 {
                let start = (y - level.first_row) as usize * row_bytes + x0 as usize * channels;
                self.scratch.extend_from_slice(&level.rows[start..start + w as usize * channels]);
            }
            let png = encode_small_png(w, h, self.colors, &self.png, &self.scratch)?;
            self.tiles.push(DziTile { level: level.level, col, row: level.tile_row, png });
        }
        level.tile_row += 1;
        let [keep, _] = self.layout.span(level.tile_row, level.height);
        let keep = keep.min(level.rows_in);
        level.rows.drain(..(keep - level.first_row) as usize * row_bytes);
        level.first_row = keep;
        Ok(())
    }
}

/// The row of the level below from two rows of `width` pixels (the same row twice at an
/// odd bottom edge): each pixel the mean of a 2 x 2 block rounded half up, an odd last
/// column averaged with itself.
fn halve_rows(upper: &[u8], lower: &[u8], width: usize, channels: usize, out: &mut Vec<u8>) {
    out.clear();
    let pairs = width / 2;
    match channels {
        1 => {
            out.extend(
                upper[..pairs * 2].chunks_exact(2).zip(lower[..pairs * 2].chunks_exact(2)).map(
                    |(a, b)| {
                        ((a[0] as u16 + a[1] as u16 + b[0] as u16 + b[1] as u16 + 2) >> 2) as u8
                    },
                ),
            );
        }
        _ => {
            let step = 2 * channels;
            for (a, b) in upper[..pairs * step]
                .chunks_exact(step)
                .zip(lower[..pairs * step].chunks_exact(step))
            {
                for c in 0..channels {
                    let sum =
                        a[c] as u16 + a[c + channels] as u16 + b[c] as u16 + b[c + channels] as u16;
                    out.push(((sum + 2) >> 2) as u8);
                }
            }
        }
    }
    if width % 2 == 1 {
        let x = (width - 1) * channels;
        for c in 0..channels {
            let sum = 2 * (upper[x + c] as u16 + lower[x + c] as u16);
            out.push(((sum + 2) >> 2) as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_rounds_half_up_and_averages_odd_edges_with_themselves() {
        let mut out = Vec::new();
        // (0+0+0+1+2)/4 = 0; (0+1+1+1+2)/4 = 1 (1.25 -> 1); (1+1+2+2+2)/4 = 2 (1.5 up).
        halve_rows(&[0, 0, 0, 1, 1, 1], &[0, 1, 1, 1, 2, 2], 6, 1, &mut out);
        assert_eq!(out, [0, 1, 2]);
        // Odd width: the last pixel pairs with itself: (2*(3+4)+2)/4 = 4 (3.5 up).
        halve_rows(&[10, 20, 3], &[30, 40, 4], 3, 1, &mut out);
        assert_eq!(out, [25, 4]);
        // RGB, channel by channel.
        halve_rows(
            &[0, 10, 255, 2, 10, 255, 7, 7, 7],
            &[1, 10, 255, 1, 11, 254, 7, 8, 9],
            3,
            3,
            &mut out,
        );
        assert_eq!(out, [1, 10, 255, 7, 8, 8]);
    }
}
