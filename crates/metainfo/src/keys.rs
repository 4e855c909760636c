//! Typed lookups in decoded dictionaries, turning a missing or ill-typed
//! key into the [`MetainfoError`] that names it.
//!
//! `name` arguments are the key's place in the file (`info.piece length`),
//! which is what the error shows. A repeated key resolves to its first
//! occurrence, as in [`bencode::Value::get`] and libtorrent.

use bencode::{Spanned, Value};

use crate::MetainfoError;

/// A decoded dictionary's entries, in input order.
pub(crate) type Dict<'a> = [(&'a [u8], Spanned<'a>)];

pub(crate) fn find<'d, 'a>(dict: &'d Dict<'a>, key: &[u8]) -> Option<&'d Value<'a>> {
    dict.iter()
        .find(|(k, _)| *k == key)
        .map(|(_, value)| &value.value)
}

fn wrong(key: &'static str, expected: &'static str) -> MetainfoError {
    MetainfoError::WrongType { key, expected }
}

pub(crate) fn int(
    dict: &Dict<'_>,
    key: &[u8],
    name: &'static str,
) -> Result<Option<i64>, MetainfoError> {
    find(dict, key)
        .map(|value| value.as_int().ok_or_else(|| wrong(name, "a number")))
        .transpose()
}

pub(crate) fn bytes<'a>(
    dict: &Dict<'a>,
    key: &[u8],
    name: &'static str,
) -> Result<Option<&'a [u8]>, MetainfoError> {
    find(dict, key)
        .map(|value| value.as_bytes().ok_or_else(|| wrong(name, "a string")))
        .transpose()
}

pub(crate) fn list<'d, 'a>(
    dict: &'d Dict<'a>,
    key: &[u8],
    name: &'static str,
) -> Result<Option<&'d [Spanned<'a>]>, MetainfoError> {
    find(dict, key)
        .map(|value| value.as_list().ok_or_else(|| wrong(name, "a list")))
        .transpose()
}

pub(crate) fn dict<'d, 'a>(
    dict: &'d Dict<'a>,
    key: &[u8],
    name: &'static str,
) -> Result<Option<&'d Dict<'a>>, MetainfoError> {
    find(dict, key)
        .map(|value| value.as_dict().ok_or_else(|| wrong(name, "a dictionary")))
        .transpose()
}

/// A list of byte strings, such as a v1 `path`.
pub(crate) fn byte_strings<'a>(
    items: &[Spanned<'a>],
    name: &'static str,
) -> Result<Vec<&'a [u8]>, MetainfoError> {
    items
        .iter()
        .map(|item| {
            item.value
                .as_bytes()
                .ok_or_else(|| wrong(name, "a list of strings"))
        })
        .collect()
}

pub(crate) fn required<T>(value: Option<T>, name: &'static str) -> Result<T, MetainfoError> {
    value.ok_or(MetainfoError::MissingKey(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_name_the_key_when_the_type_is_wrong() {
        let root = bencode::decode(b"d1:ai1e1:b1:x1:blee").unwrap();
        let dict = root.value.as_dict().unwrap();
        assert_eq!(int(dict, b"a", "a"), Ok(Some(1)));
        assert_eq!(int(dict, b"z", "z"), Ok(None));
        assert_eq!(
            int(dict, b"b", "x.b"),
            Err(MetainfoError::WrongType {
                key: "x.b",
                expected: "a number"
            })
        );
        // The first of two `b` keys wins.
        assert_eq!(bytes(dict, b"b", "b"), Ok(Some(&b"x"[..])));
        assert!(list(dict, b"a", "a").is_err());
        assert!(self::dict(dict, b"a", "a").is_err());
        assert_eq!(
            required(None::<i64>, "k"),
            Err(MetainfoError::MissingKey("k"))
        );
    }
}
