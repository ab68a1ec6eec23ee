//! Instants in UTC, written and read in one fixed-width RFC 3339 form so that text order is
//! time order in both databases.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// A point in time, UTC, with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

const STORED: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

impl Timestamp {
    /// Wraps a date-time, converting it to UTC and dropping sub-microsecond digits.
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        let micros = at.microsecond();
        Self(
            at.replace_microsecond(micros)
                .expect("microsecond from a valid time"),
        )
    }

    /// Seconds since the Unix epoch, UTC.
    pub fn from_unix_seconds(secs: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .map(Self::from_datetime)
    }

    /// The underlying date-time.
    pub fn as_datetime(&self) -> OffsetDateTime {
        self.0
    }

    /// Whole seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// This instant plus a duration.
    pub fn plus(&self, d: time::Duration) -> Self {
        Self::from_datetime(self.0 + d)
    }

    /// Parses RFC 3339 with any offset (clients may send `+02:00`); the result is UTC.
    pub fn parse_rfc3339(s: &str) -> Result<Self, time::error::Parse> {
        OffsetDateTime::parse(s, &Rfc3339).map(Self::from_datetime)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(STORED).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl FromStr for Timestamp {
    type Err = time::error::Parse;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_rfc3339(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Where "now" comes from, so tests can hold time still.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(OffsetDateTime::now_utc())
    }
}

/// The IANA name as the time zone database spells it, or an error naming `field`.
pub fn check_time_zone(field: &str, tz: &str) -> Result<String, super::FieldError> {
    let tz = tz.trim();
    let bad = || {
        super::FieldError::new(
            field,
            format!(
                "`{tz}` is not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)"
            ),
        )
    };
    if tz.is_empty()
        || tz.len() > 64
        || !tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
    {
        return Err(bad());
    }
    // The zone database lives on the server; the browser only checks the shape.
    #[cfg(feature = "ssr")]
    {
        jiff::tz::TimeZone::get(tz).map_err(|_| bad())?;
    }
    Ok(tz.to_owned())
}

/// The calendar day `at` falls on in the time zone `zone` (UTC when the zone is unknown
/// here; it was checked when saved).
#[cfg(feature = "ssr")]
pub fn local_date(at: Timestamp, zone: &str) -> time::Date {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let offset = tz
        .to_offset(
            jiff::Timestamp::from_second(at.unix_seconds()).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        )
        .seconds();
    (at.as_datetime() + time::Duration::seconds(i64::from(offset))).date()
}

/// Parses a calendar day written `YYYY-MM-DD`, in the years 1900 to 9999.
pub fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(text.trim(), format_description!("[year]-[month]-[day]"))
        .ok()
        .filter(|d| (1900..=9999).contains(&d.year()))
}

/// A calendar day written `YYYY-MM-DD`.
pub fn format_date(day: time::Date) -> String {
    day.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The first instant of `day`, UTC.
pub fn start_of_utc_day(day: time::Date) -> Timestamp {
    Timestamp::from_datetime(day.midnight().assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_order_is_time_order() {
        let a = Timestamp::parse_rfc3339("2026-01-02T03:04:05Z").unwrap();
        let b = Timestamp::parse_rfc3339("2026-01-02T03:04:05.5Z").unwrap();
        let c = Timestamp::parse_rfc3339("2026-10-02T03:04:05Z").unwrap();
        assert!(a.to_string() < b.to_string());
        assert!(b.to_string() < c.to_string());
        assert_eq!(a.to_string(), "2026-01-02T03:04:05.000000Z");
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let t = Timestamp::parse_rfc3339("2026-01-02T05:00:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-01-02T03:00:00.000000Z");
        assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
    }

    #[test]
    fn a_day_starts_where_the_time_zone_says() {
        let at = Timestamp::parse_rfc3339("2026-03-01T03:30:00Z").unwrap();
        assert_eq!(format_date(local_date(at, "UTC")), "2026-03-01");
        assert_eq!(
            format_date(local_date(at, "America/New_York")),
            "2026-02-28"
        );
        assert_eq!(format_date(local_date(at, "Asia/Tokyo")), "2026-03-01");
        let late = Timestamp::parse_rfc3339("2026-03-01T20:00:00Z").unwrap();
        assert_eq!(format_date(local_date(late, "Asia/Tokyo")), "2026-03-02");
        // Summer time in Berlin: 22:30 UTC is already the next day.
        let summer = Timestamp::parse_rfc3339("2026-07-01T22:30:00Z").unwrap();
        assert_eq!(
            format_date(local_date(summer, "Europe/Berlin")),
            "2026-07-02"
        );
        assert_eq!(
            format_date(local_date(summer, "Nowhere/Else")),
            "2026-07-01"
        );
    }

    #[test]
    fn time_zone_names_are_checked_against_the_database() {
        assert_eq!(
            check_time_zone("tz", " Europe/Berlin ").unwrap(),
            "Europe/Berlin"
        );
        for bad in ["", "Mars/Olympus", "UTC; drop", "x".repeat(65).as_str()] {
            assert_eq!(
                check_time_zone("time_zone", bad).unwrap_err().field,
                "time_zone"
            );
        }
    }

    #[test]
    fn days_are_written_and_read_as_iso_dates() {
        let d = parse_date("2026-02-28").unwrap();
        assert_eq!(format_date(d), "2026-02-28");
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("28/02/2026").is_none());
        assert!(parse_date("-9999-01-01").is_none());
        assert!(parse_date("0001-01-01").is_none());
        assert_eq!(
            start_of_utc_day(d).to_string(),
            "2026-02-28T00:00:00.000000Z"
        );
    }

    #[test]
    fn malformed_times_do_not_parse() {
        assert!("2026-13-02T03:04:05Z".parse::<Timestamp>().is_err());
        assert!("yesterday".parse::<Timestamp>().is_err());
    }
}
