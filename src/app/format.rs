//! How times and names are shown in the console.

use crate::domain::time::Timestamp;

/// `2026-11-30 13:05 UTC`: short and unambiguous.
pub fn when(at: &Timestamp) -> String {
    let text = at.to_string();
    format!("{} {} UTC", &text[..10], &text[11..16])
}

/// `when`, or the given word for nothing.
pub fn when_or(at: Option<&Timestamp>, none: &str) -> String {
    at.map_or_else(|| none.to_owned(), when)
}

/// `12,345`: a whole number with thousands separators.
pub use crate::domain::money::grouped as count;

/// Percent-encodes a value for a URL query string.
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The variant picker showing the set `creative` belongs to.
pub fn variant_set_page(creative: &crate::domain::ad_creative::AdCreative) -> String {
    format!(
        "/ads/creatives?platform={}&brand={}&objective={}",
        creative.platform,
        creative.brand_id,
        query_value(&creative.objective)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_to_the_minute_in_utc() {
        let t = Timestamp::parse_rfc3339("2026-11-30T13:05:59.123Z").unwrap();
        assert_eq!(when(&t), "2026-11-30 13:05 UTC");
        assert_eq!(when_or(None, "never"), "never");
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(-4200), "-4,200");
    }
}
