//! PNG, JPEG and TIFF inputs: one page per image (per TIFF directory), decoded under
//! memory limits, alpha composited onto white, and streamed onto the page row by row
//! ([`source`] reads the rows, [`resample`] brings them to the page's size).

use std::io::Cursor;

use diagram_core::{ColorMode, Deadline, PixelSize};
use tiff::decoder::Decoder as TiffDecoder;
use tiff::tags::Tag;

use crate::{InputKind, PagePlan, RasterError};

mod resample;
mod source;

use resample::{flatten_row, Resampler};
use source::{in_strips, png_reader, reader, Rows};

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

    /// Decodes the planned page, brings it to the plan's size and hands its rows to
    /// `sink` in bands of the plan's `band_bytes` (see [`crate::Document::render_rows`]),
    /// checking `deadline` as it goes.
    ///
    /// Non-interlaced PNGs and stripped TIFFs are decoded a row or a strip at a time and
    /// resampled as they stream ([`resample`]), so memory does not grow with the image;
    /// JPEGs, interlaced PNGs and tiled TIFFs are decoded whole first. Either way the
    /// pixels are those of decoding the whole image and resizing it with the `image`
    /// crate's bilinear filter.
    pub(crate) fn render_rows(
        &self,
        bytes: &[u8],
        plan: &PagePlan,
        colors: ColorMode,
        deadline: Deadline,
        sink: &mut (dyn FnMut(u32, &mut [u8]) + Send),
    ) -> Result<(), RasterError> {
        let (index, size) = (plan.index, plan.frame.size());
        let gray = colors.is_gray();
        let channels = colors.channels();
        let (ifd, w, h) = self.pages[index];
        let fail = |message: String| RasterError::ImageDecode {
            page: index + 1,
            kind: self.kind.input(),
            message,
        };
        let band_rows = u32::from(crate::pdf::band_rows(size.width(), plan.band_bytes).max(1));
        // Checked before decoding: the header's size, not the data, sizes the buffers.
        let peak = self.peak_bytes(bytes, index, size, channels, band_rows).map_err(fail)?;
        if peak > self.max_bytes {
            return Err(RasterError::OverBudget {
                page: index + 1,
                what: format!("decoding the {w}x{h} pixel image"),
                bytes: peak,
                budget: self.max_bytes,
            });
        }
        let mut rows = Rows::open(bytes, self.kind, ifd, self.max_bytes).map_err(fail)?;
        if (rows.width, rows.height) != (w, h) {
            return Err(fail(format!(
                "the header says {w}x{h} pixels but the data holds {}x{}",
                rows.width, rows.height
            )));
        }
        let (out_w, out_h) = (size.width(), size.height());
        let row_bytes = out_w as usize * channels;
        let mut flat = vec![0; w as usize * channels];
        let mut resampler = Resampler::new((w, h), (out_w, out_h), channels);
        let mut band = Vec::with_capacity(band_rows as usize * row_bytes);
        let mut y0 = 0;
        let mut y = 0u32;
        let source_channels = rows.channels;
        while let Some(row) = rows.next_row().map_err(fail)? {
            // A scan of hundreds of megapixels takes seconds: the page's time limit is
            // checked as it streams, every 64 rows.
            y += 1;
            if y.is_multiple_of(64) && deadline.passed() {
                return Err(RasterError::TimedOut { page: index + 1 });
            }
            flatten_row(row, source_channels, gray, &mut flat);
            resampler.push(&flat, &mut |out| {
                band.extend_from_slice(out);
                if band.len() == band_rows as usize * row_bytes {
                    sink(y0, &mut band);
                    y0 += band_rows;
                    band.clear();
                }
            });
        }
        if !band.is_empty() {
            sink(y0, &mut band);
        }
        if resampler.emitted() != out_h {
            return Err(fail(format!("{} of {out_h} rows were made", resampler.emitted())));
        }
        Ok(())
    }
}

impl ImageFile {
    /// The most bytes that decoding page `index` and bringing it to `size` holds at
    /// once, from the header: what the decoder holds (a row or a strip when it streams,
    /// else the whole decoded image), the rows the resampler holds, and one band of the
    /// page (`band_rows` rows of `channels` bytes per pixel).
    fn peak_bytes(
        &self,
        bytes: &[u8],
        index: usize,
        size: PixelSize,
        channels: usize,
        band_rows: u32,
    ) -> Result<u64, String> {
        use image::ImageDecoder;
        let (ifd, w, h) = self.pages[index];
        let whole = || -> Result<u64, String> {
            Ok(reader(bytes, self.kind, u64::MAX)
                .into_decoder()
                .map_err(|e| e.to_string())?
                .total_bytes())
        };
        let decoder = match self.kind {
            ImageKind::Tiff => {
                let mut dec = tiff_decoder(bytes, self.max_bytes).map_err(|e| e.to_string())?;
                dec.seek_to_image(ifd).map_err(|e| e.to_string())?;
                let color = dec.colortype().map_err(|e| e.to_string())?;
                let bits = u64::from(color.bit_depth()) * u64::from(color.num_samples());
                let row = (u64::from(w) * bits).div_ceil(8);
                let rows = match in_strips(&mut dec)? {
                    true => u64::from(dec.chunk_dimensions().1.min(h)),
                    false => u64::from(h),
                };
                row.saturating_mul(rows)
            }
            ImageKind::Png => {
                match png_reader(bytes, self.max_bytes)?.info().interlaced {
                    true => whole()?,
                    // The current and previous row, and one converted.
                    false => u64::from(w).saturating_mul(8 * 3),
                }
            }
            ImageKind::Jpeg => whole()?,
        };
        let row = u64::from(w) * channels as u64;
        let resampler = match (w, h) == (size.width(), size.height()) {
            true => 0,
            false => Resampler::window_rows(h, size.height())
                .saturating_mul(row)
                .saturating_add(row.saturating_mul(4)),
        };
        let band = u64::from(band_rows) * u64::from(size.width()) * channels as u64;
        Ok(decoder
            .saturating_add(row.saturating_mul(4))
            .saturating_add(resampler)
            .saturating_add(band))
    }
}

pub(super) fn tiff_decoder(
    bytes: &[u8],
    max_bytes: u64,
) -> tiff::TiffResult<TiffDecoder<Cursor<&[u8]>>> {
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    Ok(TiffDecoder::new(Cursor::new(bytes))?.with_limits(limits))
}
