//! Control characters (C0, DEL, C1) in text that members and staff
//! send. None belongs in a name, a tag or a title; a multi-line text (a
//! description, a comment) keeps tabs and line breaks. Besides, a NUL
//! ends a string early for SQLite's `length()` and PostgreSQL refuses it
//! in a text column outright, so text with one must never reach the
//! store. Each caller decides whether to refuse such text or drop the
//! characters; this module only says which characters they are.

/// What a multi-line text keeps: tabs and line breaks.
pub(crate) const TABS_AND_LINE_BREAKS: &[char] = &['\t', '\n', '\r'];

/// Whether `c` is a control character other than one of `kept`.
pub(crate) fn is_control_except(c: char, kept: &[char]) -> bool {
    c.is_control() && !kept.contains(&c)
}

/// Whether `text` holds a control character other than one of `kept`.
pub(crate) fn has_control_except(text: &str, kept: &[char]) -> bool {
    text.chars().any(|c| is_control_except(c, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_characters_are_the_only_controls_allowed() {
        assert!(!has_control_except("Ёлки\tпалки\r\n", TABS_AND_LINE_BREAKS));
        assert!(has_control_except("a\tb", &[]));
        for bad in ["\0", "a\u{1}b", "\u{7f}", "\u{85}", "\u{9f}"] {
            assert!(has_control_except(bad, TABS_AND_LINE_BREAKS), "{bad:?}");
        }
        assert!(is_control_except('\r', &['\t', '\n']));
        assert!(!is_control_except('\u{ffff}', &[]), "not a control");
    }
}
