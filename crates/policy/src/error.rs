//! The one error type of the crate, and how errors find their place in a
//! file (line and column for text, byte offset for binary databases).

use std::path::{Path, PathBuf};

/// A policy file, database or list that could not be loaded; says which
/// file and where.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}", path = path.display())]
pub struct PolicyError {
    pub path: std::path::PathBuf,
    /// Includes the line or byte offset when there is one.
    pub message: String,
}

impl PolicyError {
    pub(crate) fn new(path: &Path, message: impl Into<String>) -> Self {
        PolicyError {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Why a file a policy refers to (geo database, CIDR list) could not be used.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// Missing or unreadable: the referring entry is what is wrong, so the
    /// error names the policy file's line.
    Unreadable(PathBuf, std::io::Error),
    /// Read, but not usable: the file itself is wrong, and the error names
    /// its line or offset.
    Invalid(PolicyError),
}

impl From<PolicyError> for LoadError {
    fn from(e: PolicyError) -> Self {
        LoadError::Invalid(e)
    }
}

impl LoadError {
    /// The error as reported when no policy file refers to the file.
    pub(crate) fn standalone(self) -> PolicyError {
        match self {
            LoadError::Unreadable(path, e) => PolicyError::new(&path, format!("cannot read: {e}")),
            LoadError::Invalid(e) => e,
        }
    }
}

/// A text file being read, for turning byte spans into `line L, column C`.
#[derive(Debug)]
pub(crate) struct TextFile<'a> {
    pub(crate) path: PathBuf,
    pub(crate) text: &'a str,
}

impl TextFile<'_> {
    /// `line L, column C` of a byte offset (1-based; columns in characters).
    pub(crate) fn position(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        format!("line {line}, column {column}")
    }

    /// An error at a byte offset of this file.
    pub(crate) fn error_at(&self, offset: usize, message: impl std::fmt::Display) -> PolicyError {
        PolicyError::new(&self.path, format!("{}: {message}", self.position(offset)))
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let file = TextFile {
            path: "p.toml".into(),
            text: "a = 1\nмир = 2\n",
        };
        assert_eq!(file.position(0), "line 1, column 1");
        assert_eq!(file.position(6), "line 2, column 1");
        // After the three Cyrillic letters (two bytes each).
        assert_eq!(file.position(12), "line 2, column 4");
        assert_eq!(file.position(999), "line 3, column 1");
    }

    #[test]
    fn errors_display_the_file_first() {
        let e = PolicyError::new(Path::new("/etc/p.toml"), "line 1, column 1: bad");
        assert_eq!(e.to_string(), "/etc/p.toml: line 1, column 1: bad");
    }
}
