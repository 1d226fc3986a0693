//! The rows of an image input, top to bottom, as 8-bit samples: gray, gray and alpha, RGB
//! or RGBA. Non-interlaced PNGs are read a row at a time and TIFFs in strips a strip at a
//! time, so a large scan is never held whole; JPEGs, interlaced PNGs and tiled or planar
//! TIFFs are decoded whole (their size is part of the page's budget) and read from there.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};
use tiff::decoder::{ChunkType, Decoder as TiffDecoder, DecodingResult};
use tiff::tags::Tag;
use tiff::ColorType as TiffColor;

use super::ImageKind;

/// A source of rows. Each row has `width` pixels of `channels` 8-bit samples.
pub(super) struct Rows<'a> {
    pub(super) width: u32,
    pub(super) height: u32,
    /// 1 gray, 2 gray and alpha, 3 RGB, 4 RGBA.
    pub(super) channels: usize,
    next: u32,
    row: Vec<u8>,
    from: From<'a>,
}

enum From<'a> {
    /// A non-interlaced PNG, decoded row by row; `sixteen` when its samples are 16-bit
    /// (big-endian).
    Png { reader: Box<png::Reader<Cursor<&'a [u8]>>>, sixteen: bool },
    /// A chunky, stripped TIFF, decoded strip by strip: `count` strips, `next` the one
    /// after `strip` (which holds no rows before the first).
    Strips { dec: Box<TiffDecoder<Cursor<&'a [u8]>>>, count: u32, next: u32, strip: Chunk },
    /// A whole decoded image (`first` row 0).
    Whole(Chunk),
}

/// Decoded rows `first..first + rows` of a TIFF strip or a whole image, in the decoder's
/// own sample layout; converted to 8-bit samples a row at a time.
struct Chunk {
    first: u32,
    rows: u32,
    data: Samples,
    color: Layout,
}

/// Decoded samples, as the decoder gave them.
enum Samples {
    U8(Vec<u8>),
    U16(Vec<u16>),
}

/// How a decoded row is laid out.
#[derive(Clone, Copy)]
enum Layout {
    /// 1-bit gray, 0 black, rows padded to whole bytes.
    Gray1,
    /// `n` samples per pixel (gray, gray and alpha, RGB or RGBA), 8 or 16 bits.
    Plain(usize),
    /// 8-bit CMYK, brought to RGB.
    Cmyk,
}

impl Layout {
    fn channels(self) -> usize {
        match self {
            Layout::Gray1 => 1,
            Layout::Plain(n) => n,
            Layout::Cmyk => 3,
        }
    }

    /// Samples per row of `width` pixels (bytes for 1-bit gray).
    fn row_len(self, width: u32) -> usize {
        match self {
            Layout::Gray1 => width.div_ceil(8) as usize,
            Layout::Plain(n) => width as usize * n,
            Layout::Cmyk => width as usize * 4,
        }
    }

    /// A TIFF colour type's layout, if it is one we read.
    fn of_tiff(color: TiffColor) -> Result<Self, String> {
        Ok(match color {
            TiffColor::Gray(1) => Layout::Gray1,
            TiffColor::Gray(8 | 16) => Layout::Plain(1),
            TiffColor::GrayA(8 | 16) => Layout::Plain(2),
            TiffColor::RGB(8 | 16) => Layout::Plain(3),
            TiffColor::RGBA(8 | 16) => Layout::Plain(4),
            TiffColor::CMYK(8) => Layout::Cmyk,
            color => return Err(format!("the colour type {color:?} is not supported")),
        })
    }
}

/// 16-bit to 8-bit, rounded, as the `image` crate converts (`round(v * 255 / 65535)`), so
/// that pixels do not depend on which path decoded them.
fn eight(v: u16) -> u8 {
    ((u32::from(v) + 128) / 257) as u8
}

impl Chunk {
    /// Writes row `y` (of the image) as 8-bit samples into `out`.
    fn row(&self, y: u32, width: u32, out: &mut Vec<u8>) -> Result<(), String> {
        let len = self.color.row_len(width);
        let start = (y - self.first) as usize * len;
        out.clear();
        let short = || format!("the pixel data is shorter than {} rows", self.first + self.rows);
        match (&self.data, self.color) {
            (Samples::U8(v), Layout::Gray1) => {
                let r = v.get(start..start + len).ok_or_else(short)?;
                out.extend((0..width as usize).map(|x| match r[x / 8] & (0x80 >> (x % 8)) {
                    0 => 0,
                    _ => 255,
                }));
            }
            (Samples::U8(v), Layout::Plain(_)) => {
                out.extend_from_slice(v.get(start..start + len).ok_or_else(short)?)
            }
            (Samples::U16(v), Layout::Plain(_)) => {
                out.extend(v.get(start..start + len).ok_or_else(short)?.iter().map(|&s| eight(s)))
            }
            (Samples::U8(v), Layout::Cmyk) => {
                for p in v.get(start..start + len).ok_or_else(short)?.chunks_exact(4) {
                    let k = 255 - u32::from(p[3]);
                    out.extend(p[..3].iter().map(|&c| ((255 - u32::from(c)) * k / 255) as u8));
                }
            }
            _ => return Err("the sample width does not match the colour type".to_string()),
        }
        Ok(())
    }
}

impl<'a> Rows<'a> {
    /// The rows of `ifd` (TIFF; 0 otherwise), decoded with at most `max_bytes` allocated
    /// by the decoder at once.
    pub(super) fn open(
        bytes: &'a [u8],
        kind: ImageKind,
        ifd: usize,
        max_bytes: u64,
    ) -> Result<Self, String> {
        match kind {
            ImageKind::Png => {
                let reader = png_reader(bytes, max_bytes)?;
                if reader.info().interlaced {
                    return Self::whole(bytes, kind, max_bytes);
                }
                let (color, depth) = reader.output_color_type();
                let channels = color.samples();
                let (width, height) = (reader.info().width, reader.info().height);
                let sixteen = depth == png::BitDepth::Sixteen;
                let from = From::Png { reader: Box::new(reader), sixteen };
                Ok(Self { width, height, channels, next: 0, row: Vec::new(), from })
            }
            ImageKind::Tiff => {
                let mut dec = super::tiff_decoder(bytes, max_bytes).map_err(|e| e.to_string())?;
                dec.seek_to_image(ifd).map_err(|e| e.to_string())?;
                let (width, height) = dec.dimensions().map_err(|e| e.to_string())?;
                let color = dec.colortype().map_err(|e| e.to_string())?;
                let layout = Layout::of_tiff(color)?;
                let from = if in_strips(&mut dec)? {
                    let count = dec.strip_count().map_err(|e| e.to_string())?;
                    let strip =
                        Chunk { first: 0, rows: 0, data: Samples::U8(Vec::new()), color: layout };
                    From::Strips { dec: Box::new(dec), count, next: 0, strip }
                } else {
                    let data = samples(dec.read_image().map_err(|e| e.to_string())?)?;
                    From::Whole(Chunk { first: 0, rows: height, data, color: layout })
                };
                let channels = layout.channels();
                Ok(Self { width, height, channels, next: 0, row: Vec::new(), from })
            }
            ImageKind::Jpeg => Self::whole(bytes, kind, max_bytes),
        }
    }

    /// The rows of an image decoded whole by the `image` crate.
    fn whole(bytes: &'a [u8], kind: ImageKind, max_bytes: u64) -> Result<Self, String> {
        let image = reader(bytes, kind, max_bytes).decode().map_err(|e| e.to_string())?;
        let (width, height) = (image.width(), image.height());
        let (data, channels) = match image {
            DynamicImage::ImageLuma8(b) => (Samples::U8(b.into_raw()), 1),
            DynamicImage::ImageLumaA8(b) => (Samples::U8(b.into_raw()), 2),
            DynamicImage::ImageRgb8(b) => (Samples::U8(b.into_raw()), 3),
            DynamicImage::ImageRgba8(b) => (Samples::U8(b.into_raw()), 4),
            DynamicImage::ImageLuma16(b) => (Samples::U16(b.into_raw()), 1),
            DynamicImage::ImageLumaA16(b) => (Samples::U16(b.into_raw()), 2),
            DynamicImage::ImageRgb16(b) => (Samples::U16(b.into_raw()), 3),
            DynamicImage::ImageRgba16(b) => (Samples::U16(b.into_raw()), 4),
            other => (Samples::U8(other.into_rgba8().into_raw()), 4),
        };
        let chunk = Chunk { first: 0, rows: height, data, color: Layout::Plain(channels) };
        Ok(Self { width, height, channels, next: 0, row: Vec::new(), from: From::Whole(chunk) })
    }

    /// The next row, or `None` after the last.
    pub(super) fn next_row(&mut self) -> Result<Option<&[u8]>, String> {
        if self.next >= self.height {
            return Ok(None);
        }
        let y = self.next;
        match &mut self.from {
            From::Png { reader, sixteen } => {
                let row = reader.next_row().map_err(|e| e.to_string())?;
                let data = row.ok_or_else(|| format!("the pixel data ends after {y} rows"))?.data();
                self.row.clear();
                match sixteen {
                    true => self.row.extend(
                        data.chunks_exact(2).map(|b| eight(u16::from_be_bytes([b[0], b[1]]))),
                    ),
                    false => self.row.extend_from_slice(data),
                }
            }
            From::Strips { dec, count, next, strip } => {
                if y >= strip.first + strip.rows {
                    if *next >= *count {
                        return Err(format!("the pixel data ends after {y} rows"));
                    }
                    let (_, rows) = dec.chunk_data_dimensions(*next);
                    let data = samples(dec.read_chunk(*next).map_err(|e| e.to_string())?)?;
                    *strip = Chunk { first: y, rows: rows.max(1), data, color: strip.color };
                    *next += 1;
                }
                strip.row(y, self.width, &mut self.row)?;
            }
            From::Whole(chunk) => chunk.row(y, self.width, &mut self.row)?,
        }
        if self.row.len() != self.width as usize * self.channels {
            return Err(format!(
                "row {} has {} samples, not {}",
                y + 1,
                self.row.len(),
                self.width as usize * self.channels
            ));
        }
        self.next += 1;
        Ok(Some(&self.row))
    }
}

/// The `png` crate's reader of a PNG, allocating at most `max_bytes`, with the
/// transformation the `image` crate sets: palettes and low bit depths to 8 bits,
/// transparency to an alpha channel, 16 bits kept.
pub(super) fn png_reader(
    bytes: &[u8],
    max_bytes: u64,
) -> Result<png::Reader<Cursor<&[u8]>>, String> {
    let limits = png::Limits { bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX) };
    let mut dec = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    dec.set_transformations(png::Transformations::EXPAND);
    dec.read_info().map_err(|e| e.to_string())
}

/// Whether the TIFF directory `dec` is at is read strip by strip: chunky strips, not
/// tiles or planes.
pub(super) fn in_strips(dec: &mut TiffDecoder<Cursor<&[u8]>>) -> Result<bool, String> {
    let planar = dec
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .map_err(|e| e.to_string())?
        .unwrap_or(1);
    Ok(dec.get_chunk_type() == ChunkType::Strip && planar == 1)
}

/// A TIFF decoder's samples, if they are 8 or 16 bits wide.
fn samples(result: DecodingResult) -> Result<Samples, String> {
    match result {
        DecodingResult::U8(v) => Ok(Samples::U8(v)),
        DecodingResult::U16(v) => Ok(Samples::U16(v)),
        _ => Err("only 1-, 8- and 16-bit samples are supported".to_string()),
    }
}

/// The `image` crate's reader for a PNG, JPEG or TIFF, allocating at most `max_bytes`.
pub(super) fn reader(bytes: &[u8], kind: ImageKind, max_bytes: u64) -> ImageReader<Cursor<&[u8]>> {
    let format = match kind {
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Tiff => ImageFormat::Tiff,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_bytes);
    reader.limits(limits);
    reader
}
