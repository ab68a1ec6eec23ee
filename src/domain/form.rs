//! Console forms send text; these turn it into the JSON inputs, so a form and the JSON route
//! refuse the same values with the same field names and messages.

use std::collections::BTreeMap;

use super::error::{Errors, FieldError};
use super::sequence::{
    END_HOUR_RULE, MAX_DAY_OFFSET, MAX_EMAILS, PreviewInput, START_HOUR_RULE, SendWindowInput,
};
use super::{Error, sequence};

pub use super::text::filled;

/// Words separated by commas or spaces.
pub fn words(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The values a person typed: a blank box means "not typed", not "clear it".
pub fn typed(values: BTreeMap<String, String>) -> BTreeMap<String, String> {
    values
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

/// [`typed`] values as the JSON text values the connector inputs take.
pub fn typed_text(values: BTreeMap<String, String>) -> BTreeMap<String, serde_json::Value> {
    typed(values)
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect()
}

/// A whole number, or `rule` (the JSON route's message for the field) when it is not one.
pub fn number(errors: &mut Errors, field: &str, text: &Option<String>, rule: &str) -> Option<i64> {
    let text = filled(text)?;
    errors.check(
        text.parse::<i64>()
            .map_err(|_| FieldError::new(field, rule.to_owned())),
    )
}

/// An optional whole number typed in `field`, or a 422 naming it.
pub fn count(text: &Option<String>, field: &str) -> Result<Option<i64>, Error> {
    let mut errors = Errors::new();
    let n = number(&mut errors, field, text, "must be a whole number");
    errors.finish()?;
    Ok(n)
}

/// An amount of dollars typed as "1,250.50" or "$500": the number, or a 422 naming `field`.
pub fn dollars(text: &str, field: &str) -> Result<f64, Error> {
    let cleaned: String = text
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    cleaned
        .parse::<f64>()
        .map_err(|_| Error::invalid(field, "must be an amount in dollars, e.g. 500 or 1250.50"))
}

/// The entries of a list typed as one box per entry: blank boxes are not entries.
pub fn entries(boxes: Vec<String>) -> Vec<String> {
    boxes.into_iter().filter(|b| !b.trim().is_empty()).collect()
}

/// Day offsets typed as "0, 3, 7".
pub fn cadence(errors: &mut Errors, field: &str, text: &str) -> Option<Vec<i64>> {
    let mut days = Vec::new();
    let mut ok = true;
    for (i, word) in words(text).iter().enumerate() {
        match word.parse::<i64>() {
            Ok(d) => days.push(d),
            Err(_) => {
                ok = false;
                errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    format!("must be a day offset from 0 to {MAX_DAY_OFFSET}; write e.g. 0, 3, 7"),
                ));
            }
        }
    }
    ok.then_some(days)
}

/// An expiry typed as a date (`YYYY-MM-DD`): the end of that day, UTC, as RFC 3339; any
/// other text is passed on for the JSON rule to judge.
pub fn end_of_day(text: &Option<String>) -> Option<String> {
    let text = filled(text)?;
    Some(if text.len() == 10 {
        format!("{text}T23:59:59Z")
    } else {
        text.to_owned()
    })
}

/// The new-sequence form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviewForm {
    /// `seg_…`.
    pub segment_id: String,
    /// `brd_…`.
    pub brand_id: String,
    /// What the sequence should achieve.
    pub objective: String,
    /// `cnr_…`.
    pub sender_connector_id: String,
    /// "3".
    pub num_emails: Option<String>,
    /// "0, 3, 7".
    pub cadence_days: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// "mon tue wed"; sent only when "Only send within a window" is ticked.
    pub window_days: Option<String>,
    /// "9".
    pub window_start: Option<String>,
    /// "17".
    pub window_end: Option<String>,
    /// IANA time zone.
    pub window_timezone: Option<String>,
}

impl PreviewForm {
    /// The JSON route's input, or every field that is not even a number where one belongs;
    /// the rest is checked by [`PreviewInput::parse`] like any JSON request.
    pub fn input(&self) -> Result<PreviewInput, Error> {
        let mut errors = Errors::new();
        let num_emails = number(
            &mut errors,
            "num_emails",
            &self.num_emails,
            &format!("must be from 1 to {MAX_EMAILS}"),
        );
        let cadence_days =
            filled(&self.cadence_days).and_then(|text| cadence(&mut errors, "cadence_days", text));
        let windowed = self.window_days.is_some() || filled(&self.window_timezone).is_some();
        let send_window = windowed.then(|| SendWindowInput {
            days: self.window_days.as_deref().map(words),
            start_hour: number(
                &mut errors,
                "send_window.start_hour",
                &self.window_start,
                START_HOUR_RULE,
            ),
            end_hour: number(
                &mut errors,
                "send_window.end_hour",
                &self.window_end,
                END_HOUR_RULE,
            ),
            timezone: filled(&self.window_timezone).map(str::to_owned),
        });
        errors.finish()?;
        Ok(PreviewInput {
            segment_id: Some(self.segment_id.clone()),
            brand_id: Some(self.brand_id.clone()),
            objective: Some(self.objective.clone()),
            sender_connector_id: Some(self.sender_connector_id.clone()),
            num_emails,
            cadence_days,
            name: filled(&self.name).map(str::to_owned),
            send_window,
        })
    }
}

/// A cadence typed as "0, 3, 7" for an edit, with the JSON route's field names.
pub fn cadence_edit(text: &str) -> Result<sequence::SequenceEdit, Error> {
    let mut errors = Errors::new();
    let days = cadence(&mut errors, "cadence_days", text);
    errors.finish()?;
    Ok(sequence::SequenceEdit {
        cadence_days: days,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dollars_read_as_people_type_them() {
        assert_eq!(dollars(" $1,250.50 ", "cap").unwrap(), 1250.5);
        assert_eq!(fields(dollars("lots", "cap").unwrap_err()), ["cap"]);
    }

    #[test]
    fn a_count_box_and_list_boxes_read_as_typed() {
        assert_eq!(count(&Some(" 4 ".into()), "count").unwrap(), Some(4));
        assert_eq!(count(&Some("".into()), "count").unwrap(), None);
        assert_eq!(
            fields(count(&Some("four".into()), "count").unwrap_err()),
            ["count"]
        );
        assert_eq!(
            entries(vec!["One".into(), "  ".into(), "Two".into(), String::new()]),
            ["One", "Two"]
        );
    }

    #[test]
    fn every_bad_number_is_named_at_once_with_the_json_messages() {
        let form = PreviewForm {
            num_emails: Some("three".into()),
            cadence_days: Some("0, x, 7".into()),
            window_days: Some("mon".into()),
            window_start: Some("nine".into()),
            window_end: Some("late".into()),
            ..Default::default()
        };
        let Error::Invalid(f) = form.input().unwrap_err() else {
            panic!("not a field error")
        };
        let named: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            named,
            [
                "num_emails",
                "cadence_days[1]",
                "send_window.start_hour",
                "send_window.end_hour"
            ]
        );
        assert_eq!(f[2].message, START_HOUR_RULE);
        assert_eq!(f[3].message, END_HOUR_RULE);
    }

    #[test]
    fn a_form_becomes_the_json_input_and_is_checked_by_the_same_parse() {
        let form = PreviewForm {
            segment_id: "seg_01hzzzzzzzzzzzzzzzzzzzzzzz".into(),
            brand_id: "brd_01hzzzzzzzzzzzzzzzzzzzzzzz".into(),
            objective: "book a demo".into(),
            sender_connector_id: "cnr_01hzzzzzzzzzzzzzzzzzzzzzzz".into(),
            num_emails: Some(" ".into()),
            cadence_days: Some("0 4".into()),
            window_days: Some("mon, tue".into()),
            window_start: Some("24".into()),
            window_timezone: Some("Europe/Berlin".into()),
            ..Default::default()
        };
        let input = form.input().unwrap();
        assert_eq!(input.num_emails, None);
        assert_eq!(input.cadence_days, Some(vec![0, 4]));
        let window = input.send_window.clone().unwrap();
        assert_eq!(window.days, Some(vec!["mon".to_owned(), "tue".to_owned()]));
        assert_eq!(window.start_hour, Some(24));
        // The hour is a number, so the range is the JSON rule's job, with its message.
        assert_eq!(
            fields(input.parse().unwrap_err()),
            ["send_window.start_hour"]
        );
        // No window fields: no window.
        let plain = PreviewForm::default().input().unwrap();
        assert_eq!(plain.send_window, None);
    }

    #[test]
    fn a_typed_cadence_edit_names_the_bad_entry() {
        assert_eq!(
            fields(cadence_edit("0, 3, soon").unwrap_err()),
            ["cadence_days[2]"]
        );
        assert_eq!(cadence_edit("0 3").unwrap().cadence_days, Some(vec![0, 3]));
    }
}

/// The launch form as typed: dates as `YYYY-MM-DD` (UTC days), the budget as dollars, the
/// creatives as the ids ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchForm {
    /// `google`, `linkedin` or `meta`.
    pub platform: String,
    /// `leads`, `traffic`, `awareness` or `conversions`.
    pub objective: String,
    /// `seg_…`.
    pub segment_id: String,
    /// `brd_…`.
    pub brand_id: String,
    /// `cnr_…`.
    pub connector_id: String,
    /// "250" or "1,250.50".
    pub daily_budget_usd: String,
    /// `cre_…` ids separated by commas or spaces.
    pub creative_ids: String,
    /// First day.
    pub start_date: Option<String>,
    /// Last day.
    pub end_date: Option<String>,
}

impl LaunchForm {
    /// The JSON input the same rules judge.
    pub fn input(&self) -> Result<super::ad_campaign::LaunchInput, Error> {
        let budget = if self.daily_budget_usd.trim().is_empty() {
            None
        } else {
            Some(dollars(&self.daily_budget_usd, "daily_budget_usd")?)
        };
        let some = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
        Ok(super::ad_campaign::LaunchInput {
            platform: some(&self.platform),
            objective: some(&self.objective),
            segment_id: some(&self.segment_id),
            brand_id: some(&self.brand_id),
            connector_id: some(&self.connector_id),
            daily_budget_usd: budget,
            creative_ids: Some(words(&self.creative_ids)),
            starts_at: filled(&self.start_date).map(|d| {
                if d.len() == 10 {
                    format!("{d}T00:00:00Z")
                } else {
                    d.to_owned()
                }
            }),
            ends_at: end_of_day(&self.end_date),
        })
    }
}
