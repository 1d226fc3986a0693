//! The one writer through which every string of a request reaches the SVG.
//!
//! Element and attribute *names* are `&'static str`, so only this crate's code can name
//! them; every request string (tag text, entity keys and values) is a *value*, written by
//! [`Xml::attr`] or [`Xml::text`], which escape markup and replace characters that XML 1.0
//! forbids (C0 controls other than tab, line feed and carriage return, and U+FFFE/U+FFFF)
//! with U+FFFD, so that no input can produce markup or an ill-formed document.

use std::fmt::Write as _;

/// The replacement for a character XML 1.0 cannot carry.
pub(crate) const REPLACEMENT: char = '\u{FFFD}';

/// Whether XML 1.0 allows `c` in a document (surrogates cannot occur in a `str`).
pub(crate) fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A streaming XML writer over a `String`, indented one element per line.
pub(crate) struct Xml {
    out: String,
    open: Vec<&'static str>,
    /// Whether the current start tag is still open (`<name attr="..."`).
    in_tag: bool,
}

impl Xml {
    pub(crate) fn new() -> Self {
        Self { out: String::new(), open: Vec::new(), in_tag: false }
    }

    /// Starts `<name`; attributes follow.
    pub(crate) fn start(&mut self, name: &'static str) {
        self.close_tag();
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out.push('<');
        self.out.push_str(name);
        self.open.push(name);
        self.in_tag = true;
    }

    /// An attribute whose value comes from a request or anywhere else: escaped.
    pub(crate) fn attr(&mut self, name: &'static str, value: &str) {
        debug_assert!(self.in_tag, "attribute {name} outside a start tag");
        let _ = write!(self.out, " {name}=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }

    /// An attribute whose value this crate formatted (numbers, colours, ids): written as
    /// is. Callers never pass request strings here.
    pub(crate) fn attr_raw(&mut self, name: &'static str, value: &str) {
        debug_assert!(value.chars().all(|c| c.is_ascii() && !matches!(c, '"' | '<' | '&')));
        let _ = write!(self.out, " {name}=\"{value}\"");
    }

    /// Escaped character data inside the current element.
    pub(crate) fn text(&mut self, value: &str) {
        self.close_tag();
        escape_into(&mut self.out, value, false);
    }

    /// Markup this crate produced (the page layer, a style sheet), written as is.
    pub(crate) fn raw(&mut self, markup: &str) {
        self.close_tag();
        if !self.out.is_empty() && !markup.is_empty() {
            self.out.push('\n');
        }
        self.out.push_str(markup);
    }

    /// Ends the innermost open element.
    pub(crate) fn end(&mut self) {
        let name = self.open.pop().expect("end without start");
        if self.in_tag {
            self.out.push_str("/>");
            self.in_tag = false;
        } else {
            let _ = write!(self.out, "</{name}>");
        }
    }

    fn close_tag(&mut self) {
        if self.in_tag {
            self.out.push('>');
            self.in_tag = false;
        }
    }

    /// The document; every element must have been ended.
    pub(crate) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.out.push('\n');
        self.out
    }
}

/// Appends `value` escaped for an attribute (`in_attr`) or for character data.
pub(crate) fn escape_into(out: &mut String, value: &str, in_attr: bool) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attr => out.push_str("&quot;"),
            // Attribute value normalisation would turn these into spaces; keep them literal.
            '\t' if in_attr => out.push_str("&#9;"),
            '\n' if in_attr => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if xml_allowed(c) => out.push(c),
            _ => out.push(REPLACEMENT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_forbidden_characters() {
        let mut s = String::new();
        escape_into(&mut s, "<a href=\"x\">&]]>\u{1}\u{FFFE}\t\r", true);
        assert_eq!(s, "&lt;a href=&quot;x&quot;&gt;&amp;]]&gt;\u{FFFD}\u{FFFD}&#9;&#13;");
        let mut t = String::new();
        escape_into(&mut t, "a\"b\nc\u{0}", false);
        assert_eq!(t, "a\"b\nc\u{FFFD}");
    }
}
