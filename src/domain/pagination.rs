//! Keyset pagination, written once: newest first by `(created_at, id)`, with an opaque cursor.
//!
//! Rows inserted while a client pages are newer than every cursor it holds, so they never
//! shift the pages it has yet to read: nothing that existed when paging began is repeated
//! or skipped.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::error::{Error, Errors, FieldError};
use super::time::Timestamp;

/// Page size when the client does not ask.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page a client may ask for.
pub const MAX_LIMIT: u32 = 200;

/// The position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// `created_at` of the last row already returned.
    pub created_at: Timestamp,
    /// `id` of the last row already returned (ties on time are broken by id).
    pub id: String,
}

impl Position {
    /// The opaque text clients send back as `cursor`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.created_at, self.id))
    }

    /// Reads a cursor back; anything a client invented or truncated is refused.
    pub fn decode(text: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new("cursor", "is not a cursor this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (at, id) = text.split_once('|').ok_or_else(bad)?;
        let created_at = Timestamp::parse_rfc3339(at).map_err(|_| bad())?;
        if !is_key(id) {
            return Err(bad());
        }
        Ok(Self {
            created_at,
            id: id.to_owned(),
        })
    }
}

/// Longest row key a cursor may carry: a Message-ID is two typed ids, a step and the
/// sender's domain (up to 253 characters).
const MAX_KEY_LEN: usize = 512;

/// Whether `id` can be a row key: a typed id (`cmp_01…`) or a Message-ID
/// (`seq_….ctc_….0@example.com`, whose domain is the sender's and may use any character a
/// domain may). Keys never hold whitespace or control characters.
fn is_key(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_LEN
        && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A validated request for one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// How many rows at most.
    pub limit: u32,
    /// Where to start; `None` is the first page.
    pub after: Option<Position>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

impl PageRequest {
    /// Parses `?limit=&cursor=` as sent; both errors are reported together.
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Self, Error> {
        let mut errors = Errors::new();
        let limit = errors.check(parse_limit(limit));
        let after = errors.check(
            cursor
                .filter(|c| !c.is_empty())
                .map(Position::decode)
                .transpose(),
        );
        errors.finish()?;
        Ok(Self {
            limit: limit.expect("checked"),
            after: after.expect("checked"),
        })
    }

    /// How many rows to fetch: one more than the page, to learn whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

fn parse_limit(text: Option<&str>) -> Result<u32, FieldError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(DEFAULT_LIMIT);
    };
    match text.parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(FieldError::new(
            "limit",
            format!("must be a whole number from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// Something listed newest first, which knows its own keyset position.
pub trait Keyed {
    /// The row's `(created_at, id)`.
    fn position(&self) -> Position;
}

/// One page of a list, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The rows, newest first.
    pub items: Vec<T>,
    /// Send this back as `cursor` for the next page; `None` at the end.
    pub next_cursor: Option<String>,
}

impl<T: Keyed> Page<T> {
    /// Cuts `rows` (fetched with [`PageRequest::fetch_limit`]) to the page and sets the cursor.
    pub fn from_rows(mut rows: Vec<T>, request: &PageRequest) -> Self {
        let limit = request.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| r.position().encode())
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

impl<T> Page<T> {
    /// The same page with every item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct Row(u32);
    impl Keyed for Row {
        fn position(&self) -> Position {
            Position {
                created_at: Timestamp::from_unix_seconds(i64::from(self.0)).unwrap(),
                id: format!("row_{}", self.0),
            }
        }
    }

    #[test]
    fn cursors_round_trip_and_are_opaque() {
        let pos = Row(7).position();
        let text = pos.encode();
        assert!(!text.contains("row_7"));
        assert_eq!(Position::decode(&text).unwrap(), pos);
    }

    #[test]
    fn message_ids_round_trip_as_keys() {
        let created_at = Timestamp::from_unix_seconds(1_767_225_600).unwrap();
        for id in [
            "seq_01jd0000000000000000000000.ctc_01jd0000000000000000000001.0@tenex.test",
            "seq_01jd0000000000000000000000.ctc_01jd0000000000000000000001.9@mail.tenex-freight.co.uk",
            &format!(
                "seq_01jd0000000000000000000000.ctc_01jd0000000000000000000001.1@{}.test",
                "a".repeat(248)
            ),
        ] {
            let pos = Position {
                created_at,
                id: id.to_owned(),
            };
            assert_eq!(Position::decode(&pos.encode()), Ok(pos), "{id}");
        }
    }

    #[test]
    fn forged_cursors_are_refused_with_the_field_named() {
        for bad in [
            "!!!",
            "bm90IGEgY3Vyc29y",
            &URL_SAFE_NO_PAD.encode("2026-01-01T00:00:00Z|x' or 1=1"),
            &URL_SAFE_NO_PAD.encode("2026-01-01T00:00:00Z|"),
            &URL_SAFE_NO_PAD.encode("2026-01-01T00:00:00Z|a\u{0}b"),
            &URL_SAFE_NO_PAD.encode(format!("2026-01-01T00:00:00Z|{}", "a".repeat(513))),
            &URL_SAFE_NO_PAD.encode("yesterday|cmp_01jd0000000000000000000000"),
        ] {
            assert_eq!(Position::decode(bad).unwrap_err().field, "cursor", "{bad}");
        }
    }

    #[test]
    fn limits_default_and_stay_in_range() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert_eq!(PageRequest::parse(Some("200"), None).unwrap().limit, 200);
        for bad in ["0", "201", "-1", "ten"] {
            assert!(PageRequest::parse(Some(bad), None).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_limit_and_cursor_are_reported_together() {
        let Err(Error::Invalid(fields)) = PageRequest::parse(Some("0"), Some("???")) else {
            panic!("expected invalid")
        };
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn a_full_page_carries_the_cursor_of_its_last_row() {
        let request = PageRequest {
            limit: 2,
            after: None,
        };
        let page = Page::from_rows(vec![Row(3), Row(2), Row(1)], &request);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next_cursor, Some(Row(2).position().encode()));
        let last = Page::from_rows(vec![Row(1)], &request);
        assert_eq!(last.next_cursor, None);
    }
}
