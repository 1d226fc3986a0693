//! PNG, JPEG and TIFF inputs: one page per image (per TIFF directory), decoded under
//! memory limits, alpha composited onto white.

use std::io::Cursor;

use diagram_core::{ColorMode, PixelSize};
use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, RgbImage};
use tiff::decoder::Decoder as TiffDecoder;
use tiff::tags::Tag;

use crate::pixels::{luma, over_white};
use crate::{InputKind, PageImage, RasterError};

/// Directories beyond this are not even counted; the file is refused long before.
const MAX_TIFF_DIRECTORIES: usize = 100_000;

/// The image inputs, decoded by the `image` and `tiff` crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageKind {
    Png,
    Jpeg,
    Tiff,
}

impl ImageKind {
    fn input(self) -> InputKind {
        match self {
            ImageKind::Png => InputKind::Png,
            ImageKind::Jpeg => InputKind::Jpeg,
            ImageKind::Tiff => InputKind::Tiff,
        }
    }
}

/// An image file: the size of each page, known without decoding pixels.
pub(crate) struct ImageFile {
    kind: ImageKind,
    /// Per page: the TIFF directory index (0 for PNG and JPEG) and the size in pixels.
    pages: Vec<(usize, u32, u32)>,
    max_bytes: u64,
}

impl ImageFile {
    /// Reads the headers: one page for PNG and JPEG, one per full-resolution directory
    /// for TIFF (reduced-resolution copies such as thumbnails are skipped).
    pub(crate) fn open(
        bytes: &[u8],
        kind: ImageKind,
        max_pages: usize,
        max_bytes: u64,
    ) -> Result<Self, RasterError> {
        let bad = |message: String| RasterError::BadImage { kind: kind.input(), message };
        let pages = match kind {
            ImageKind::Tiff => {
                let mut dec = tiff_decoder(bytes, max_bytes).map_err(|e| bad(e.to_string()))?;
                let mut pages = Vec::new();
                let mut ifd = 0;
                let mut count = 0;
                loop {
                    let subfile = dec
                        .find_tag_unsigned::<u32>(Tag::NewSubfileType)
                        .map_err(|e| bad(e.to_string()))?;
                    if subfile.unwrap_or(0) & 1 == 0 {
                        count += 1;
                        if pages.len() <= max_pages {
                            let (w, h) = dec.dimensions().map_err(|e| bad(e.to_string()))?;
                            pages.push((ifd, w, h));
                        }
                    }
                    if !dec.more_images() || ifd + 1 >= MAX_TIFF_DIRECTORIES {
                        break;
                    }
                    dec.next_image().map_err(|e| bad(e.to_string()))?;
                    ifd += 1;
                }
                if count > max_pages {
                    return Err(RasterError::TooManyPages { count, max: max_pages });
                }
                pages
            }
            ImageKind::Png | ImageKind::Jpeg => {
                let (w, h) = reader(bytes, kind, max_bytes)
                    .into_dimensions()
                    .map_err(|e| bad(e.to_string()))?;
                vec![(0, w, h)]
            }
        };
        if pages.is_empty() {
            return Err(bad("it has no full-resolution image".to_string()));
        }
        if let Some((_, w, h)) = pages.iter().find(|(_, w, h)| *w == 0 || *h == 0) {
            return Err(bad(format!("it is {w}x{h} pixels")));
        }
        Ok(Self { kind, pages, max_bytes })
    }

    /// The number of pages.
    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The size of page `index` in image pixels.
    pub(crate) fn dimensions(&self, index: usize) -> (u32, u32) {
        let (_, w, h) = self.pages[index];
        (w, h)
    }

    /// Decodes page `index` and brings it to `size` (resampling only when the size
    /// differs from the image's).
    pub(crate) fn render(
        &self,
        bytes: &[u8],
        index: usize,
        size: PixelSize,
        colors: ColorMode,
    ) -> Result<PageImage, RasterError> {
        let grayscale = colors.is_gray();
        let (ifd, w, h) = self.pages[index];
        let fail = |message: String| RasterError::ImageDecode {
            page: index + 1,
            kind: self.kind.input(),
            message,
        };
        // Checked before decoding: the header's size, not the data, sizes the buffers.
        let peak = self.peak_bytes(bytes, index, size).map_err(fail)?;
        if peak > self.max_bytes {
            return Err(RasterError::OverBudget {
                page: index + 1,
                what: format!("decoding the {w}x{h} pixel image"),
                bytes: peak,
                budget: self.max_bytes,
            });
        }
        let decoded = match self.kind {
            ImageKind::Tiff => decode_tiff(bytes, ifd, self.max_bytes).map_err(fail)?,
            kind => {
                reader(bytes, kind, self.max_bytes).decode().map_err(|e| fail(e.to_string()))?
            }
        };
        if (decoded.width(), decoded.height()) != (w, h) {
            return Err(fail(format!(
                "the header says {w}x{h} pixels but the data holds {}x{}",
                decoded.width(),
                decoded.height()
            )));
        }
        let page = flatten(decoded, grayscale);
        if page.size() == Some(size) {
            return Ok(page);
        }
        Ok(match page {
            PageImage::Gray(g) => {
                PageImage::Gray(image::imageops::resize(&g, size.width(), size.height(), FILTER))
            }
            PageImage::Rgb(c) => {
                PageImage::Rgb(image::imageops::resize(&c, size.width(), size.height(), FILTER))
            }
        })
    }
}

impl ImageFile {
    /// The most bytes that decoding page `index` and bringing it to `size` holds at
    /// once, from the header: the decoded pixels, the 8-bit RGBA copy that the widest
    /// conversion makes, and the page at its output size (3 bytes per pixel).
    fn peak_bytes(&self, bytes: &[u8], index: usize, size: PixelSize) -> Result<u64, String> {
        use image::ImageDecoder;
        let (ifd, w, h) = self.pages[index];
        let pixels = u64::from(w) * u64::from(h);
        let decoded = match self.kind {
            ImageKind::Tiff => {
                let mut dec = tiff_decoder(bytes, self.max_bytes).map_err(|e| e.to_string())?;
                dec.seek_to_image(ifd).map_err(|e| e.to_string())?;
                let color = dec.colortype().map_err(|e| e.to_string())?;
                let bits = u64::from(color.bit_depth()) * u64::from(color.num_samples());
                // 1-bit gray is widened to 8 bits.
                pixels.saturating_mul(bits.max(8)).div_ceil(8)
            }
            kind => reader(bytes, kind, u64::MAX)
                .into_decoder()
                .map_err(|e| e.to_string())?
                .total_bytes(),
        };
        Ok(decoded
            .saturating_add(pixels.saturating_mul(4))
            .saturating_add(size.area().saturating_mul(3)))
    }
}

/// Resampling filter for scaled images: bilinear, which averages over the source
/// footprint when shrinking, so thin lines of scans fade rather than vanish.
const FILTER: FilterType = FilterType::Triangle;

fn reader(bytes: &[u8], kind: ImageKind, max_bytes: u64) -> ImageReader<Cursor<&[u8]>> {
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

fn tiff_decoder(bytes: &[u8], max_bytes: u64) -> tiff::TiffResult<TiffDecoder<Cursor<&[u8]>>> {
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    Ok(TiffDecoder::new(Cursor::new(bytes))?.with_limits(limits))
}

/// Decodes TIFF directory `ifd` into an `image` buffer.
fn decode_tiff(bytes: &[u8], ifd: usize, max_bytes: u64) -> Result<DynamicImage, String> {
    use tiff::decoder::DecodingResult as D;
    use tiff::ColorType as C;
    let mut dec = tiff_decoder(bytes, max_bytes).map_err(|e| e.to_string())?;
    dec.seek_to_image(ifd).map_err(|e| e.to_string())?;
    let (w, h) = dec.dimensions().map_err(|e| e.to_string())?;
    let color = dec.colortype().map_err(|e| e.to_string())?;
    let data = dec.read_image().map_err(|e| e.to_string())?;
    let short = || format!("the {color:?} pixel data is shorter than {w}x{h}");
    let image = match (color, data) {
        (C::Gray(1), D::U8(v)) => {
            let row = w.div_ceil(8) as usize;
            if v.len() < row * h as usize {
                return Err(short());
            }
            let mut out = Vec::with_capacity(w as usize * h as usize);
            for r in v.chunks_exact(row).take(h as usize) {
                out.extend((0..w as usize).map(|x| {
                    if r[x / 8] & (0x80 >> (x % 8)) != 0 {
                        255
                    } else {
                        0
                    }
                }));
            }
            GrayImage::from_raw(w, h, out).map(DynamicImage::ImageLuma8)
        }
        (C::Gray(8), D::U8(v)) => GrayImage::from_raw(w, h, v).map(DynamicImage::ImageLuma8),
        (C::Gray(16), D::U16(v)) => {
            image::ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageLuma16)
        }
        (C::GrayA(8), D::U8(v)) => {
            image::ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageLumaA8)
        }
        (C::GrayA(16), D::U16(v)) => {
            image::ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageLumaA16)
        }
        (C::RGB(8), D::U8(v)) => RgbImage::from_raw(w, h, v).map(DynamicImage::ImageRgb8),
        (C::RGB(16), D::U16(v)) => {
            image::ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageRgb16)
        }
        (C::RGBA(8), D::U8(v)) => {
            image::ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageRgba8)
        }
        (C::RGBA(16), D::U16(v)) => {
            image::ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageRgba16)
        }
        (C::CMYK(8), D::U8(v)) => {
            let rgb = v
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - p[3] as u32;
                    p[..3]
                        .iter()
                        .map(move |&c| ((255 - c as u32) * k / 255) as u8)
                        .collect::<Vec<_>>()
                })
                .collect();
            RgbImage::from_raw(w, h, rgb).map(DynamicImage::ImageRgb8)
        }
        (color, _) => return Err(format!("the colour type {color:?} is not supported")),
    };
    image.ok_or_else(short)
}

/// The opaque page of a decoded image: alpha composited onto white, then gray by
/// [`luma`] or RGB. Each conversion writes a new buffer while reading the old one once.
fn flatten(image: DynamicImage, grayscale: bool) -> PageImage {
    match image {
        DynamicImage::ImageLuma8(g) if grayscale => PageImage::Gray(g),
        DynamicImage::ImageRgb8(c) if !grayscale => PageImage::Rgb(c),
        DynamicImage::ImageLuma8(g) => PageImage::Rgb(DynamicImage::ImageLuma8(g).into_rgb8()),
        DynamicImage::ImageRgb8(c) => {
            let data = c.pixels().map(|p| luma(p[0], p[1], p[2])).collect();
            PageImage::Gray(GrayImage::from_raw(c.width(), c.height(), data).expect("same size"))
        }
        DynamicImage::ImageLuma16(_) if grayscale => PageImage::Gray(image.into_luma8()),
        other if other.color().has_alpha() => {
            let rgba = other.into_rgba8();
            let (w, h) = rgba.dimensions();
            let px = rgba.pixels().map(|p| {
                let a = p[3];
                (over_white(p[0], a), over_white(p[1], a), over_white(p[2], a))
            });
            if grayscale {
                let data = px.map(|(r, g, b)| luma(r, g, b)).collect();
                PageImage::Gray(GrayImage::from_raw(w, h, data).expect("same size"))
            } else {
                let data = px.flat_map(|(r, g, b)| [r, g, b]).collect();
                PageImage::Rgb(RgbImage::from_raw(w, h, data).expect("same size"))
            }
        }
        other => flatten(DynamicImage::ImageRgb8(other.into_rgb8()), grayscale),
    }
}
