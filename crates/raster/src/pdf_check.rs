//! Detecting truncated or structurally damaged PDF files before hayro repairs them.
//!
//! hayro (like most viewers) silently rebuilds a damaged cross-reference table by
//! scanning the file for objects. That makes a file cut short open as a blank page
//! instead of failing, so the tail of the file is checked here first: it must end with
//! `startxref`, an offset inside the file and `%%EOF`, and the entries of a classic
//! cross-reference table there must point inside the file. Offsets that are merely
//! wrong, a common producer bug, are left to hayro's repair.

/// How far from the end `startxref` may be; a little trailing junk after `%%EOF` is
/// accepted, as viewers do.
const TAIL_WINDOW: usize = 4096;

/// Why a PDF's tail shows it to be damaged, or `None` when it looks complete.
pub(crate) fn damage(bytes: &[u8]) -> Option<String> {
    let len = bytes.len();
    if let Some(expected) = linearized_length(bytes) {
        if expected > len as u64 {
            return Some(format!(
                "the file has {len} bytes where its header announces {expected}; it is \
                 truncated"
            ));
        }
    }
    let tail_start = len.saturating_sub(TAIL_WINDOW);
    let Some(pos) = rfind(&bytes[tail_start..], b"startxref").map(|p| p + tail_start) else {
        return Some(format!(
            "the file ({len} bytes) does not end with a cross-reference pointer \
             (startxref); it is probably truncated"
        ));
    };
    let mut i = skip_ws(bytes, pos + b"startxref".len());
    let digits_start = i;
    while i < len && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let offset = std::str::from_utf8(&bytes[digits_start..i]).ok()?.parse::<u64>().ok();
    let Some(offset) = offset else {
        return Some("the cross-reference pointer (startxref) has no offset".to_string());
    };
    if !bytes[i..].windows(5).any(|w| w == b"%%EOF") {
        return Some(format!(
            "the file ({len} bytes) does not end with %%EOF; it is probably truncated"
        ));
    }
    if offset >= len as u64 {
        return Some(format!(
            "the cross-reference table is said to start at byte {offset}, past the end of \
             the file ({len} bytes); it is probably truncated"
        ));
    }
    check_xref_table(bytes, offset as usize)
}

/// The file length a linearized PDF announces in its first object (`/Linearized 1
/// ... /L <length>`). A linearized file also carries a first-page trailer with its own
/// `startxref` and `%%EOF` near the start, so a short cut can look complete at its tail.
fn linearized_length(bytes: &[u8]) -> Option<u64> {
    let head = &bytes[..bytes.len().min(1024)];
    let at = head.windows(11).position(|w| w == b"/Linearized")?;
    let dict_end = head[at..].windows(2).position(|w| w == b">>").map_or(head.len(), |p| at + p);
    let dict = &head[at..dict_end];
    // `/L` followed by a delimiter, not the `/Linearized` key itself.
    let l = (0..dict.len().saturating_sub(2))
        .find(|&i| &dict[i..i + 2] == b"/L" && !dict[i + 2].is_ascii_alphabetic())?;
    number(dict, skip_ws(dict, l + 2)).0
}

/// Checks that every in-use entry of a classic `xref` table at `offset` points inside
/// the file. Cross-reference streams (PDF 1.5) are compressed and left to hayro.
fn check_xref_table(bytes: &[u8], offset: usize) -> Option<String> {
    let len = bytes.len();
    let mut i = skip_ws(bytes, offset);
    if !bytes[i..].starts_with(b"xref") {
        return None;
    }
    i += 4;
    loop {
        i = skip_ws(bytes, i);
        let (Some(_first), next) = number(bytes, i) else { return None };
        let (Some(count), next) = number(bytes, skip_ws(bytes, next)) else { return None };
        i = next;
        // Each entry takes at least 18 bytes; a count beyond what the file can hold is
        // damage, and bounding it keeps this loop proportional to the file.
        if count > (len - i.min(len)) as u64 / 18 {
            return Some(format!(
                "the cross-reference table announces {count} entries that do not fit in \
                 the file; it is probably truncated"
            ));
        }
        for _ in 0..count {
            let (entry_offset, next) = number(bytes, skip_ws(bytes, i));
            let (_gen, next) = number(bytes, skip_ws(bytes, next));
            let kind_at = skip_ws(bytes, next);
            let (Some(entry_offset), Some(&kind)) = (entry_offset, bytes.get(kind_at)) else {
                return Some("the cross-reference table is cut short".to_string());
            };
            if kind == b'n' && entry_offset >= len as u64 {
                return Some(format!(
                    "an object is said to start at byte {entry_offset}, past the end of the \
                     file ({len} bytes); it is probably truncated"
                ));
            }
            i = kind_at + 1;
        }
    }
}

/// A decimal number at `i`, and the index after it.
fn number(bytes: &[u8], mut i: usize) -> (Option<u64>, usize) {
    let start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() && i - start < 19 {
        i += 1;
    }
    let value = std::str::from_utf8(&bytes[start..i]).ok().and_then(|s| s.parse().ok());
    (value, i)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0') {
        i += 1;
    }
    i
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::damage;

    #[test]
    fn complete_classic_file_passes() {
        let body = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
        let xref_at = body.len();
        let mut f = body.to_vec();
        f.extend_from_slice(b"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n");
        f.extend_from_slice(b"trailer\n<< /Size 2 >>\n");
        f.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
        assert_eq!(damage(&f), None);
    }

    #[test]
    fn entries_past_the_end_are_damage() {
        let body = b"%PDF-1.4\n";
        let xref_at = body.len();
        let mut f = body.to_vec();
        f.extend_from_slice(b"xref\n0 2\n0000000000 65535 f \n0000099999 00000 n \n");
        f.extend_from_slice(format!("trailer\n<<>>\nstartxref\n{xref_at}\n%%EOF").as_bytes());
        assert!(damage(&f).unwrap().contains("byte 99999"));
    }

    #[test]
    fn short_linearized_file_is_damage() {
        let f = b"%PDF-1.5\n1 0 obj\n<< /Linearized 1 /L 99999 /O 3 >>\nendobj\nxref\n0 0\n\
                  trailer\n<<>>\nstartxref\n0\n%%EOF\n";
        assert!(damage(f).unwrap().contains("announces 99999"));
    }

    #[test]
    fn missing_tail_is_damage() {
        assert!(damage(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n").unwrap().contains("startxref"));
        assert!(damage(b"%PDF-1.4\nstartxref\n5\n").unwrap().contains("%%EOF"));
        assert!(damage(b"%PDF-1.4\nstartxref\n500\n%%EOF").unwrap().contains("past the end"));
    }
}
