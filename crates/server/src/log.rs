//! One line per request and per job transition on stderr, with a UTC timestamp.

use std::fmt::Arguments;

use crate::store::now_ms;
use crate::ServeOptions;

/// Writes one log line, if the options ask for logs.
pub fn log(options: &ServeOptions, line: Arguments<'_>) {
    if options.log {
        eprintln!("{} {line}", timestamp(now_ms()));
    }
}

/// `2026-12-02T06:40:01.123Z` for milliseconds since the Unix epoch.
pub fn timestamp(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_utc_iso_8601() {
        assert_eq!(super::timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::timestamp(1_730_204_346_123), "2024-10-29T12:19:06.123Z");
        assert_eq!(super::timestamp(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(super::timestamp(-1), "1969-12-31T23:59:59.999Z");
    }
}
