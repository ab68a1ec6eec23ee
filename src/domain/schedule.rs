//! When a step is due: approval time plus its day offset, moved forward into the send
//! window (days of the week and hours, in the window's time zone) when there is one.

use jiff::civil::Weekday as CivilWeekday;
use jiff::tz::TimeZone;
use jiff::{Timestamp as Instant, Zoned};

use super::sequence::{SendWindow, Weekday};
use super::time::Timestamp;

fn civil(day: Weekday) -> CivilWeekday {
    match day {
        Weekday::Mon => CivilWeekday::Monday,
        Weekday::Tue => CivilWeekday::Tuesday,
        Weekday::Wed => CivilWeekday::Wednesday,
        Weekday::Thu => CivilWeekday::Thursday,
        Weekday::Fri => CivilWeekday::Friday,
        Weekday::Sat => CivilWeekday::Saturday,
        Weekday::Sun => CivilWeekday::Sunday,
    }
}

fn to_instant(at: Timestamp) -> Instant {
    Instant::from_microsecond(
        at.unix_seconds() * 1_000_000 + i64::from(at.as_datetime().microsecond()),
    )
    .expect("a stored time is within jiff's range")
}

fn from_zoned(z: &Zoned) -> Timestamp {
    Timestamp::from_unix_seconds(z.timestamp().as_second())
        .expect("a local time is a valid instant")
}

/// The first instant at or after `at` that falls inside `window`. A window whose zone is
/// unknown here (it was checked when saved) is treated as UTC rather than blocking mail.
pub fn next_open(at: Timestamp, window: &SendWindow) -> Timestamp {
    let tz = TimeZone::get(&window.timezone).unwrap_or(TimeZone::UTC);
    let now = to_instant(at).to_zoned(tz.clone());
    let allowed = |z: &Zoned| window.days.iter().any(|d| civil(*d) == z.weekday());
    let start = i8::try_from(window.start_hour).unwrap_or(0);
    let end = i8::try_from(window.end_hour).unwrap_or(24);
    if allowed(&now) && now.hour() >= start && now.hour() < end {
        return at;
    }
    let mut day = now.date();
    if allowed(&now) && now.hour() < start {
        // Later today.
    } else {
        day = day.tomorrow().unwrap_or(day);
    }
    for _ in 0..8 {
        let opening = day
            .at(start, 0, 0, 0)
            .to_zoned(tz.clone())
            .unwrap_or_else(|_| now.clone());
        if allowed(&opening) {
            return from_zoned(&opening);
        }
        day = day.tomorrow().unwrap_or(day);
    }
    at
}

/// When a step with `day_offset` is due for a sequence approved at `approved`.
pub fn due_at(approved: Timestamp, day_offset: u32, window: Option<&SendWindow>) -> Timestamp {
    let base = approved.plus(time::Duration::days(i64::from(day_offset)));
    match window {
        Some(w) => next_open(base, w),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn window(days: &[Weekday], start: u8, end: u8, tz: &str) -> SendWindow {
        SendWindow {
            days: days.to_vec(),
            start_hour: start,
            end_hour: end,
            timezone: tz.into(),
        }
    }

    const WEEKDAYS: [Weekday; 5] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];

    #[test]
    fn without_a_window_a_step_is_due_its_days_after_approval() {
        assert_eq!(
            due_at(at("2026-11-30T22:15:00Z"), 3, None),
            at("2026-12-03T22:15:00Z")
        );
        assert_eq!(
            due_at(at("2026-11-30T22:15:00Z"), 0, None),
            at("2026-11-30T22:15:00Z")
        );
    }

    #[test]
    fn inside_the_window_nothing_moves() {
        // Monday 10:00 in Berlin (09:00 UTC).
        let w = window(&WEEKDAYS, 9, 17, "Europe/Berlin");
        assert_eq!(
            next_open(at("2026-11-30T09:00:00Z"), &w),
            at("2026-11-30T09:00:00Z")
        );
    }

    #[test]
    fn before_opening_waits_for_the_same_day_and_after_closing_for_the_next_open_day() {
        let w = window(&WEEKDAYS, 9, 17, "Europe/Berlin");
        // Monday 06:00 Berlin -> Monday 09:00 Berlin (08:00 UTC).
        assert_eq!(
            next_open(at("2026-11-30T05:00:00Z"), &w),
            at("2026-11-30T08:00:00Z")
        );
        // Friday 18:00 Berlin -> Monday 09:00 Berlin.
        assert_eq!(
            next_open(at("2026-12-04T17:00:00Z"), &w),
            at("2026-12-07T08:00:00Z")
        );
        // Saturday noon -> Monday.
        assert_eq!(
            next_open(at("2026-12-05T11:00:00Z"), &w),
            at("2026-12-07T08:00:00Z")
        );
    }

    #[test]
    fn the_window_follows_its_zone_and_daylight_saving() {
        let w = window(&WEEKDAYS, 9, 17, "America/New_York");
        // Monday 2026-03-09 after the US switch: 09:00 EDT is 13:00 UTC.
        assert_eq!(
            next_open(at("2026-03-09T05:00:00Z"), &w),
            at("2026-03-09T13:00:00Z")
        );
        // Monday 2026-03-02 before it: 09:00 EST is 14:00 UTC.
        assert_eq!(
            next_open(at("2026-03-02T05:00:00Z"), &w),
            at("2026-03-02T14:00:00Z")
        );
    }

    #[test]
    fn due_times_combine_the_offset_and_the_window() {
        let w = window(&[Weekday::Tue], 10, 12, "UTC");
        // Approved Monday 15:00; day 0 waits for Tuesday 10:00; day 3 (Thursday) for next Tuesday.
        assert_eq!(
            due_at(at("2026-11-30T15:00:00Z"), 0, Some(&w)),
            at("2026-12-01T10:00:00Z")
        );
        assert_eq!(
            due_at(at("2026-11-30T15:00:00Z"), 3, Some(&w)),
            at("2026-12-08T10:00:00Z")
        );
    }
}
