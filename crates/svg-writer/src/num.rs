//! Fixed-precision numbers and compact path data.

/// Writes `v` rounded to `decimals` places, trailing zeros and a leading `0` dropped
/// (`0.5` is `.5`, `-0` is `0`), as SVG allows.
pub(crate) fn push_num(out: &mut String, v: f64, decimals: u32) {
    let scale = 10f64.powi(decimals as i32);
    push_fixed(out, (v * scale).round() as i64, decimals);
}

/// Writes the fixed-point number `q / 10^decimals`.
///
/// Digit by digit into a stack buffer, not through `core::fmt`: paths are most of an
/// SVG's bytes, and formatting them was a tenth of the time of writing a page.
pub(crate) fn push_fixed(out: &mut String, q: i64, decimals: u32) {
    // u64::MAX has 20 digits; a point and up to 19 decimals (`10^decimals` fits a u64)
    // make at most 21 characters, and a leading zero is never written.
    let mut buf = [0u8; 24];
    let mut at = buf.len();
    let mut rest = q.unsigned_abs();
    // The fraction, last digit first, trailing zeros dropped.
    let mut written_frac = false;
    for _ in 0..decimals {
        let digit = (rest % 10) as u8;
        rest /= 10;
        if written_frac || digit != 0 {
            at -= 1;
            buf[at] = b'0' + digit;
            written_frac = true;
        }
    }
    if written_frac {
        at -= 1;
        buf[at] = b'.';
    }
    // The integer part, unless it is 0 and a fraction follows.
    if rest != 0 || !written_frac {
        loop {
            at -= 1;
            buf[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
    }
    if q < 0 {
        out.push('-');
    }
    // Only ASCII digits and a point were written.
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

/// A number at `decimals` places as a `String`.
pub(crate) fn num(v: f64, decimals: u32) -> String {
    let mut s = String::new();
    push_num(&mut s, v, decimals);
    s
}

/// Path data at a fixed precision: coordinates are rounded to the grid first and written
/// relative to the previous rounded point, so rounding never accumulates; horizontal and
/// vertical lines use `h`/`v`.
pub(crate) struct PathData {
    pub(crate) d: String,
    decimals: u32,
    scale: f64,
    /// The current point on the grid.
    cur: (i64, i64),
    /// The start of the current subpath on the grid.
    start: (i64, i64),
    /// Whether the last character written can run into a following number.
    needs_sep: bool,
}

impl PathData {
    pub(crate) fn new(decimals: u32) -> Self {
        Self {
            d: String::new(),
            decimals,
            scale: 10f64.powi(decimals as i32),
            cur: (0, 0),
            start: (0, 0),
            needs_sep: false,
        }
    }

    fn q(&self, p: (f64, f64)) -> (i64, i64) {
        ((p.0 * self.scale).round() as i64, (p.1 * self.scale).round() as i64)
    }

    fn cmd(&mut self, c: char) {
        self.d.push(c);
        self.needs_sep = false;
    }

    /// A number; a space separates it from a previous number unless its minus sign does.
    fn fixed(&mut self, v: i64) {
        if self.needs_sep && v >= 0 {
            self.d.push(' ');
        }
        push_fixed(&mut self.d, v, self.decimals);
        self.needs_sep = true;
    }

    /// The offset from the current point to `p`, both on the grid.
    fn rel(&mut self, p: (i64, i64)) {
        self.fixed(p.0 - self.cur.0);
        self.fixed(p.1 - self.cur.1);
    }

    pub(crate) fn move_to(&mut self, p: (f64, f64)) {
        let p = self.q(p);
        // Absolute, so merged paths stay independent of each other.
        self.cmd('M');
        self.fixed(p.0);
        self.fixed(p.1);
        self.cur = p;
        self.start = p;
    }

    pub(crate) fn line_to(&mut self, p: (f64, f64)) {
        let p = self.q(p);
        if p.1 == self.cur.1 {
            self.cmd('h');
            self.fixed(p.0 - self.cur.0);
        } else if p.0 == self.cur.0 {
            self.cmd('v');
            self.fixed(p.1 - self.cur.1);
        } else {
            self.cmd('l');
            self.rel(p);
        }
        self.cur = p;
    }

    pub(crate) fn quad_to(&mut self, c: (f64, f64), p: (f64, f64)) {
        let (c, p) = (self.q(c), self.q(p));
        self.cmd('q');
        self.rel(c);
        self.rel(p);
        self.cur = p;
    }

    pub(crate) fn cubic_to(&mut self, c1: (f64, f64), c2: (f64, f64), p: (f64, f64)) {
        let (c1, c2, p) = (self.q(c1), self.q(c2), self.q(p));
        self.cmd('c');
        self.rel(c1);
        self.rel(c2);
        self.rel(p);
        self.cur = p;
    }

    pub(crate) fn close(&mut self) {
        self.cmd('z');
        self.cur = self.start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(0.5, 2), ".5");
        assert_eq!(num(-0.5, 2), "-.5");
        assert_eq!(num(-0.001, 2), "0");
        assert_eq!(num(12.345, 2), "12.35");
        assert_eq!(num(12.3, 3), "12.3");
        assert_eq!(num(3.0, 2), "3");
        assert_eq!(num(-1200.0, 1), "-1200");
    }

    /// `push_fixed` against the same number written by `core::fmt`: the integer part, the
    /// fraction zero-padded to `decimals` digits, trailing zeros and a leading `0` dropped.
    #[test]
    fn fixed_numbers_match_their_formatted_value() {
        let reference = |q: i64, decimals: u32| {
            let scale = 10u64.pow(decimals);
            let (int, frac) = (q.unsigned_abs() / scale, q.unsigned_abs() % scale);
            let sign = if q < 0 { "-" } else { "" };
            let frac = format!("{frac:0width$}", width = decimals as usize);
            match (int, frac.trim_end_matches('0')) {
                (int, "") => format!("{sign}{int}"),
                (0, frac) => format!("{sign}.{frac}"),
                (int, frac) => format!("{sign}{int}.{frac}"),
            }
        };
        let mut values = vec![0, 1, -1, 9, 10, 99, 100, 101, 1005, -1005, 123456789];
        values.extend([i64::MAX, i64::MIN, i64::MIN + 1, 10i64.pow(18), -(10i64.pow(18))]);
        // A spread of magnitudes with every digit pattern nearby.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x >> (x % 60)) as i64 * if x & 1 == 0 { 1 } else { -1 });
        }
        for decimals in 0..=19 {
            for &q in &values {
                let mut out = String::from("x");
                push_fixed(&mut out, q, decimals);
                assert_eq!(out[1..], reference(q, decimals), "{q} at {decimals} decimals");
            }
        }
        assert_eq!(num(-0.05, 1), "-.1");
        assert_eq!(num(1234.5678, 3), "1234.568");
        assert_eq!(num(0.0, 0), "0");
    }

    #[test]
    fn relative_path_data_does_not_drift() {
        let mut p = PathData::new(2);
        p.move_to((0.004, 0.0));
        for i in 1..=1000 {
            p.line_to((i as f64 * 0.333, 0.0));
        }
        // The last point is exactly round(333 * 100) / 100 from the origin.
        let sum: i64 =
            p.d.split('h')
                .skip(1)
                .map(|s| (s.parse::<f64>().unwrap() * 100.0).round() as i64)
                .sum();
        assert_eq!(sum, 33300);
        let mut q = PathData::new(2);
        q.move_to((1.0, 2.0));
        q.line_to((3.5, 4.0));
        q.line_to((3.5, -1.0));
        q.close();
        assert_eq!(q.d, "M1 2l2.5 2v-5z");
    }
}
