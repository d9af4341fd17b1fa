//! Storage keys: a short path of validated segments, `<dataset>/<signal>/<series>`.

use std::fmt;

use crate::error::{Result, StorageError};

/// The longest segment accepted, in bytes.
const MAX_SEGMENT_BYTES: usize = 255;
/// The most segments a key may have.
const MAX_SEGMENTS: usize = 8;

/// A storage key: one to eight non-empty segments, each free of `/`, `\`, NUL and other
/// control characters, not `.` or `..`, at most 255 bytes. Shown and parsed with `/` between
/// segments. A key can never name a path outside its store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorageKey(Vec<String>);

impl StorageKey {
    /// A key from its segments.
    pub fn new<I, S>(segments: I) -> Result<StorageKey>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let segments: Vec<String> = segments.into_iter().map(Into::into).collect();
        let shown = segments.join("/");
        let invalid = |reason: String| StorageError::InvalidKey {
            key: shown.clone(),
            reason,
        };
        if segments.is_empty() || segments.len() > MAX_SEGMENTS {
            return Err(invalid(format!(
                "a key has 1 to {MAX_SEGMENTS} segments, not {}",
                segments.len()
            )));
        }
        for segment in &segments {
            if segment.is_empty() {
                return Err(invalid("a segment is empty".into()));
            }
            if segment == "." || segment == ".." {
                return Err(invalid(format!(
                    "the segment {segment:?} is a path component"
                )));
            }
            if segment.len() > MAX_SEGMENT_BYTES {
                return Err(invalid(format!(
                    "a segment is longer than {MAX_SEGMENT_BYTES} bytes"
                )));
            }
            if let Some(c) = segment
                .chars()
                .find(|c| matches!(c, '/' | '\\') || c.is_control())
            {
                return Err(invalid(format!("a segment contains {c:?}")));
            }
        }
        Ok(StorageKey(segments))
    }

    /// Parses `a/b/c`.
    pub fn parse(text: &str) -> Result<StorageKey> {
        StorageKey::new(text.split('/'))
    }

    /// The segments.
    pub fn segments(&self) -> &[String] {
        &self.0
    }

    /// The last segment.
    pub fn last(&self) -> &str {
        self.0.last().map(String::as_str).unwrap_or_default()
    }

    /// This key with one more segment.
    pub fn child(&self, segment: impl Into<String>) -> Result<StorageKey> {
        StorageKey::new(self.0.iter().cloned().chain([segment.into()]))
    }

    /// Whether `prefix`'s segments start this key's (whole segments: `a/b` does not start
    /// `a/bc`).
    pub fn starts_with(&self, prefix: &StorageKey) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("/"))
    }
}

impl std::str::FromStr for StorageKey {
    type Err = StorageError;
    fn from_str(s: &str) -> Result<StorageKey> {
        StorageKey::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape() {
        for bad in [
            "", "a//b", "../x", "a/./b", "a/..", "a\\b", "a/b\0", "/abs", "a/",
        ] {
            assert!(StorageKey::parse(bad).is_err(), "{bad:?}");
        }
        let key = StorageKey::parse("réacteur/Temp #1/RAW#1").unwrap();
        assert_eq!(key.segments().len(), 3);
        assert_eq!(key.to_string(), "réacteur/Temp #1/RAW#1");
        assert!(key.starts_with(&StorageKey::parse("réacteur").unwrap()));
        assert!(!key.starts_with(&StorageKey::parse("réact").unwrap()));
    }
}
