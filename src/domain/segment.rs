//! Segments: a static list of contacts, or a rule over contact fields.

use serde::{Deserialize, Serialize};

use super::contact::{Contact, STANDARD_FIELDS as TEXT_FIELDS, TIME_FIELDS};
use super::error::{Error, Errors, FieldError};
use super::ids::SegmentId;
use super::pagination::{Keyed, Position};
use super::text::required_line;
use super::time::Timestamp;

/// Most conditions one rule may have.
pub const CONDITIONS_MAX: usize = 20;
/// Most values an `in` condition may list.
pub const IN_VALUES_MAX: usize = 500;

/// Static list or rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// Members are added and removed by hand.
    Static,
    /// Members are whoever matches the rule, now.
    Rule,
}

impl SegmentKind {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Static => "static",
            SegmentKind::Rule => "rule",
        }
    }
}

/// How a rule's conditions combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// Every condition holds.
    #[default]
    All,
    /// At least one condition holds.
    Any,
}

/// A field a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A standard text field (`email`, `company`, `lifecycle_stage`, …).
    Text(&'static str),
    /// A standard time field (`created_at`, `last_activity_at`).
    Time(&'static str),
    /// A custom field, by name.
    Custom(String),
}

impl Field {
    /// Reads `company`, `created_at` or `custom.plan_tier`.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(name) = text.strip_prefix("custom.") {
            return super::contact::normalize_field_name(name)
                .filter(|n| n == name)
                .map(Field::Custom);
        }
        TEXT_FIELDS
            .iter()
            .find(|f| **f == text)
            .map(|f| Field::Text(f))
            .or_else(|| {
                TIME_FIELDS
                    .iter()
                    .find(|f| **f == text)
                    .map(|f| Field::Time(f))
            })
    }

    /// The field's name as written in rules.
    pub fn name(&self) -> String {
        match self {
            Field::Text(f) | Field::Time(f) => (*f).to_owned(),
            Field::Custom(n) => format!("custom.{n}"),
        }
    }

    fn value_of(&self, c: &Contact) -> Option<String> {
        let text = match self {
            Field::Text("email") => c.email.to_string(),
            Field::Text("first_name") => c.first_name.clone(),
            Field::Text("last_name") => c.last_name.clone(),
            Field::Text("company") => c.company.clone(),
            Field::Text("domain") => c.domain.clone(),
            Field::Text("title") => c.title.clone(),
            Field::Text("lifecycle_stage") => c.lifecycle_stage.to_string(),
            Field::Time("created_at") => c.created_at.to_string(),
            Field::Time("last_activity_at") => c
                .last_activity_at
                .map(|t| t.to_string())
                .unwrap_or_default(),
            Field::Custom(name) => c.custom_fields.get(name).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        (!text.is_empty()).then_some(text)
    }
}

/// What a condition tests. Text comparisons ignore case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// Equal to the value.
    Equals(String),
    /// Not equal to the value (an empty field counts as not equal).
    NotEquals(String),
    /// Contains the value.
    Contains(String),
    /// Equal to one of the values.
    In(Vec<String>),
    /// Empty or missing.
    IsEmpty,
    /// Present and not empty.
    IsNotEmpty,
    /// A time (or `YYYY-MM-DD` text) strictly before the instant.
    Before(String),
    /// A time (or `YYYY-MM-DD` text) strictly after the instant.
    After(String),
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The field looked at.
    pub field: Field,
    /// The test applied.
    pub test: Test,
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// All or any.
    pub combine: Match,
    /// The conditions, at least one.
    pub conditions: Vec<Condition>,
}

/// A condition as clients send it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConditionInput {
    /// `company`, `created_at`, `custom.plan_tier`, …
    pub field: String,
    /// `equals`, `not_equals`, `contains`, `in`, `is_empty`, `is_not_empty`, `before`, `after`.
    pub op: String,
    /// For single-value operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// For `in`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// A rule as clients send it, and as it is stored:
/// `{"match": "all"|"any", "conditions": [{"field", "op", "value" | "values"}]}`.
/// Fields: email, first_name, last_name, company, domain, title, lifecycle_stage,
/// created_at, last_activity_at, `custom.<name>`. Operators: equals, not_equals, contains,
/// in, is_empty, is_not_empty, before, after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// `all` (default) or `any`.
    #[serde(default, rename = "match")]
    pub combine: Match,
    /// The conditions.
    #[serde(default)]
    pub conditions: Vec<ConditionInput>,
}

/// The operators, as written in rules.
pub const OPERATORS: [&str; 8] = [
    "equals",
    "not_equals",
    "contains",
    "in",
    "is_empty",
    "is_not_empty",
    "before",
    "after",
];

fn parse_instant(field: &str, text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    if let Ok(t) = Timestamp::parse_rfc3339(text) {
        return Ok(t.to_string());
    }
    let date = text.as_bytes();
    let is_date = date.len() == 10
        && date.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if is_date && let Ok(t) = Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")) {
        return Ok(t.to_string());
    }
    Err(FieldError::new(
        field,
        "must be a date (YYYY-MM-DD) or an RFC 3339 time",
    ))
}

impl RuleInput {
    /// Validates the rule; every bad condition part is named (`rule.conditions[1].op`).
    pub fn parse(&self) -> Result<Rule, Error> {
        let mut errors = Errors::new();
        if self.conditions.is_empty() {
            errors.push(FieldError::new(
                "rule.conditions",
                "must have at least one condition",
            ));
        }
        if self.conditions.len() > CONDITIONS_MAX {
            errors.push(FieldError::new(
                "rule.conditions",
                format!("must have at most {CONDITIONS_MAX} conditions"),
            ));
        }
        let mut conditions = Vec::new();
        for (i, c) in self.conditions.iter().enumerate() {
            let at = |part: &str| format!("rule.conditions[{i}].{part}");
            let field = Field::parse(c.field.trim());
            if field.is_none() {
                errors.push(FieldError::new(
                    at("field"),
                    format!("unknown field `{}`", c.field),
                ));
            }
            let value = || {
                c.value
                    .as_deref()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| FieldError::new(at("value"), "is required for this operator"))
            };
            let test = match c.op.trim() {
                "equals" => value().map(Test::Equals),
                "not_equals" => value().map(Test::NotEquals),
                "contains" => value().map(Test::Contains),
                "is_empty" => Ok(Test::IsEmpty),
                "is_not_empty" => Ok(Test::IsNotEmpty),
                "before" => value()
                    .and_then(|v| parse_instant(&at("value"), &v))
                    .map(Test::Before),
                "after" => value()
                    .and_then(|v| parse_instant(&at("value"), &v))
                    .map(Test::After),
                "in" => {
                    let values: Vec<String> = c
                        .values
                        .iter()
                        .flatten()
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                        .collect();
                    if values.is_empty() {
                        Err(FieldError::new(
                            at("values"),
                            "must list at least one value",
                        ))
                    } else if values.len() > IN_VALUES_MAX {
                        Err(FieldError::new(
                            at("values"),
                            format!("must list at most {IN_VALUES_MAX} values"),
                        ))
                    } else {
                        Ok(Test::In(values))
                    }
                }
                other => Err(FieldError::new(
                    at("op"),
                    format!(
                        "unknown operator `{other}` (expected one of {})",
                        OPERATORS.join(", ")
                    ),
                )),
            };
            if let (Some(Field::Time(_)), Ok(Test::Contains(_) | Test::In(_))) = (&field, &test) {
                errors.push(FieldError::new(
                    at("op"),
                    "time fields take before, after, is_empty or is_not_empty",
                ));
                continue;
            }
            if let (Some(field), Some(test)) = (field, errors.check(test)) {
                conditions.push(Condition { field, test });
            }
        }
        errors.finish()?;
        Ok(Rule {
            combine: self.combine,
            conditions,
        })
    }
}

impl Rule {
    /// Whether the contact matches, evaluated here (the database evaluates the same rule in
    /// SQL for counts; a test checks that the two agree).
    pub fn matches(&self, c: &Contact) -> bool {
        let check = |cond: &Condition| {
            let value = cond.field.value_of(c).map(|v| v.to_lowercase());
            match (&cond.test, value) {
                (Test::IsEmpty, v) => v.is_none(),
                (Test::IsNotEmpty, v) => v.is_some(),
                (Test::NotEquals(x), None) => !x.is_empty(),
                (_, None) => false,
                (Test::Equals(x), Some(v)) => v == x.to_lowercase(),
                (Test::NotEquals(x), Some(v)) => v != x.to_lowercase(),
                (Test::Contains(x), Some(v)) => v.contains(&x.to_lowercase()),
                (Test::In(xs), Some(v)) => xs.iter().any(|x| x.to_lowercase() == v),
                (Test::Before(t), Some(v)) => v < t.to_lowercase(),
                (Test::After(t), Some(v)) => v > t.to_lowercase(),
            }
        };
        match self.combine {
            Match::All => self.conditions.iter().all(check),
            Match::Any => self.conditions.iter().any(check),
        }
    }
}

/// A segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// The segment's id.
    pub id: SegmentId,
    /// Display name.
    pub name: String,
    /// Static or rule.
    pub kind: SegmentKind,
    /// The rule, for rule segments.
    pub rule: Option<RuleInput>,
    /// Bumped on every edit.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Keyed for Segment {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// A validated request to create a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSegment {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: SegmentKind,
    /// The rule as validated and normalised, for rule segments.
    pub rule: Option<RuleInput>,
}

/// A new segment as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SegmentInput {
    /// 1–100 characters.
    pub name: String,
    /// `static` or `rule`.
    pub kind: String,
    /// For `rule` segments.
    pub rule: Option<RuleInput>,
    /// For `static` segments: the first members.
    pub contact_ids: Option<Vec<String>>,
}

impl SegmentInput {
    /// Checks name, kind and (for rule segments) the rule.
    pub fn parse(&self) -> Result<NewSegment, Error> {
        NewSegment::parse(&self.name, &self.kind, self.rule.as_ref())
    }
}

/// An edit of a segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SegmentEdit {
    /// The version being edited (or `If-Match`).
    pub version: Option<i64>,
    /// New name.
    pub name: Option<String>,
    /// New rule (rule segments).
    pub rule: Option<RuleInput>,
}

/// Members to add to a static segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MembersInput {
    /// `ctc_…` ids of this workspace (1–1,000).
    pub contact_ids: Vec<String>,
}

impl NewSegment {
    /// Checks name, kind and (for rule segments) the rule.
    pub fn parse(name: &str, kind: &str, rule: Option<&RuleInput>) -> Result<Self, Error> {
        let mut errors = Errors::new();
        let name = errors.check(required_line("name", name, 100));
        let kind = match kind.trim() {
            "static" => Some(SegmentKind::Static),
            "rule" => Some(SegmentKind::Rule),
            other => {
                errors.push(FieldError::new(
                    "kind",
                    format!("unknown kind `{other}` (expected static or rule)"),
                ));
                None
            }
        };
        let rule = match (kind, rule) {
            (Some(SegmentKind::Rule), Some(r)) => match r.parse() {
                Ok(_) => Some(r.clone()),
                Err(Error::Invalid(fields)) => {
                    fields.into_iter().for_each(|f| errors.push(f));
                    None
                }
                Err(e) => return Err(e),
            },
            (Some(SegmentKind::Rule), None) => {
                errors.push(FieldError::new("rule", "is required for a rule segment"));
                None
            }
            (Some(SegmentKind::Static), Some(_)) => {
                errors.push(FieldError::new("rule", "a static segment has no rule"));
                None
            }
            _ => None,
        };
        errors.finish()?;
        Ok(Self {
            name: name.expect("checked"),
            kind: kind.expect("checked"),
            rule,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::contact::LifecycleStage;
    use crate::domain::ids::ContactId;
    use crate::domain::user::Email;

    fn contact(company: &str, plan: Option<&str>) -> Contact {
        let now = Timestamp::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
        let mut custom = BTreeMap::new();
        if let Some(p) = plan {
            custom.insert("plan".to_string(), p.to_string());
        }
        Contact {
            id: ContactId::generate(),
            email: Email::parse("email", "a@b.test").unwrap(),
            first_name: "Ana".into(),
            last_name: String::new(),
            company: company.into(),
            domain: String::new(),
            title: String::new(),
            custom_fields: custom,
            lifecycle_stage: LifecycleStage::Lead,
            unsubscribed_at: None,
            bounced_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            last_activity_at: None,
        }
    }

    fn cond(field: &str, op: &str, value: Option<&str>) -> ConditionInput {
        ConditionInput {
            field: field.into(),
            op: op.into(),
            value: value.map(Into::into),
            values: None,
        }
    }

    #[test]
    fn unknown_fields_and_operators_are_named() {
        let rule = RuleInput {
            combine: Match::All,
            conditions: vec![
                cond("favourite_colour", "equals", Some("x")),
                cond("company", "resembles", Some("x")),
            ],
        };
        let Err(Error::Invalid(fields)) = rule.parse() else {
            panic!()
        };
        assert_eq!(fields[0].field, "rule.conditions[0].field");
        assert!(fields[0].message.contains("favourite_colour"));
        assert_eq!(fields[1].field, "rule.conditions[1].op");
        assert!(fields[1].message.contains("resembles"));
    }

    #[test]
    fn values_are_required_where_the_operator_needs_them() {
        let rule = RuleInput {
            combine: Match::All,
            conditions: vec![
                cond("company", "equals", None),
                cond("created_at", "before", Some("soon")),
            ],
        };
        let Err(Error::Invalid(fields)) = rule.parse() else {
            panic!()
        };
        assert_eq!(fields.len(), 2);
        assert!(
            RuleInput::default().parse().is_err(),
            "a rule needs a condition"
        );
    }

    #[test]
    fn rules_match_case_insensitively_and_combine() {
        let all = RuleInput {
            combine: Match::All,
            conditions: vec![
                cond("company", "contains", Some("ACME")),
                cond("custom.plan", "equals", Some("gold")),
            ],
        }
        .parse()
        .unwrap();
        assert!(all.matches(&contact("Acme Corp", Some("Gold"))));
        assert!(!all.matches(&contact("Acme Corp", None)));
        let any = Rule {
            combine: Match::Any,
            ..all
        };
        assert!(any.matches(&contact("Acme Corp", None)));
        assert!(!any.matches(&contact("Initech", Some("silver"))));
    }

    #[test]
    fn empty_tests_and_dates_work() {
        let empty = RuleInput {
            combine: Match::All,
            conditions: vec![cond("custom.plan", "is_empty", None)],
        }
        .parse()
        .unwrap();
        assert!(empty.matches(&contact("x", None)));
        assert!(!empty.matches(&contact("x", Some("gold"))));
        let before = RuleInput {
            combine: Match::All,
            conditions: vec![cond("created_at", "before", Some("2026-07-01"))],
        }
        .parse()
        .unwrap();
        assert!(before.matches(&contact("x", None)));
        let after = RuleInput {
            combine: Match::All,
            conditions: vec![cond("created_at", "after", Some("2026-07-01"))],
        }
        .parse()
        .unwrap();
        assert!(!after.matches(&contact("x", None)));
    }

    #[test]
    fn a_static_segment_has_no_rule_and_a_rule_segment_needs_one() {
        assert!(NewSegment::parse("VIPs", "static", None).is_ok());
        assert!(NewSegment::parse("VIPs", "rule", None).is_err());
        assert!(NewSegment::parse("VIPs", "dynamic", None).is_err());
    }
}
