//! Contacts (CRM leads) and the rules for importing them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::{Error, Errors, FieldError};
use super::ids::ContactId;
use super::pagination::{Keyed, Position};
use super::text::optional_line;
use super::time::Timestamp;
use super::user::Email;

/// Most custom fields one contact may carry.
pub const CUSTOM_FIELDS_MAX: usize = 50;
/// Longest custom field value.
pub const CUSTOM_VALUE_MAX: usize = 1000;

/// Where a contact is in the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStage {
    /// Known, nothing more.
    #[default]
    Contact,
    /// Showed interest.
    Lead,
    /// Sales agreed it fits.
    Qualified,
    /// Pays.
    Customer,
}

impl LifecycleStage {
    /// Every stage, in funnel order.
    pub const ALL: [LifecycleStage; 4] = [
        LifecycleStage::Contact,
        LifecycleStage::Lead,
        LifecycleStage::Qualified,
        LifecycleStage::Customer,
    ];

    /// The stage's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStage::Contact => "contact",
            LifecycleStage::Lead => "lead",
            LifecycleStage::Qualified => "qualified",
            LifecycleStage::Customer => "customer",
        }
    }
}

impl fmt::Display for LifecycleStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LifecycleStage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown lifecycle stage `{s}` (expected contact, lead, qualified or customer)"
                )
            })
    }
}

/// A person marketing can reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The contact's id.
    pub id: ContactId,
    /// Unique per workspace, compared without case.
    pub email: Email,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Company.
    pub company: String,
    /// Company web domain.
    pub domain: String,
    /// Job title.
    pub title: String,
    /// Any other imported or entered values, by field name.
    pub custom_fields: BTreeMap<String, String>,
    /// Funnel stage.
    pub lifecycle_stage: LifecycleStage,
    /// When they unsubscribed (suppressed workspace-wide).
    pub unsubscribed_at: Option<Timestamp>,
    /// When mail to them bounced.
    pub bounced_at: Option<Timestamp>,
    /// Bumped on every edit.
    pub version: i64,
    /// When they were added.
    pub created_at: Timestamp,
    /// When they last changed.
    pub updated_at: Timestamp,
    /// Their last reply, conversion or similar.
    pub last_activity_at: Option<Timestamp>,
}

impl Keyed for Contact {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// A contact's validated fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFields {
    /// Email.
    pub email: Email,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Company.
    pub company: String,
    /// Domain.
    pub domain: String,
    /// Title.
    pub title: String,
    /// Custom fields.
    pub custom_fields: BTreeMap<String, String>,
    /// Stage.
    pub lifecycle_stage: LifecycleStage,
}

/// Contact fields as sent; on edit, fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// On edit: the version being edited (or send `If-Match`). Ignored on create.
    pub version: Option<i64>,
    /// Unique per workspace (case-insensitive).
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Company web domain.
    pub domain: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Any other fields (≤ 50); replaces the whole map when sent.
    pub custom_fields: Option<BTreeMap<String, String>>,
    /// `contact`, `lead`, `qualified` or `customer`.
    pub lifecycle_stage: Option<String>,
}

/// The standard time fields segment rules compare with dates.
pub const TIME_FIELDS: [&str; 2] = ["created_at", "last_activity_at"];

/// The standard fields rules and imports know by name.
pub const STANDARD_FIELDS: [&str; 7] = [
    "email",
    "first_name",
    "last_name",
    "company",
    "domain",
    "title",
    "lifecycle_stage",
];

/// Turns a CSV header or a client's key into a custom field name: lowercase, `_` for runs of
/// other characters. `None` when nothing usable is left.
pub fn normalize_field_name(raw: &str) -> Option<String> {
    let mut out = String::new();
    for c in raw.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    (!out.is_empty() && out.len() <= 64).then_some(out)
}

fn parse_custom(fields: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, FieldError> {
    if fields.len() > CUSTOM_FIELDS_MAX {
        return Err(FieldError::new(
            "custom_fields",
            format!("must have at most {CUSTOM_FIELDS_MAX} fields"),
        ));
    }
    let mut out = BTreeMap::new();
    for (name, value) in fields {
        let key = normalize_field_name(name)
            .filter(|k| !STANDARD_FIELDS.contains(&k.as_str()))
            .ok_or_else(|| {
                FieldError::new(
                    format!("custom_fields.{name}"),
                    "is not a usable custom field name",
                )
            })?;
        let value = optional_line(&format!("custom_fields.{key}"), value, CUSTOM_VALUE_MAX)?;
        if !value.is_empty() {
            out.insert(key, value);
        }
    }
    Ok(out)
}

impl ContactFields {
    /// Applies `input` over `base` (`None` for a new contact) and checks every field.
    pub fn parse(base: Option<&ContactFields>, input: &ContactInput) -> Result<Self, Error> {
        let mut errors = Errors::new();
        let text = |v: &Option<String>, b: Option<&String>| {
            v.clone().or_else(|| b.cloned()).unwrap_or_default()
        };
        let email_text = input
            .email
            .clone()
            .or_else(|| base.map(|b| b.email.to_string()));
        let email = match email_text {
            Some(e) => errors.check(Email::parse("email", &e)),
            None => {
                errors.push(FieldError::new("email", "is required"));
                None
            }
        };
        let first_name = errors.check(optional_line(
            "first_name",
            &text(&input.first_name, base.map(|b| &b.first_name)),
            100,
        ));
        let last_name = errors.check(optional_line(
            "last_name",
            &text(&input.last_name, base.map(|b| &b.last_name)),
            100,
        ));
        let company = errors.check(optional_line(
            "company",
            &text(&input.company, base.map(|b| &b.company)),
            200,
        ));
        let domain = errors.check(
            optional_line("domain", &text(&input.domain, base.map(|b| &b.domain)), 253)
                .map(|d| d.to_lowercase()),
        );
        let title = errors.check(optional_line(
            "title",
            &text(&input.title, base.map(|b| &b.title)),
            200,
        ));
        let custom = match (&input.custom_fields, base) {
            (Some(map), _) => errors.check(parse_custom(map)),
            (None, Some(b)) => Some(b.custom_fields.clone()),
            (None, None) => Some(BTreeMap::new()),
        };
        let stage = match (&input.lifecycle_stage, base) {
            (Some(s), _) => errors.check(
                s.parse::<LifecycleStage>()
                    .map_err(|m| FieldError::new("lifecycle_stage", m)),
            ),
            (None, Some(b)) => Some(b.lifecycle_stage),
            (None, None) => Some(LifecycleStage::Contact),
        };
        errors.finish()?;
        Ok(Self {
            email: email.expect("checked"),
            first_name: first_name.expect("checked"),
            last_name: last_name.expect("checked"),
            company: company.expect("checked"),
            domain: domain.expect("checked"),
            title: title.expect("checked"),
            custom_fields: custom.expect("checked"),
            lifecycle_stage: stage.expect("checked"),
        })
    }

    /// The fields of a stored contact, as the base of an edit.
    pub fn of(c: &Contact) -> Self {
        Self {
            email: c.email.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            company: c.company.clone(),
            domain: c.domain.clone(),
            title: c.title.clone(),
            custom_fields: c.custom_fields.clone(),
            lifecycle_stage: c.lifecycle_stage,
        }
    }
}

/// One good row of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The contact's fields (a missing stage reads as `contact` for a new contact).
    pub fields: ContactFields,
    /// Whether the row names a lifecycle stage, which then replaces an existing contact's.
    pub sets_stage: bool,
}

/// How the columns of an import file map to contact fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportColumns {
    /// For each column: the standard field, or a custom field name, or `None` to ignore.
    columns: Vec<Option<String>>,
    email: usize,
}

impl ImportColumns {
    /// Reads the header row. Standard names map to fields (`E-mail`, `First Name` work too);
    /// every other named column becomes a custom field. No email column is an error.
    pub fn from_header(header: &[&str]) -> Result<Self, Error> {
        let mut columns = Vec::with_capacity(header.len());
        let mut seen: Vec<String> = Vec::new();
        for raw in header {
            let name = normalize_field_name(raw).map(|n| match n.as_str() {
                "e_mail" | "email_address" | "mail" => "email".to_owned(),
                "firstname" | "given_name" => "first_name".to_owned(),
                "lastname" | "surname" | "family_name" => "last_name".to_owned(),
                "company_name" | "organization" | "organisation" => "company".to_owned(),
                "website" | "company_domain" => "domain".to_owned(),
                "job_title" => "title".to_owned(),
                _ => n,
            });
            // A repeated column keeps its first occurrence only.
            let name = name.filter(|n| !seen.contains(n));
            if let Some(n) = &name {
                seen.push(n.clone());
            }
            columns.push(name);
        }
        let email = columns
            .iter()
            .position(|c| c.as_deref() == Some("email"))
            .ok_or_else(|| Error::invalid("header", "the file needs an `email` column"))?;
        Ok(Self { columns, email })
    }

    /// The index of the email column.
    pub fn email_column(&self) -> usize {
        self.email
    }

    /// Validates one data row. The error message is ready to show next to the line number.
    pub fn row(&self, record: &[&str]) -> Result<ImportRow, String> {
        let mut input = ContactInput::default();
        let mut custom = BTreeMap::new();
        for (i, value) in record.iter().enumerate() {
            let Some(Some(name)) = self.columns.get(i) else {
                continue;
            };
            let value = (*value).to_owned();
            match name.as_str() {
                "email" => input.email = Some(value),
                "first_name" => input.first_name = Some(value),
                "last_name" => input.last_name = Some(value),
                "company" => input.company = Some(value),
                "domain" => input.domain = Some(value),
                "title" => input.title = Some(value),
                "lifecycle_stage" => {
                    input.lifecycle_stage = Some(value).filter(|v| !v.trim().is_empty())
                }
                other => {
                    custom.insert(other.to_owned(), value);
                }
            }
        }
        if input.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
            return Err("missing email".into());
        }
        input.custom_fields = Some(custom);
        let sets_stage = input.lifecycle_stage.is_some();
        let fields = ContactFields::parse(None, &input).map_err(|e| match e {
            Error::Invalid(fields) => fields
                .iter()
                .map(|f| {
                    if f.field == "email" {
                        format!(
                            "bad email \"{}\"",
                            input.email.as_deref().unwrap_or_default().trim()
                        )
                    } else if f.message.starts_with("must be at most") {
                        format!("{} too long ({})", f.field, f.message)
                    } else {
                        format!("{} {}", f.field, f.message)
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        })?;
        Ok(ImportRow { fields, sets_stage })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_map_to_fields_and_the_rest_become_custom_fields() {
        let cols =
            ImportColumns::from_header(&["E-mail", "First Name", "Job Title", "Plan Tier", ""])
                .unwrap();
        let c = cols
            .row(&["ANA@Acme.test", "Ana", "CTO", "Gold", "ignored"])
            .unwrap()
            .fields;
        assert_eq!(c.email.as_str(), "ana@acme.test");
        assert_eq!(c.first_name, "Ana");
        assert_eq!(c.title, "CTO");
        assert_eq!(
            c.custom_fields.get("plan_tier").map(String::as_str),
            Some("Gold")
        );
        assert_eq!(c.custom_fields.len(), 1);
    }

    #[test]
    fn a_file_without_an_email_column_is_refused() {
        assert!(ImportColumns::from_header(&["name", "company"]).is_err());
    }

    #[test]
    fn bad_rows_say_why() {
        let cols = ImportColumns::from_header(&["email", "first_name"]).unwrap();
        assert_eq!(cols.row(&["", "Ana"]).unwrap_err(), "missing email");
        assert!(
            cols.row(&["not-an-email", "Ana"])
                .unwrap_err()
                .starts_with("bad email")
        );
        assert!(
            cols.row(&["a@b.test", &"x".repeat(101)])
                .unwrap_err()
                .contains("first_name too long")
        );
        assert!(
            cols.row(&["a@b.test"]).is_ok(),
            "short rows leave the rest empty"
        );
    }

    #[test]
    fn custom_field_names_are_normalised_and_cannot_shadow_standard_fields() {
        assert_eq!(
            normalize_field_name("  Plan / Tier "),
            Some("plan_tier".into())
        );
        assert_eq!(normalize_field_name("!!!"), None);
        let mut map = BTreeMap::new();
        map.insert("email".to_string(), "x".to_string());
        let input = ContactInput {
            email: Some("a@b.test".into()),
            custom_fields: Some(map),
            ..Default::default()
        };
        assert!(ContactFields::parse(None, &input).is_err());
    }

    #[test]
    fn an_edit_keeps_what_it_does_not_name() {
        let input = ContactInput {
            email: Some("a@b.test".into()),
            company: Some("Acme".into()),
            ..Default::default()
        };
        let base = ContactFields::parse(None, &input).unwrap();
        let edited = ContactFields::parse(
            Some(&base),
            &ContactInput {
                title: Some("CEO".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(edited.company, "Acme");
        assert_eq!(edited.title, "CEO");
        assert_eq!(edited.email.as_str(), "a@b.test");
    }
}
