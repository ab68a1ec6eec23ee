//! Rollups: what campaigns did, day by day, over a range of days in the workspace's time
//! zone. The counters are kept as changes happen ([`super::change::Counts`]); a rollup only
//! sums stored days, fills the days with nothing as zeros and derives CAC and reply rate.

use serde::{Deserialize, Serialize};
use time::Date;

use super::campaign::Channel;
use super::change::Counts;
use super::error::{Error, Errors, FieldError};
use super::ids::CampaignId;
use super::time::{format_date, parse_date};

/// The longest range a rollup covers, in days.
pub const MAX_DAYS: i64 = 366;
/// The range a rollup covers when none is given: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// A range as a client writes it: `from` and `to` (`YYYY-MM-DD`), or the last `days` days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeInput {
    /// The first day.
    pub from: Option<String>,
    /// The last day, included (default today).
    pub to: Option<String>,
    /// The last this many days up to `to` (when `from` is not given).
    pub days: Option<String>,
}

impl RangeInput {
    /// The range, with `today` and a default first day.
    pub fn parse(&self, today: Date, default_from: Option<Date>) -> Result<DayRange, Error> {
        DayRange::parse(
            self.from.as_deref(),
            self.to.as_deref(),
            self.days.as_deref(),
            today,
            default_from,
        )
    }
}

/// Days from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
}

impl DayRange {
    /// The range a client asked for: `to` defaults to `today`; `from` to the `days` days up
    /// to `to` when given, else `default_from`, else the 30 days up to `to`. Each bad or
    /// inconsistent bound is named.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        days: Option<&str>,
        today: Date,
        default_from: Option<Date>,
    ) -> Result<Self, Error> {
        let mut errors = Errors::new();
        let day = |field: &str, text: Option<&str>| match text.map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => parse_date(t).map(Some).ok_or_else(|| {
                FieldError::new(field, format!("`{t}` is not a date written YYYY-MM-DD"))
            }),
        };
        let from = errors.check(day("from", from));
        let to = errors.check(day("to", to));
        let last = match days.map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => errors.check(
                d.parse::<i64>()
                    .ok()
                    .filter(|n| (1..=MAX_DAYS).contains(n))
                    .ok_or_else(|| {
                        FieldError::new(
                            "days",
                            format!("must be a whole number of days from 1 to {MAX_DAYS}"),
                        )
                    })
                    .map(Some),
            ),
        };
        errors.finish()?;
        let to = to.flatten().unwrap_or(today);
        let from = match (from.flatten(), last.flatten()) {
            (Some(f), _) => f,
            (None, Some(n)) => to - time::Duration::days(n - 1),
            (None, None) => default_from
                .unwrap_or(to - time::Duration::days(DEFAULT_DAYS - 1))
                .min(to)
                .max(to - time::Duration::days(MAX_DAYS - 1)),
        };
        if from > to {
            return Err(Error::invalid(
                "from",
                format!(
                    "{} is after `to` ({}); give a range that starts on or before it ends",
                    format_date(from),
                    format_date(to)
                ),
            ));
        }
        let range = Self { from, to };
        if range.len() > MAX_DAYS {
            return Err(Error::invalid(
                "to",
                format!(
                    "the range covers {} days; a rollup covers at most {MAX_DAYS}",
                    range.len()
                ),
            ));
        }
        Ok(range)
    }

    /// How many days it covers.
    pub fn len(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }

    /// Never empty: a range has at least one day.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Every day, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> + use<> {
        let (mut next, last) = (Some(self.from), self.to);
        std::iter::from_fn(move || {
            let day = next.filter(|d| *d <= last)?;
            next = day.next_day();
            Some(day)
        })
    }

    /// The range of the same length just before this one (what a change is measured
    /// against).
    pub fn previous(&self) -> Self {
        let len = time::Duration::days(self.len());
        Self {
            from: self.from - len,
            to: self.to - len,
        }
    }
}

/// What a rollup covers besides its days: one channel, one campaign, or everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupScope {
    /// Only campaigns of this channel.
    pub channel: Option<Channel>,
    /// Only this campaign.
    pub campaign_id: Option<CampaignId>,
}

impl RollupScope {
    /// Reads `channel` and `campaign_id` as given in a query (empty means any).
    pub fn parse(channel: Option<&str>, campaign_id: Option<&str>) -> Result<Self, Error> {
        let mut errors = Errors::new();
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let channel = given(channel).and_then(|c| {
            errors.check(
                c.parse::<Channel>()
                    .map_err(|m| FieldError::new("channel", m)),
            )
        });
        let campaign_id = given(campaign_id).and_then(|c| {
            errors.check(
                c.parse::<CampaignId>()
                    .map_err(|e| FieldError::new("campaign_id", e.to_string())),
            )
        });
        errors.finish()?;
        Ok(Self {
            channel,
            campaign_id,
        })
    }
}

/// Measures per day over a range, every day present, with their totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The range.
    pub range: DayRange,
    /// One entry per day of the range, in order (zeros where nothing happened).
    pub days: Vec<(Date, Counts)>,
    /// The sum over the range.
    pub totals: Counts,
}

impl Series {
    /// The series over `range` from stored rows (several rows of one day are summed;
    /// rows outside the range are ignored).
    pub fn fill(range: DayRange, rows: impl IntoIterator<Item = (Date, Counts)>) -> Self {
        let mut days: Vec<(Date, Counts)> = range.days().map(|d| (d, Counts::default())).collect();
        let mut totals = Counts::default();
        for (day, counts) in rows {
            if day < range.from || day > range.to {
                continue;
            }
            let index = (day - range.from).whole_days() as usize;
            days[index].1.add(&counts);
            totals.add(&counts);
        }
        Self {
            range,
            days,
            totals,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn field(e: Error) -> String {
        match e {
            Error::Invalid(f) => f[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_range_defaults_to_the_last_thirty_days() {
        let r = DayRange::parse(None, None, None, d("2026-12-01"), None).unwrap();
        assert_eq!((r.from, r.to), (d("2026-11-02"), d("2026-12-01")));
        assert_eq!(r.len(), 30);
        let r = DayRange::parse(None, Some("2026-06-30"), None, d("2026-12-01"), None).unwrap();
        assert_eq!(r.from, d("2026-06-01"));
        let r = DayRange::parse(None, None, None, d("2026-12-01"), Some(d("2026-11-28"))).unwrap();
        assert_eq!((r.from, r.len()), (d("2026-11-28"), 4));
        let r = DayRange::parse(None, None, None, d("2026-12-01"), Some(d("2020-01-01"))).unwrap();
        assert_eq!(r.len(), MAX_DAYS, "a long life is cut to the longest range");
    }

    #[test]
    fn bad_bounds_are_named() {
        let today = d("2026-12-01");
        assert_eq!(
            field(DayRange::parse(Some("yesterday"), None, None, today, None).unwrap_err()),
            "from"
        );
        assert_eq!(
            field(DayRange::parse(None, Some("2026-02-30"), None, today, None).unwrap_err()),
            "to"
        );
        assert_eq!(
            field(
                DayRange::parse(Some("2026-11-05"), Some("2026-11-04"), None, today, None)
                    .unwrap_err()
            ),
            "from"
        );
        assert_eq!(
            field(
                DayRange::parse(Some("2025-01-01"), Some("2026-01-02"), None, today, None)
                    .unwrap_err()
            ),
            "to"
        );
        assert_eq!(
            field(DayRange::parse(None, None, Some("0"), today, None).unwrap_err()),
            "days"
        );
        let r = DayRange::parse(None, None, Some("7"), today, None).unwrap();
        assert_eq!((r.from, r.len()), (d("2026-11-25"), 7));
        // 366 days (a leap year's worth) is allowed.
        let r = DayRange::parse(Some("2028-01-01"), Some("2028-12-31"), None, today, None).unwrap();
        assert_eq!(r.len(), 366);
    }

    #[test]
    fn the_previous_range_has_the_same_length_and_ends_the_day_before() {
        let r = DayRange::parse(
            Some("2026-11-01"),
            Some("2026-11-07"),
            None,
            d("2026-12-01"),
            None,
        )
        .unwrap();
        let p = r.previous();
        assert_eq!((p.from, p.to), (d("2026-10-25"), d("2026-10-31")));
    }

    #[test]
    fn a_series_has_every_day_and_sums_rows_of_one_day() {
        let r = DayRange::parse(
            Some("2026-11-01"),
            Some("2026-11-04"),
            None,
            d("2026-12-01"),
            None,
        )
        .unwrap();
        let sends = |n| Counts {
            sends: n,
            ..Counts::default()
        };
        let s = Series::fill(
            r,
            [
                (d("2026-11-02"), sends(2)),
                (d("2026-11-02"), sends(3)),
                (d("2026-11-04"), sends(1)),
                (d("2026-11-09"), sends(100)),
            ],
        );
        let per_day: Vec<i64> = s.days.iter().map(|(_, c)| c.sends).collect();
        assert_eq!(per_day, vec![0, 5, 0, 1]);
        assert_eq!(s.days[0].0, d("2026-11-01"));
        assert_eq!(s.totals.sends, 6);
    }

    #[test]
    fn scope_names_a_bad_channel_or_campaign() {
        assert_eq!(
            field(RollupScope::parse(Some("fax"), None).unwrap_err()),
            "channel"
        );
        assert_eq!(
            field(RollupScope::parse(None, Some("seq_1")).unwrap_err()),
            "campaign_id"
        );
        let s = RollupScope::parse(Some("email"), Some("")).unwrap();
        assert_eq!(s.channel, Some(Channel::Email));
        assert_eq!(s.campaign_id, None);
    }
}
