//! Results over a range, as the dashboard and every campaign page show them: tiles with the
//! change against the range before, and a chart per measure.

use leptos::prelude::*;

use super::day_chart::{Bar, DayChart};
use super::ui::CARD;
use crate::app::format::count;
use crate::app::server_fns::rollups::RollupView;
use crate::domain::change::Counts;
use crate::domain::money::{format_usd, usd};

/// Dollars written as people read them.
pub fn dollars(value: f64) -> String {
    format_usd((value * 100.0).round() as i64)
}

/// A whole number as people read it: `1,204`.
pub fn whole(value: f64) -> String {
    count(value.round() as i64)
}

/// "+12% vs the previous 30 days" (or "new", or "no change").
pub fn change(now: f64, before: f64, days: i64) -> String {
    let span = format!("the previous {days} days");
    if (now - before).abs() < f64::EPSILON {
        return format!("no change vs {span}");
    }
    if before == 0.0 {
        return format!("up from nothing in {span}");
    }
    let pct = (now - before) / before * 100.0;
    format!("{}{:.0}% vs {span}", if pct > 0.0 { "+" } else { "" }, pct)
}

/// What one tile shows: its name, the value now and before, and how to write it.
struct Tile {
    name: &'static str,
    now: Option<f64>,
    before: Option<f64>,
    format: fn(f64) -> String,
    note: Option<String>,
}

fn tiles(totals: &Counts, previous: &Counts) -> Vec<Tile> {
    let cac = |c: &Counts| c.cac_cents().map(usd);
    vec![
        Tile {
            name: "Sends",
            now: Some(totals.sends as f64),
            before: Some(previous.sends as f64),
            format: whole,
            note: (totals.sends > 0).then(|| format!("{} delivered", count(totals.deliveries))),
        },
        Tile {
            name: "Replies",
            now: Some(totals.replies as f64),
            before: Some(previous.replies as f64),
            format: whole,
            note: totals
                .reply_rate()
                .map(|r| format!("{:.1}% reply rate", r * 100.0)),
        },
        Tile {
            name: "Conversions",
            now: Some(totals.conversions as f64),
            before: Some(previous.conversions as f64),
            format: whole,
            note: (totals.conversion_value_cents > 0)
                .then(|| format!("worth {}", format_usd(totals.conversion_value_cents))),
        },
        Tile {
            name: "Spend",
            now: Some(usd(totals.spend_cents)),
            before: Some(usd(previous.spend_cents)),
            format: dollars,
            note: (totals.impressions > 0).then(|| {
                format!(
                    "{} impressions, {} clicks",
                    count(totals.impressions),
                    count(totals.clicks)
                )
            }),
        },
        Tile {
            name: "CAC",
            now: cac(totals),
            before: cac(previous),
            format: dollars,
            note: None,
        },
    ]
}

/// The range's totals as tiles, each with its change against the range before.
#[component]
pub fn ResultTiles(view: RollupView) -> impl IntoView {
    let days = view.len;
    view! {
        <dl class="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-5" data-testid="result-tiles">
            {tiles(&view.totals, &view.previous).into_iter().map(|t| {
                let shown = t.now.map_or_else(|| "—".to_owned(), t.format);
                let delta = match (t.now, t.before) {
                    (Some(n), Some(b)) => change(n, b, days),
                    (None, _) => "no conversions yet".to_owned(),
                    (Some(_), None) => format!("none in the previous {days} days"),
                };
                view! {
                    <div class=CARD data-tile=t.name>
                        <dt class="text-xs uppercase tracking-wide text-slate-600">{t.name}</dt>
                        <dd class="mt-1 text-2xl font-semibold" data-role="value">{shown}</dd>
                        <dd class="mt-1 text-xs text-slate-600">{delta}</dd>
                        {t.note.map(|n| view! { <dd class="text-xs text-slate-600">{n}</dd> })}
                    </div>
                }
            }).collect_view()}
        </dl>
    }
}

/// One chart: its key, its title, its bars and how a value is written.
type Chart = (&'static str, &'static str, Vec<Bar>, fn(f64) -> String);

/// A chart per measure over the range's days.
#[component]
pub fn ResultCharts(
    view: RollupView,
    /// Makes the charts' ids unique on the page.
    prefix: &'static str,
) -> impl IntoView {
    let series = |f: fn(&Counts) -> f64| -> Vec<Bar> {
        view.days
            .iter()
            .map(|(day, c)| Bar {
                day: day.clone(),
                value: f(c),
            })
            .collect()
    };
    let charts: Vec<Chart> = vec![
        ("sends", "Sends per day", series(|c| c.sends as f64), whole),
        (
            "replies",
            "Replies per day",
            series(|c| c.replies as f64),
            whole,
        ),
        (
            "conversions",
            "Conversions per day",
            series(|c| c.conversions as f64),
            whole,
        ),
        (
            "spend",
            "Spend per day",
            series(|c| usd(c.spend_cents)),
            dollars,
        ),
        (
            "cac",
            "CAC per day (days with conversions)",
            series(|c| c.cac_cents().map_or(0.0, usd)),
            dollars,
        ),
    ];
    view! {
        <div class="grid gap-4 lg:grid-cols-2">
            {charts.into_iter().map(|(key, title, bars, format)| {
                let id = format!("{prefix}-{key}");
                view! {
                    <figure class=CARD>
                        <figcaption class="mb-2 text-sm font-medium text-slate-700">{title}</figcaption>
                        <DayChart title=title.to_owned() bars=bars format=format id=id />
                    </figure>
                }
            }).collect_view()}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_people_say_them() {
        assert_eq!(change(12.0, 10.0, 30), "+20% vs the previous 30 days");
        assert_eq!(change(5.0, 10.0, 7), "-50% vs the previous 7 days");
        assert_eq!(
            change(3.0, 0.0, 7),
            "up from nothing in the previous 7 days"
        );
        assert_eq!(change(0.0, 0.0, 7), "no change vs the previous 7 days");
    }
}
