//! Fixed-precision numbers and compact path data.

/// Writes `v` rounded to `decimals` places, trailing zeros and a leading `0` dropped
/// (`0.5` is `.5`, `-0` is `0`), as SVG allows.
pub(crate) fn push_num(out: &mut String, v: f64, decimals: u32) {
    let scale = 10f64.powi(decimals as i32);
    push_fixed(out, (v * scale).round() as i64, decimals);
}

/// Writes the fixed-point number `q / 10^decimals`.
pub(crate) fn push_fixed(out: &mut String, q: i64, decimals: u32) {
    use std::fmt::Write as _;
    if q < 0 {
        out.push('-');
    }
    let q = q.unsigned_abs();
    let scale = 10u64.pow(decimals);
    let (int, frac) = (q / scale, q % scale);
    if frac == 0 {
        let _ = write!(out, "{int}");
        return;
    }
    if int != 0 {
        let _ = write!(out, "{int}");
    }
    let mut digits = format!("{frac:0width$}", width = decimals as usize);
    while digits.ends_with('0') {
        digits.pop();
    }
    out.push('.');
    out.push_str(&digits);
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
