use crate::bit_reader::BitWriter;
use crate::object::Dict;
use crate::object::Stream;
use crate::object::dict::keys::JBIG2_GLOBALS;
use crate::object::stream::{FilterResult, ImageColorSpace, ImageData, ImageDecodeParams};
use alloc::borrow::Cow;
use alloc::vec;
use alloc::vec::Vec;

/// Decode JBIG2 data from a PDF stream.
///
/// The `params` dictionary may contain a `JBIG2Globals` entry pointing to
/// a stream with shared symbol dictionaries.
pub(crate) fn decode(
    data: &[u8],
    params: &Dict<'_>,
    image_params: &ImageDecodeParams,
) -> Option<FilterResult<'static>> {
    let globals = params
        .get::<Stream<'_>>(JBIG2_GLOBALS)
        .and_then(|g| g.decoded_data().ok());

    let settings = hayro_jbig2::DecodeSettings { strict: false };
    let globals = globals
        .map(|globals| hayro_jbig2::Globals::new(&globals, &settings))
        .transpose()
        .ok()?;
    let page = hayro_jbig2::Page::new_embedded(data, globals.as_ref(), &settings).ok()?;

    // diagram-convert patch 4: the page's declared size, one byte per pixel as it is
    // decoded below, must fit the budget before decoding (PATCHES.md).
    if !crate::budget::allow_product(
        "a decoded JBIG2 image",
        &[page.width() as u64, page.height() as u64],
    ) {
        return None;
    }

    // Whenever possible (if we don't have an indexed color space), we convert
    // the data as 8-bit instead of 1-bit, so that it can be easier converted
    // into an RGBA8 image.

    // We need to invert the color because JBIG2 uses black = 1 and
    // white = 0, but PDF uses the opposite.
    let (decoded, bpc) = if image_params.is_indexed {
        let row_bytes = (page.width() as usize).div_ceil(8);
        let mut packed = vec![0_u8; row_bytes * page.height() as usize];

        struct BitWriterDecoder<'a> {
            writer: BitWriter<'a>,
        }

        impl hayro_jbig2::Decoder for BitWriterDecoder<'_> {
            fn push_pixel(&mut self, black: bool) {
                let _ = self.writer.write(u32::from(!black));
            }

            fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
                let byte_value = if black { 0x00 } else { 0xFF };
                let _ = self.writer.fill_bytes(byte_value, chunk_count as usize);
            }

            fn next_line(&mut self) {
                // Images need to be padded to the byte boundary after each row.
                self.writer.align();
            }
        }

        let writer = BitWriter::new(&mut packed, 1)?;
        let mut decoder = BitWriterDecoder { writer };
        page.decode(&mut decoder).ok()?;

        (packed, 1)
    } else {
        struct Luma8Decoder {
            output: Vec<u8>,
            pos: usize,
        }

        impl hayro_jbig2::Decoder for Luma8Decoder {
            fn push_pixel(&mut self, black: bool) {
                if black {
                    self.output[self.pos] = 0x00;
                }

                self.pos += 1;
            }

            fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
                let count = chunk_count as usize * 8;

                if black {
                    self.output[self.pos..self.pos + count].fill(0x00);
                }

                self.pos += count;
            }

            fn next_line(&mut self) {}
        }

        let mut decoder = Luma8Decoder {
            output: vec![0xFF; page.width() as usize * page.height() as usize],
            pos: 0,
        };
        page.decode(&mut decoder).ok()?;

        (decoder.output, 8)
    };

    Some(FilterResult {
        data: Cow::Owned(decoded),
        image_data: Some(ImageData {
            alpha: None,
            color_space: Some(ImageColorSpace::Gray),
            bits_per_component: bpc,
            width: page.width(),
            height: page.height(),
        }),
    })
}
