//! XML output for the feeds.
//!
//! Written with quick-xml's `Writer`, which escapes every text node and
//! attribute value it is given (`&`, `<`, `>`, quotes, and in attributes
//! tabs and line breaks, so they survive attribute-value normalization).
//! Escaping cannot help with characters XML 1.0 forbids outright (most
//! C0 controls, U+FFFE, U+FFFF: XML 1.0 section 2.2), so every string
//! passes through [`clean`] first; [`Xml`] takes plain text only and
//! applies both, so no caller can forget either. Output is UTF-8:
//! Cyrillic and every other script pass through as they are.

use crate::control_chars::is_control_except;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::borrow::Cow;

/// `text` without the characters a feed must not carry: control
/// characters (C0 but tab and line feed, DEL, C1) and the two
/// non-characters XML 1.0 excludes.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    let unwanted =
        |c: char| is_control_except(c, &['\t', '\n']) || matches!(c, '\u{fffe}' | '\u{ffff}');
    if text.chars().any(unwanted) {
        Cow::Owned(text.chars().filter(|&c| !unwanted(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// A UTF-8 XML document under construction.
pub(crate) struct Xml {
    writer: Writer<Vec<u8>>,
}

impl std::fmt::Debug for Xml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Xml")
    }
}

/// Writes one event. The writer's sink is a `Vec`, whose `io::Write`
/// never fails, so there is no error to pass on.
fn put(writer: &mut Writer<Vec<u8>>, event: Event<'_>) {
    let _infallible = writer.write_event(event);
}

fn start<'a>(name: &'a str, attributes: &'a [(&'a str, Cow<'a, str>)]) -> BytesStart<'a> {
    BytesStart::new(name).with_attributes(attributes.iter().map(|(k, v)| (*k, v.as_ref())))
}

fn cleaned<'a>(attributes: &[(&'a str, &'a str)]) -> Vec<(&'a str, Cow<'a, str>)> {
    attributes.iter().map(|(k, v)| (*k, clean(v))).collect()
}

impl Xml {
    /// A document starting with its declaration.
    pub(crate) fn new() -> Self {
        let mut writer = Writer::new(Vec::with_capacity(16 * 1024));
        put(
            &mut writer,
            Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
        );
        Self { writer }
    }

    /// `<name attributes...>`.
    pub(crate) fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let attributes = cleaned(attributes);
        put(&mut self.writer, Event::Start(start(name, &attributes)));
    }

    /// `</name>`.
    pub(crate) fn close(&mut self, name: &str) {
        put(&mut self.writer, Event::End(BytesEnd::new(name)));
    }

    /// `<name attributes.../>`.
    pub(crate) fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let attributes = cleaned(attributes);
        put(&mut self.writer, Event::Empty(start(name, &attributes)));
    }

    /// `<name attributes...>text</name>`.
    pub(crate) fn element(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.open(name, attributes);
        put(&mut self.writer, Event::Text(BytesText::new(&clean(text))));
        self.close(name);
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.writer.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_forbidden_characters_are_dropped() {
        let mut xml = Xml::new();
        xml.open("a", &[("t", "x\"<&>\u{1}\ty")]);
        xml.element("b", &[], "R&D <b> «Ёлки» \u{0}\u{7f}\u{85}\u{ffff}end");
        xml.close("a");
        let text = String::from_utf8(xml.into_bytes()).unwrap();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <a t=\"x&quot;&lt;&amp;&gt;&#9;y\"><b>R&amp;D &lt;b&gt; «Ёлки» end</b></a>"
        );
    }
}
