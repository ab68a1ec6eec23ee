//! A per-day bar chart drawn on the server as SVG: readable without JavaScript, with a title,
//! a description and axis labels for screen readers, and each bar's value in its tooltip.

use leptos::prelude::*;

/// One bar: the day (`YYYY-MM-DD`) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The day.
    pub day: String,
    /// Its value.
    pub value: f64,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// A round number at or above `max`, so the axis reads easily.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= max {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// Bars of `bars` titled `title`; `format` writes a value as people read it.
#[component]
pub fn DayChart(
    /// The chart's name (its SVG title).
    title: String,
    /// The days, oldest first.
    bars: Vec<Bar>,
    /// Writes a value ("$12.50", "1,204").
    format: fn(f64) -> String,
    /// An id unique on the page.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    if bars.is_empty() {
        return view! { <p class="text-sm text-slate-600">"No days synced yet."</p> }.into_any();
    }
    let max = nice_ceiling(bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / bars.len() as f64;
    let bar_w = (slot * 0.7).max(2.0);
    let total: f64 = bars.iter().map(|b| b.value).sum();
    let description = format!(
        "{} days from {} to {}; total {}; highest day {}.",
        bars.len(),
        bars.first().map(|b| b.day.as_str()).unwrap_or_default(),
        bars.last().map(|b| b.day.as_str()).unwrap_or_default(),
        format(total),
        format(bars.iter().map(|b| b.value).fold(0.0, f64::max))
    );
    let every = (bars.len() / 6).max(1);
    let shown = RwSignal::new(None::<String>);
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-auto w-full" role="img"
            aria-labelledby=labelled_by data-chart=id.clone()>
            <title id=title_id>{title}</title>
            <desc id=desc_id>{description}</desc>
            {[0.0, 0.5, 1.0].into_iter().map(|f| {
                let y = TOP + plot_h * (1.0 - f);
                view! {
                    <line x1=LEFT x2=WIDTH - 8.0 y1=y y2=y stroke="#e2e8f0" />
                    <text x=LEFT - 6.0 y=y + 4.0 text-anchor="end" font-size="11" fill="#475569">{format(max * f)}</text>
                }
            }).collect_view()}
            {bars.iter().enumerate().map(|(i, b)| {
                let h = if max > 0.0 { plot_h * b.value / max } else { 0.0 };
                let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
                let label = (i % every == 0).then(|| view! {
                    <text x=x + bar_w / 2.0 y=HEIGHT - 8.0 text-anchor="middle" font-size="11" fill="#475569">{b.day[5..].to_owned()}</text>
                });
                let tip = format!("{}: {}", b.day, format(b.value));
                let hover = tip.clone();
                // A full-height, invisible target per day makes small bars easy to point at.
                view! {
                    <rect x=x y=TOP + plot_h - h width=bar_w height=h.max(0.5) rx="2" fill="#4f46e5" data-day=b.day.clone() data-value=b.value.to_string()>
                        <title>{tip.clone()}</title>
                    </rect>
                    <rect x=LEFT + slot * i as f64 y=TOP width=slot height=plot_h fill="transparent" data-hover-day=b.day.clone()
                        on:mouseenter=move |_| shown.set(Some(hover.clone())) on:mouseleave=move |_| shown.set(None)>
                        <title>{tip}</title>
                    </rect>
                    {label}
                }
            }).collect_view()}
            <line x1=LEFT x2=WIDTH - 8.0 y1=TOP + plot_h y2=TOP + plot_h stroke="#94a3b8" />
        </svg>
        <p class="h-5 text-xs font-medium text-slate-700" aria-hidden="true" data-hover-value=id>
            {move || shown.get().unwrap_or_default()}
        </p>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.3), 10.0);
        assert_eq!(nice_ceiling(180.0), 200.0);
        assert_eq!(nice_ceiling(2400.0), 2500.0);
        assert_eq!(nice_ceiling(51.0), 100.0);
    }
}
