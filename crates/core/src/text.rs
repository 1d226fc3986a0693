//! Text from requests and files made safe to print.

use std::borrow::Cow;

/// `s` with every control character (C0, DEL, C1) written as an escape (`\n`, `\t`,
/// `\u{1b}`), so that an id or a message printed to a terminal cannot move its cursor,
/// change its colours or hide what came before. Other characters are kept, so a
/// readable name stays readable.
///
/// ```
/// use diagram_core::escape_controls;
///
/// assert_eq!(escape_controls("PH-0003.pdf"), "PH-0003.pdf");
/// assert_eq!(escape_controls("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\n");
/// assert_eq!(escape_controls("Ø-100 \u{85}"), "Ø-100 \\u{85}");
/// ```
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_control_and_nothing_else() {
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let escaped = escape_controls(&c.to_string()).into_owned();
            assert!(escaped.starts_with('\\'), "{c:?} gave {escaped:?}");
            assert!(!escaped.chars().any(char::is_control), "{c:?} gave {escaped:?}");
        }
        let kept = "Tag 21-PT-1019 «Ø» \\ \" ' 漢字";
        assert!(matches!(escape_controls(kept), Cow::Borrowed(s) if s == kept));
        assert_eq!(escape_controls("a\rb\tc\0"), "a\\rb\\tc\\u{0}");
    }
}
