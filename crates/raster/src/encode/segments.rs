//! The default PNG encoding ([`PngCompression::Fast`](super::PngCompression::Fast) with a
//! fixed row filter) written in segments of rows that can be filtered and compressed on
//! several threads, with the same bytes as one thread writes.
//!
//! The DEFLATE format is that of the `fdeflate` crate's compressor (MIT OR Apache-2.0,
//! by the image-rs developers), which the `png` crate used for this setting: a zlib
//! stream of one dynamic-Huffman block whose code lengths are fixed for filtered image
//! data, holding literals and runs of zero bytes (a zero literal, then lengths at
//! distance 1). A code's bits do not depend on where it starts, so a segment's bits can
//! be made alone and joined to the others bit by bit; the Adler-32 checksums of the
//! segments are combined. A segment is a fixed number of rows set by the row length
//! alone, so the bytes do not depend on how the rows arrive or on the thread count.
//!
//! `fdeflate` ends a run of zeros at each call; here a run goes on across the rows of a
//! segment (white rows filter to zeros), so the files are a little smaller.

use super::PngFilter;

/// The zlib header (2 bytes) and the block header of `fdeflate`'s fixed code: 53 bytes
/// and the 5 low bits of the last byte.
const HEADER: [u8; 54] = [
    120, 1, 237, 192, 3, 160, 36, 89, 150, 198, 241, 255, 119, 238, 141, 200, 204, 167, 114, 75,
    99, 174, 109, 219, 182, 109, 219, 182, 109, 219, 182, 109, 105, 140, 158, 150, 74, 175, 158,
    50, 51, 34, 238, 249, 118, 183, 106, 122, 166, 135, 59, 107, 213, 15,
];

/// `fdeflate`'s code lengths for the 286 literal/length symbols, which [`HEADER`] declares.
const LENGTHS: [u8; 286] = [
    2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10,
    10, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 11, 11, 11, 11, 11, 11, 11,
    11, 11, 11, 10, 11, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9, 9, 9, 9, 9, 8, 9, 8, 8, 8, 8, 8, 7,
    7, 7, 6, 6, 6, 5, 4, 3, 12, 12, 12, 9, 9, 11, 10, 11, 11, 10, 11, 11, 11, 11, 11, 11, 12, 11,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 9,
];

/// The canonical codes of [`LENGTHS`], bit-reversed (DEFLATE writes codes from the top
/// bit into a stream read from the low bit).
const CODES: [u16; 286] = {
    let mut codes = [0u16; 286];
    let mut code = 0u32;
    let mut len = 1;
    while len <= 15 {
        let mut i = 0;
        while i < 286 {
            if LENGTHS[i] == len {
                codes[i] = (code as u16).reverse_bits() >> (16 - len);
                code += 1;
            }
            i += 1;
        }
        code <<= 1;
        len += 1;
    }
    assert!(code == 1 << 16, "LENGTHS is not a complete code");
    codes
};

/// For a match length 3 to 258 (at index length - 3): its symbol and its extra bits.
const LENGTH_SYMBOLS: [(u16, u8); 256] = {
    const EXTRA: [u8; 29] =
        [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    let mut table = [(0u16, 0u8); 256];
    let mut s = 0;
    while s < 29 {
        let mut len = LENGTH_BASE[s] as usize;
        // Symbol 284 covers 227 to 257; 258 has a symbol of its own.
        let end = match s {
            27 => 258,
            28 => 259,
            _ => len + (1 << EXTRA[s]),
        };
        while len < end {
            table[len - 3] = (257 + s as u16, EXTRA[s]);
            len += 1;
        }
        s += 1;
    }
    table
};

/// Bits written from the low end, in 64-bit words.
#[derive(Debug, Default)]
pub(super) struct Bits {
    pub(super) bytes: Vec<u8>,
    buffer: u64,
    nbits: u8,
}

impl Bits {
    fn write(&mut self, bits: u64, nbits: u8) {
        debug_assert!(nbits <= 64 && (nbits == 64 || bits >> nbits == 0));
        self.buffer |= bits.checked_shl(u32::from(self.nbits)).unwrap_or(0);
        let total = self.nbits + nbits;
        if total >= 64 {
            self.bytes.extend_from_slice(&self.buffer.to_le_bytes());
            self.nbits = total - 64;
            self.buffer = bits.checked_shr(u32::from(nbits - self.nbits)).unwrap_or(0);
        } else {
            self.nbits = total;
        }
    }

    /// Appends `other`'s bits.
    pub(super) fn append(&mut self, other: &Bits) {
        for word in other.bytes.chunks_exact(8) {
            self.write(u64::from_le_bytes(word.try_into().expect("8 bytes")), 64);
        }
        if other.nbits > 0 {
            self.write(other.buffer, other.nbits);
        }
    }

    /// Pads to a whole byte and moves every whole byte into `bytes`.
    pub(super) fn flush_to_byte(&mut self) {
        let whole = self.nbits.div_ceil(8) as usize;
        self.bytes.extend_from_slice(&self.buffer.to_le_bytes()[..whole]);
        self.buffer = 0;
        self.nbits = 0;
    }
}

/// The start of the zlib stream: its header and the block's.
pub(super) fn stream_start() -> Bits {
    let mut bits = Bits::default();
    bits.bytes.extend_from_slice(&HEADER[..53]);
    bits.write(u64::from(HEADER[53]), 5);
    bits
}

/// Ends the block (its end code) and the stream (to a byte, then the checksum).
pub(super) fn stream_end(bits: &mut Bits, adler: u32) {
    bits.write(u64::from(CODES[256]), LENGTHS[256]);
    bits.flush_to_byte();
    bits.bytes.extend_from_slice(&adler.to_be_bytes());
}

/// The compressed bits of one segment, with the Adler-32 of its filtered bytes.
#[derive(Debug)]
pub(super) struct Segment {
    pub(super) bits: Bits,
    pub(super) adler: u32,
    /// The filtered bytes (a filter byte per row, then the row).
    pub(super) len: u64,
}

/// Filters and compresses `rows` (whole rows of `row_bytes`), whose row above is
/// `above` (zeros above the first row of the image).
pub(super) fn encode(
    above: &[u8],
    rows: &[u8],
    row_bytes: usize,
    bpp: usize,
    filter: PngFilter,
) -> Segment {
    let mut encoder = Encoder { bits: Bits::default(), run: 0 };
    encoder.bits.bytes.reserve(rows.len() / 8);
    let mut adler = simd_adler32::Adler32::new();
    let mut filtered = vec![0u8; row_bytes + 1];
    let mut previous = above;
    for row in rows.chunks_exact(row_bytes) {
        filtered[0] = filter_row(filter, bpp, previous, row, &mut filtered[1..]);
        adler.write(&filtered);
        encoder.write(&filtered);
        previous = row;
    }
    encoder.end_run();
    let len = (rows.len() / row_bytes.max(1) * (row_bytes + 1)) as u64;
    Segment { bits: encoder.bits, adler: adler.finish(), len }
}

/// Huffman coding of literals and zero runs.
struct Encoder {
    bits: Bits,
    run: u32,
}

impl Encoder {
    fn literal(&mut self, b: u8) {
        self.bits.write(u64::from(CODES[b as usize]), LENGTHS[b as usize]);
    }

    /// Four literals as one write (4 x 12 bits at most).
    fn literals4(&mut self, c: &[u8]) {
        let (n0, n1, n2, n3) = (
            LENGTHS[c[0] as usize],
            LENGTHS[c[1] as usize],
            LENGTHS[c[2] as usize],
            LENGTHS[c[3] as usize],
        );
        let bits = u64::from(CODES[c[0] as usize])
            | (u64::from(CODES[c[1] as usize]) << n0)
            | (u64::from(CODES[c[2] as usize]) << (n0 + n1))
            | (u64::from(CODES[c[3] as usize]) << (n0 + n1 + n2));
        self.bits.write(bits, n0 + n1 + n2 + n3);
    }

    /// `run` zero bytes: a zero literal, then matches at distance 1 (the one-bit distance
    /// code 0 follows each length), or zero literals for a rest of 4 or fewer.
    fn write_run(&mut self, run: u32) {
        self.literal(0);
        let mut run = run - 1;
        while run >= 258 {
            self.bits.write(u64::from(CODES[285]), LENGTHS[285] + 1);
            run -= 258;
        }
        if run > 4 {
            let (symbol, extra) = LENGTH_SYMBOLS[run as usize - 3];
            self.bits.write(u64::from(CODES[symbol as usize]), LENGTHS[symbol as usize]);
            let value = u64::from(run - u32::from(LENGTH_BASE[symbol as usize - 257]));
            self.bits.write(value, extra + 1);
        } else {
            for _ in 0..run {
                self.literal(0);
            }
        }
    }

    fn end_run(&mut self) {
        if self.run > 0 {
            let run = std::mem::take(&mut self.run);
            self.write_run(run);
        }
    }

    fn write(&mut self, data: &[u8]) {
        let mut chunks = data.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            if word == 0 {
                self.run += 8;
                continue;
            }
            // Zeros at the start of the chunk end the run.
            let lead = (word.trailing_zeros() / 8) as usize;
            if self.run > 0 || lead > 0 {
                self.run += lead as u32;
                self.end_run();
            }
            // Zeros at its end start the next.
            let tail = (word.leading_zeros() / 8) as usize;
            let body = &chunk[lead..8 - tail];
            if lead == 0 && tail == 0 {
                self.literals4(&chunk[..4]);
                self.literals4(&chunk[4..]);
            } else {
                for &b in body {
                    self.literal(b);
                }
            }
            self.run = tail as u32;
        }
        for &b in chunks.remainder() {
            if b == 0 {
                self.run += 1;
            } else {
                self.end_run();
                self.literal(b);
            }
        }
    }
}

/// The base length of each length symbol 257 to 285.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];

/// Filters `row` against `above` into `out`; the filter's type byte.
fn filter_row(filter: PngFilter, bpp: usize, above: &[u8], row: &[u8], out: &mut [u8]) -> u8 {
    let n = row.len();
    match filter {
        PngFilter::None | PngFilter::Adaptive => {
            out.copy_from_slice(row);
            0
        }
        PngFilter::Sub => {
            out[..bpp].copy_from_slice(&row[..bpp]);
            for ((o, &x), &a) in out[bpp..].iter_mut().zip(&row[bpp..]).zip(&row[..n - bpp]) {
                *o = x.wrapping_sub(a);
            }
            1
        }
        PngFilter::Up => {
            for ((o, &x), &b) in out.iter_mut().zip(row).zip(above) {
                *o = x.wrapping_sub(b);
            }
            2
        }
        PngFilter::Average => {
            for i in 0..bpp {
                out[i] = row[i].wrapping_sub(above[i] / 2);
            }
            for i in bpp..n {
                let (a, b) = (u16::from(row[i - bpp]), u16::from(above[i]));
                out[i] = row[i].wrapping_sub(((a + b) / 2) as u8);
            }
            3
        }
        PngFilter::Paeth => {
            for i in 0..bpp {
                out[i] = row[i].wrapping_sub(above[i]);
            }
            let (out, row_b) = (&mut out[bpp..], &row[bpp..]);
            let (a_s, b_s, c_s) = (&row[..n - bpp], &above[bpp..], &above[..n - bpp]);
            for i in 0..row_b.len() {
                out[i] = row_b[i].wrapping_sub(paeth(a_s[i], b_s[i], c_s[i]));
            }
            4
        }
    }
}

/// The Paeth predictor of the PNG specification, branch-free.
#[inline]
fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (a16, b16, c16) = (i16::from(a), i16::from(b), i16::from(c));
    let pa = (b16 - c16).abs();
    let pb = (a16 - c16).abs();
    let pc = (a16 + b16 - 2 * c16).abs();
    let ab = if pb < pa { b } else { a };
    if pc < pa.min(pb) {
        c
    } else {
        ab
    }
}

/// The Adler-32 of two byte strings one after the other, from theirs and the second's
/// length (zlib's `adler32_combine`).
pub(super) fn adler_combine(first: u32, second: u32, second_len: u64) -> u32 {
    const BASE: u32 = 65521;
    let rem = (second_len % u64::from(BASE)) as u32;
    let mut sum1 = first & 0xffff;
    let mut sum2 = (rem * sum1) % BASE;
    sum1 += (second & 0xffff) + BASE - 1;
    sum2 += (first >> 16) + (second >> 16) + BASE - rem;
    if sum1 >= BASE {
        sum1 -= BASE;
    }
    if sum1 >= BASE {
        sum1 -= BASE;
    }
    if sum2 >= BASE << 1 {
        sum2 -= BASE << 1;
    }
    if sum2 >= BASE {
        sum2 -= BASE;
    }
    (sum2 << 16) | sum1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_table_follows_the_deflate_specification() {
        assert_eq!(LENGTH_SYMBOLS[0], (257, 0));
        assert_eq!(LENGTH_SYMBOLS[11 - 3], (265, 1));
        assert_eq!(LENGTH_SYMBOLS[12 - 3], (265, 1));
        assert_eq!(LENGTH_SYMBOLS[227 - 3], (284, 5));
        assert_eq!(LENGTH_SYMBOLS[257 - 3], (284, 5));
        assert_eq!(LENGTH_SYMBOLS[258 - 3], (285, 0));
    }

    #[test]
    fn combined_checksums_are_the_checksum_of_the_whole() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let whole = simd_adler32::adler32(&data.as_slice());
        for cut in [0, 1, 5552, 65521, 100_000, 199_999, 200_000] {
            let (a, b) = data.split_at(cut);
            let (a, b) = (simd_adler32::adler32(&a), simd_adler32::adler32(&b));
            assert_eq!(adler_combine(a, b, (data.len() - cut) as u64), whole, "cut at {cut}");
        }
    }

    #[test]
    fn paeth_is_the_specification_s_predictor() {
        for a in (0..=255u8).step_by(3) {
            for b in (0..=255u8).step_by(5) {
                for c in (0..=255u8).step_by(7) {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    let want = if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    };
                    assert_eq!(paeth(a, b, c), want, "{a} {b} {c}");
                }
            }
        }
    }
}
