//! PNG encoding of page images, with settings chosen by measurement.
//!
//! A [`PageImage::Gray`] becomes an 8-bit grayscale PNG, a [`PageImage::Rgb`] an 8-bit RGB
//! PNG without alpha. The bytes depend only on the pixels and the [`PngOptions`]: no
//! time stamp, no text chunk, the same output on every run and thread count.
//!
//! # Why fdeflate with the Paeth filter
//! The default, [`PngCompression::Fast`] (the `fdeflate` crate's ultra-fast DEFLATE
//! format, written here in segments that may be compressed in parallel: `segments.rs`)
//! with [`PngFilter::Paeth`], was picked on the pages of `../shared/fixtures/valhall/` rendered
//! by hayro at 150 DPI. The goal for gray pages (the default): encoding costs at most a
//! quarter of rendering the page, with a file no larger than
//! `pdftoppm -r 150 -gray -png` writes (1,690,823 bytes for the A0 sheet
//! PH-25578-P-4110010-001). Fast + Paeth meets both on every page measured with room to
//! spare; zlib level 3 without a filter writes gray files a sixth smaller but takes
//! about a quarter of the render time on the A1 sheet PH-ME-P-0003-001, whose vector
//! content hayro draws in 0.13 s; Fast + Up is as fast but misses the size goal.
//!
//! Criterion medians on the A0 sheet at 150 DPI (7032x4965), `cargo bench --bench
//! render` (release, 2 cores shared with other builds, so absolute times are inflated;
//! the ratios are what matter). hayro renders this page, gray, in 425 ms:
//!
//! | compression | filter | gray ms | gray bytes | RGB ms | RGB bytes |
//! |---|---|---|---|---|---|
//! | **Fast** | **Paeth** (default) | **31** | **1,509,675** | **65** | **3,964,298** |
//! | Fast | Adaptive | 57 | 1,490,108 | 165 | 3,914,439 |
//! | Fast | Up | 27 | 2,577,763 | 75 | 7,237,044 |
//! | Level(1) | Up | 43 | 1,674,006 | 121 | 3,650,055 |
//! | Level(3) | None | 68 | 1,277,700 | 164 | 2,578,372 |
//! | Level(6) | Adaptive | 171 | 1,258,444 | 465 | 2,673,708 |
//!
//! So the default costs 7% of the render in gray and 15% in colour, and writes 11% less
//! than pdftoppm. The other pages, measured once per setting with a scratch program
//! (ms / MB; hayro renders the A1 scan PH-ME-P-0156-002 in 390 ms and the A1 vector sheet
//! PH-ME-P-0003-001 in 130 ms):
//!
//! | compression | filter | A1 scan gray | A1 vector gray | A1 scan RGB | A1 vector RGB |
//! |---|---|---|---|---|---|
//! | **Fast** | **Paeth** | **15 / 0.62** | **15 / 0.47** | **55 / 1.66** | **49 / 1.22** |
//! | Fast | Adaptive | 20 / 0.61 | 28 / 0.46 | 94 / 1.65 | 82 / 1.20 |
//! | Level(1) | Up | 17 / 0.72 | 19 / 0.54 | 49 / 1.69 | 43 / 1.25 |
//! | Level(3) | None | 30 / 0.56 | 35 / 0.39 | 97 / 1.18 | 57 / 0.79 |
//! | Level(6) | Adaptive | 63 / 0.54 | 81 / 0.38 | 147 / 1.21 | 143 / 0.80 |
//! | Level(9) | Adaptive | 1136 / 0.53 | 1074 / 0.37 | | |
//!
//! In colour, where no time goal applies, `Level(3)` with no filter is the best trade
//! for smaller files: a third smaller than the default for about two and a half times
//! the encoding time. `Level(9)` is never worth it: 13 to 21 times slower than `Level(6)`
//! for files 2-3% smaller.

use std::io::Write;

use diagram_core::ColorMode;
use rayon::prelude::*;

mod segments;

use crate::PageImage;

/// DEFLATE compression of the PNG's pixel data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PngCompression {
    /// No compression (stored blocks); the filter is ignored. Files are as large as the
    /// pixels.
    Stored,
    /// The `fdeflate` crate's ultra-fast DEFLATE, made for filtered PNG rows. The default.
    Fast,
    /// zlib-style DEFLATE (`flate2`) at a level from 1 (fastest) to 9 (smallest); other
    /// values fail with [`EncodeError::CompressionLevel`].
    Level(u8),
}

/// The PNG row filter applied before compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PngFilter {
    /// Rows stored as they are.
    None,
    /// Each byte minus the one to its left.
    Sub,
    /// Each byte minus the one above.
    Up,
    /// Each byte minus the mean of left and above.
    Average,
    /// Each byte minus the Paeth predictor of left, above and upper-left. The default.
    Paeth,
    /// The filter that looks best for each row (sum of absolute differences).
    Adaptive,
}

/// How a page image is written as PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PngOptions {
    /// DEFLATE compression. Default: [`PngCompression::Fast`].
    pub compression: PngCompression,
    /// Row filter. Default: [`PngFilter::Paeth`].
    pub filter: PngFilter,
}

impl Default for PngOptions {
    fn default() -> Self {
        Self { compression: PngCompression::Fast, filter: PngFilter::Paeth }
    }
}

/// Why a PNG could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// [`PngCompression::Level`] outside 1 to 9.
    #[error("png compression level {0} is out of range; use 1 (fastest) to 9 (smallest)")]
    CompressionLevel(u8),
    /// [`PngStream::write_rows`] was given part of a row, or more rows than the image has.
    #[error("{bytes} bytes of pixels are not whole rows of {row_bytes} bytes left in the png")]
    Rows {
        /// The bytes given.
        bytes: usize,
        /// The bytes of one row.
        row_bytes: usize,
    },
    /// A tile pyramid's tile size is outside 1 to 8192, or its overlap is not less than
    /// the tile size.
    #[error(
        "dzi tiles of {tile_size} pixels with an overlap of {overlap} are not possible; the \
         tile size must be 1 to 8192 and the overlap less than it"
    )]
    TileLayout {
        /// The tile size asked for.
        tile_size: u32,
        /// The overlap asked for.
        overlap: u32,
    },
    /// [`PngStream::finish`] was called before the last row was written.
    #[error("the png is missing its last {0} rows")]
    MissingRows(u64),
    /// The encoder or the writer failed (e.g. the disk is full).
    #[error("cannot write the png: {0}")]
    Png(#[source] png::EncodingError),
}

/// Encodes a page as PNG into memory: 8-bit gray for [`PageImage::Gray`], 8-bit RGB for
/// [`PageImage::Rgb`].
///
/// ```
/// use diagram_raster::{encode_png, PageImage, PngOptions};
///
/// let page = PageImage::Gray(image::GrayImage::from_pixel(40, 30, image::Luma([255])));
/// let png = encode_png(&page, &PngOptions::default()).unwrap();
/// assert_eq!(&png[1..4], b"PNG");
/// assert_eq!(png, encode_png(&page, &PngOptions::default()).unwrap()); // deterministic
/// ```
pub fn encode_png(image: &PageImage, options: &PngOptions) -> Result<Vec<u8>, EncodeError> {
    let mut stream = PngStream::new(image.width(), image.height(), image.colors(), options)?;
    stream.write_rows(image.as_bytes())?;
    stream.finish()
}

/// Encodes a page as PNG into `out`, like [`encode_png`] (the PNG is made in memory,
/// then written at once).
pub fn write_png<W: Write>(
    image: &PageImage,
    options: &PngOptions,
    mut out: W,
) -> Result<(), EncodeError> {
    let png = encode_png(image, options)?;
    out.write_all(&png).map_err(|e| EncodeError::Png(e.into()))
}

/// The growing PNG of a [`PngStream`], shared between the stream and the encoder that
/// writes into it (the encoder owns its writer and never gives it back).
#[derive(Debug, Clone, Default)]
struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuffer {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The size of each `IDAT` chunk [`PngStream`] writes (the last may be shorter): 1 MiB.
const IDAT_BYTES: usize = 1 << 20;

/// A PNG encoder fed rows as they are rendered, top to bottom, so that no whole page
/// image is needed: what a page rendered in bands is written with.
///
/// The bytes depend only on the pixels and the options, not on how the rows are split
/// between calls; [`encode_png`] and [`write_png`] go through it too, so a page encodes
/// to the same file whether it was rendered whole or in bands.
///
/// ```
/// use diagram_core::ColorMode;
/// use diagram_raster::{encode_png, PageImage, PngOptions, PngStream};
///
/// let page = image::GrayImage::from_fn(40, 30, |x, y| image::Luma([(x * y) as u8]));
/// let mut stream = PngStream::new(40, 30, ColorMode::Gray, &PngOptions::default())?;
/// for band in page.as_raw().chunks(40 * 7) {
///     stream.write_rows(band)?; // 7 rows at a time, then the 2 left
/// }
/// let png = stream.finish()?;
/// assert_eq!(png, encode_png(&PageImage::Gray(page), &PngOptions::default())?);
/// # Ok::<(), diagram_raster::EncodeError>(())
/// ```
pub struct PngStream {
    inner: Inner,
    row_bytes: usize,
    rows_left: u64,
}

/// Who writes a [`PngStream`]'s bytes.
enum Inner {
    /// [`PngCompression::Fast`] with a fixed filter, the default: segments of rows that
    /// may be encoded in parallel (`segments.rs`).
    Segments(Box<SegmentWriter>),
    /// Any other setting: the `png` crate.
    Png { stream: Box<png::StreamWriter<'static, SharedBuffer>>, out: SharedBuffer },
}

impl std::fmt::Debug for PngStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PngStream")
            .field("row_bytes", &self.row_bytes)
            .field("rows_left", &self.rows_left)
            .finish_non_exhaustive()
    }
}

impl PngStream {
    /// Starts a PNG in memory of `width` x `height` pixels, 8-bit gray for
    /// [`ColorMode::Gray`] and 8-bit RGB for [`ColorMode::Rgb`].
    pub fn new(
        width: u32,
        height: u32,
        colors: ColorMode,
        options: &PngOptions,
    ) -> Result<Self, EncodeError> {
        let row_bytes = width as usize * colors.channels();
        let segmented = options.compression == PngCompression::Fast
            && options.filter != PngFilter::Adaptive
            && width <= i32::MAX as u32
            && height <= i32::MAX as u32;
        let inner = if segmented {
            Inner::Segments(Box::new(SegmentWriter::new(width, height, colors, options)?))
        } else {
            let out = SharedBuffer::default();
            let writer = header(out.clone(), width, height, colors, options)?;
            let stream =
                writer.into_stream_writer_with_size(IDAT_BYTES).map_err(EncodeError::Png)?;
            Inner::Png { stream: Box::new(stream), out }
        };
        Ok(Self { inner, row_bytes, rows_left: height as u64 })
    }

    /// Whether the rows of each [`PngStream::write_rows`] call are filtered and
    /// compressed in parallel on the calling thread's rayon pool (only with the default
    /// compression and a fixed filter; other settings encode on the calling thread).
    /// The bytes are the same either way. Default: `false`. A page with helper threads
    /// turns it on, its rows then reach the encoder on the page's pool.
    pub fn parallel(mut self, parallel: bool) -> Self {
        if let Inner::Segments(w) = &mut self.inner {
            w.parallel = parallel;
        }
        self
    }

    /// Appends whole rows, top first, without padding: a multiple of the row length
    /// (width times 1 byte for gray, 3 for RGB), and no more rows than are left.
    pub fn write_rows(&mut self, rows: &[u8]) -> Result<(), EncodeError> {
        let count = (rows.len() / self.row_bytes.max(1)) as u64;
        if !rows.len().is_multiple_of(self.row_bytes.max(1)) || count > self.rows_left {
            return Err(EncodeError::Rows { bytes: rows.len(), row_bytes: self.row_bytes });
        }
        match &mut self.inner {
            Inner::Segments(w) => w.write_rows(rows)?,
            Inner::Png { stream, .. } => {
                stream.write_all(rows).map_err(|e| EncodeError::Png(e.into()))?
            }
        }
        self.rows_left -= count;
        Ok(())
    }

    /// The rows still to come.
    pub fn rows_left(&self) -> u64 {
        self.rows_left
    }

    /// Ends the PNG once every row is written, and returns it.
    pub fn finish(self) -> Result<Vec<u8>, EncodeError> {
        if self.rows_left > 0 {
            return Err(EncodeError::MissingRows(self.rows_left));
        }
        match self.inner {
            Inner::Segments(w) => w.finish(),
            Inner::Png { stream, out } => {
                stream.finish().map_err(EncodeError::Png)?;
                Ok(out.take())
            }
        }
    }
}

/// The filtered bytes of a segment (see `segments.rs`): about 256 KiB, whole rows.
const SEGMENT_BYTES: usize = 256 << 10;

/// A PNG of [`PngCompression::Fast`] and a fixed filter, written a segment of rows at a
/// time. The `png` crate writes its header and chunks; the zlib stream is ours.
struct SegmentWriter {
    /// Writes the header (when made) and each `IDAT` chunk into `out`.
    writer: png::Writer<SharedBuffer>,
    out: SharedBuffer,
    /// The zlib stream after the last whole `IDAT` chunk.
    zlib: segments::Bits,
    /// The Adler-32 of the filtered bytes so far.
    adler: u32,
    /// The last row encoded (zeros before the first).
    above: Vec<u8>,
    /// Rows of a segment not yet full.
    pending: Vec<u8>,
    segment_rows: usize,
    row_bytes: usize,
    bpp: usize,
    filter: PngFilter,
    parallel: bool,
}

impl SegmentWriter {
    fn new(
        width: u32,
        height: u32,
        colors: ColorMode,
        options: &PngOptions,
    ) -> Result<Self, EncodeError> {
        let out = SharedBuffer::default();
        let writer = header(out.clone(), width, height, colors, options)?;
        let bpp = colors.channels();
        let row_bytes = width as usize * bpp;
        Ok(Self {
            writer,
            out,
            zlib: segments::stream_start(),
            adler: 1,
            above: vec![0; row_bytes],
            pending: Vec::new(),
            segment_rows: (SEGMENT_BYTES / (row_bytes + 1)).max(1),
            row_bytes,
            bpp,
            filter: options.filter,
            parallel: false,
        })
    }

    fn write_rows(&mut self, mut rows: &[u8]) -> Result<(), EncodeError> {
        let segment = self.segment_rows * self.row_bytes;
        // A started segment is completed first.
        if !self.pending.is_empty() {
            let take = (segment - self.pending.len()).min(rows.len());
            self.pending.extend_from_slice(&rows[..take]);
            rows = &rows[take..];
            if self.pending.len() < segment {
                return Ok(());
            }
        }
        let mut pending = std::mem::take(&mut self.pending);
        let (body, tail) = rows.split_at(rows.len() / segment * segment);
        let chunks: Vec<&[u8]> = (!pending.is_empty())
            .then_some(&pending[..])
            .into_iter()
            .chain(body.chunks(segment))
            .collect();
        // Each segment's row above is the last row of the one before it.
        let encode = |i: usize| {
            let above =
                if i == 0 { &self.above[..] } else { &chunks[i - 1][segment - self.row_bytes..] };
            segments::encode(above, chunks[i], self.row_bytes, self.bpp, self.filter)
        };
        let encoded: Vec<segments::Segment> = if self.parallel && chunks.len() > 1 {
            (0..chunks.len()).into_par_iter().map(encode).collect()
        } else {
            (0..chunks.len()).map(encode).collect()
        };
        if let Some(last) = chunks.last() {
            self.above = last[segment - self.row_bytes..].to_vec();
        }
        for segment in &encoded {
            self.append(segment)?;
        }
        // The buffer is kept for the next started segment.
        pending.clear();
        pending.extend_from_slice(tail);
        self.pending = pending;
        Ok(())
    }

    fn append(&mut self, segment: &segments::Segment) -> Result<(), EncodeError> {
        self.zlib.append(&segment.bits);
        self.adler = segments::adler_combine(self.adler, segment.adler, segment.len);
        if self.zlib.bytes.len() >= IDAT_BYTES {
            let whole = self.zlib.bytes.len() / IDAT_BYTES * IDAT_BYTES;
            for chunk in self.zlib.bytes[..whole].chunks(IDAT_BYTES) {
                self.writer.write_chunk(png::chunk::IDAT, chunk).map_err(EncodeError::Png)?;
            }
            self.zlib.bytes.drain(..whole);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>, EncodeError> {
        if !self.pending.is_empty() {
            let last =
                segments::encode(&self.above, &self.pending, self.row_bytes, self.bpp, self.filter);
            self.append(&last)?;
        }
        segments::stream_end(&mut self.zlib, self.adler);
        for chunk in self.zlib.bytes.chunks(IDAT_BYTES) {
            self.writer.write_chunk(png::chunk::IDAT, chunk).map_err(EncodeError::Png)?;
        }
        // Dropping the writer writes `IEND` (its `finish` wants the image data written
        // through it, which ours is not).
        drop(self.writer);
        Ok(self.out.take())
    }
}

/// A PNG encoder for `width` x `height` pixels in `colors` with `options`, its header
/// written into `out`.
fn header<W: Write>(
    out: W,
    width: u32,
    height: u32,
    colors: ColorMode,
    options: &PngOptions,
) -> Result<png::Writer<W>, EncodeError> {
    let compression = match options.compression {
        PngCompression::Stored => png::DeflateCompression::NoCompression,
        PngCompression::Fast => png::DeflateCompression::FdeflateUltraFast,
        PngCompression::Level(level @ 1..=9) => png::DeflateCompression::Level(level),
        PngCompression::Level(level) => return Err(EncodeError::CompressionLevel(level)),
    };
    let filter = match options.filter {
        PngFilter::None => png::Filter::NoFilter,
        PngFilter::Sub => png::Filter::Sub,
        PngFilter::Up => png::Filter::Up,
        PngFilter::Average => png::Filter::Avg,
        PngFilter::Paeth => png::Filter::Paeth,
        PngFilter::Adaptive => png::Filter::Adaptive,
    };
    let mut encoder = png::Encoder::new(out, width, height);
    encoder.set_color(if colors.is_gray() {
        png::ColorType::Grayscale
    } else {
        png::ColorType::Rgb
    });
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_deflate_compression(compression);
    encoder.set_filter(filter);
    encoder.write_header().map_err(EncodeError::Png)
}

/// A small image's PNG in one call (a tile): `pixels` are its rows, top first, without
/// padding. Unlike a [`PngStream`], no 1 MiB chunk buffer is set up, so thousands of
/// tiles cost only their pixels; the pixel data is one `IDAT` chunk.
pub(crate) fn encode_small_png(
    width: u32,
    height: u32,
    colors: ColorMode,
    options: &PngOptions,
    pixels: &[u8],
) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(pixels.len() / 4 + 128);
    let mut writer = header(&mut out, width, height, colors, options)?;
    writer.write_image_data(pixels).map_err(EncodeError::Png)?;
    writer.finish().map_err(EncodeError::Png)?;
    // Thousands of tiles are kept until their page is done: hold only their bytes.
    out.shrink_to_fit();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, RgbImage};

    /// A page with lines, a gradient and noise, so every filter has work to do.
    fn sample_gray(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            let line = x % 17 == 0 || y % 23 == 0;
            let noise = (x.wrapping_mul(2654435761) ^ y.wrapping_mul(40503)) % 7;
            image::Luma([if line { 0 } else { (200 + (x + y) % 50 + noise) as u8 }])
        })
    }

    fn sample_rgb(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 3) as u8, (y * 5) as u8, ((x ^ y) * 7) as u8])
        })
    }

    fn decode(bytes: &[u8]) -> (png::ColorType, png::BitDepth, u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.color_type, info.bit_depth, info.width, info.height, buf)
    }

    const ALL_COMPRESSIONS: [PngCompression; 5] = [
        PngCompression::Stored,
        PngCompression::Fast,
        PngCompression::Level(1),
        PngCompression::Level(6),
        PngCompression::Level(9),
    ];
    const ALL_FILTERS: [PngFilter; 6] = [
        PngFilter::None,
        PngFilter::Sub,
        PngFilter::Up,
        PngFilter::Average,
        PngFilter::Paeth,
        PngFilter::Adaptive,
    ];

    #[test]
    fn every_setting_round_trips_gray_and_rgb() {
        // Odd sizes catch row-length mistakes.
        let gray = PageImage::Gray(sample_gray(101, 37));
        let rgb = PageImage::Rgb(sample_rgb(53, 29));
        for compression in ALL_COMPRESSIONS {
            for filter in ALL_FILTERS {
                let options = PngOptions { compression, filter };
                let (ct, depth, w, h, px) = decode(&encode_png(&gray, &options).unwrap());
                assert_eq!(
                    (ct, depth, w, h),
                    (png::ColorType::Grayscale, png::BitDepth::Eight, 101, 37)
                );
                assert_eq!(px, gray.as_bytes(), "{options:?}");
                let (ct, depth, w, h, px) = decode(&encode_png(&rgb, &options).unwrap());
                assert_eq!((ct, depth, w, h), (png::ColorType::Rgb, png::BitDepth::Eight, 53, 29));
                assert_eq!(px, rgb.as_bytes(), "{options:?}");
            }
        }
    }

    #[test]
    fn the_bytes_do_not_depend_on_how_rows_are_split() {
        let gray = sample_gray(101, 37);
        for compression in ALL_COMPRESSIONS {
            for filter in ALL_FILTERS {
                let options = PngOptions { compression, filter };
                let whole = encode_png(&PageImage::Gray(gray.clone()), &options).unwrap();
                for rows in [1, 2, 5, 36, 37] {
                    let mut stream = PngStream::new(101, 37, ColorMode::Gray, &options).unwrap();
                    for band in gray.as_raw().chunks(101 * rows) {
                        stream.write_rows(band).unwrap();
                    }
                    assert_eq!(stream.rows_left(), 0);
                    let out = stream.finish().unwrap();
                    assert_eq!(out, whole, "{options:?}, {rows} rows at a time");
                }
            }
        }
    }

    /// A page-like image: white margins (long zero runs after filtering), a noisy block
    /// (incompressible, so several `IDAT` chunks) and lines.
    fn page_like(width: u32, height: u32, colors: ColorMode) -> Vec<u8> {
        let channels = colors.channels() as u32;
        let mut state = 0x9e37_79b9_u32;
        let mut pixels = Vec::with_capacity((width * height * channels) as usize);
        for y in 0..height {
            for x in 0..width {
                for c in 0..channels {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    let v = if (y / 40) % 3 != 0 && x > width / 5 && x < width * 4 / 5 {
                        state as u8
                    } else if x % 97 == c || y % 61 == 0 {
                        0
                    } else {
                        255
                    };
                    pixels.push(v);
                }
            }
        }
        pixels
    }

    #[test]
    fn segments_encoded_in_parallel_give_the_bytes_of_one_thread_and_decode_to_the_pixels() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        // 3001 px rows: 87 rows per segment, the last segment partial, several IDATs.
        for colors in [ColorMode::Gray, ColorMode::Rgb] {
            let (w, h) = (3001, 1009);
            let pixels = page_like(w, h, colors);
            let row = w as usize * colors.channels();
            for filter in [PngFilter::Paeth, PngFilter::Up, PngFilter::None] {
                let options = PngOptions { compression: PngCompression::Fast, filter };
                let mut one = PngStream::new(w, h, colors, &options).unwrap();
                one.write_rows(&pixels).unwrap();
                let one = one.finish().unwrap();
                let (_, _, dw, dh, decoded) = decode(&one);
                assert_eq!((dw, dh), (w, h));
                assert!(decoded == pixels, "{colors:?} {filter:?}: the pixels changed");
                let idats = one.windows(4).filter(|k| k == b"IDAT").count();
                assert!(idats >= 2, "{colors:?} {filter:?}: {idats} IDAT chunk(s)");
                for rows in [1, 86, 87, 88, 300, 1009] {
                    let mut stream = PngStream::new(w, h, colors, &options).unwrap().parallel(true);
                    pool.install(|| {
                        for band in pixels.chunks(row * rows) {
                            stream.write_rows(band).unwrap();
                        }
                    });
                    let out = stream.finish().unwrap();
                    assert!(out == one, "{colors:?} {filter:?}, {rows} rows a call");
                }
            }
        }
    }

    #[test]
    fn the_segments_are_no_larger_than_the_png_crate_with_fdeflate() {
        // What `PngCompression::Fast` wrote before it was segmented.
        for (w, h, colors) in [(7016, 300, ColorMode::Gray), (2001, 400, ColorMode::Rgb)] {
            let pixels = page_like(w, h, colors);
            let out = SharedBuffer::default();
            {
                let mut encoder = png::Encoder::new(out.clone(), w, h);
                encoder.set_color(if colors.is_gray() {
                    png::ColorType::Grayscale
                } else {
                    png::ColorType::Rgb
                });
                encoder.set_depth(png::BitDepth::Eight);
                encoder.set_deflate_compression(png::DeflateCompression::FdeflateUltraFast);
                encoder.set_filter(png::Filter::Paeth);
                let mut stream = encoder.write_header().unwrap().into_stream_writer().unwrap();
                stream.write_all(&pixels).unwrap();
                stream.finish().unwrap();
            }
            let theirs = out.take();
            let mut ours = PngStream::new(w, h, colors, &PngOptions::default()).unwrap();
            ours.write_rows(&pixels).unwrap();
            let ours = ours.finish().unwrap();
            assert!(ours.len() <= theirs.len(), "{colors:?}: {} > {}", ours.len(), theirs.len());
        }
    }

    #[test]
    fn partial_extra_and_missing_rows_are_refused() {
        let options = PngOptions::default();
        let mut stream = PngStream::new(10, 3, ColorMode::Rgb, &options).unwrap();
        let err = stream.write_rows(&[0; 31]).unwrap_err();
        assert!(matches!(err, EncodeError::Rows { bytes: 31, row_bytes: 30 }), "{err}");
        stream.write_rows(&[0; 60]).unwrap();
        assert!(matches!(stream.write_rows(&[0; 60]), Err(EncodeError::Rows { .. })));
        assert_eq!(stream.rows_left(), 1);
        let err = stream.finish().unwrap_err();
        assert!(matches!(err, EncodeError::MissingRows(1)), "{err}");
        assert_eq!(err.to_string(), "the png is missing its last 1 rows");
    }

    #[test]
    fn output_is_deterministic_and_has_no_extra_chunks() {
        let page = PageImage::Gray(sample_gray(300, 200));
        let a = encode_png(&page, &PngOptions::default()).unwrap();
        let b = encode_png(&page, &PngOptions::default()).unwrap();
        assert_eq!(a, b);
        // Walk the chunks: IHDR, one or more IDAT, IEND, nothing else (no time or text).
        let mut at = 8;
        let mut kinds = Vec::new();
        while at < a.len() {
            let len = u32::from_be_bytes(a[at..at + 4].try_into().unwrap()) as usize;
            kinds.push(String::from_utf8(a[at + 4..at + 8].to_vec()).unwrap());
            at += 12 + len;
        }
        kinds.dedup();
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
    }

    #[test]
    fn compression_actually_compresses() {
        // A drawing: white paper with thin black lines, like a P&ID.
        let page = PageImage::Gray(GrayImage::from_fn(400, 300, |x, y| {
            image::Luma([if x % 17 == 0 || y % 23 == 0 || x == y { 0 } else { 255 }])
        }));
        let size = |compression| {
            encode_png(&page, &PngOptions { compression, filter: PngFilter::Paeth }).unwrap().len()
        };
        let stored = size(PngCompression::Stored);
        assert!(stored > 400 * 300, "stored {stored}");
        assert!(size(PngCompression::Fast) < stored / 10);
        assert!(size(PngCompression::Level(9)) <= size(PngCompression::Level(1)));
    }

    #[test]
    fn levels_outside_1_to_9_are_refused() {
        let page = PageImage::Gray(sample_gray(4, 4));
        for level in [0, 10, 255] {
            let options =
                PngOptions { compression: PngCompression::Level(level), ..Default::default() };
            let err = encode_png(&page, &options).unwrap_err();
            assert!(matches!(err, EncodeError::CompressionLevel(l) if l == level));
            assert!(err.to_string().contains("1 (fastest) to 9"), "{err}");
        }
    }

    #[test]
    fn a_failing_writer_is_an_error_not_a_panic() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let page = PageImage::Gray(sample_gray(10, 10));
        let err = write_png(&page, &PngOptions::default(), Full).unwrap_err();
        assert!(matches!(err, EncodeError::Png(_)));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn error_is_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<EncodeError>();
        check::<PngOptions>();
    }
}
