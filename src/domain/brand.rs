//! Brands: who the company is and how it speaks, used by every generator.

use serde::{Deserialize, Serialize};

use super::error::{Error, Errors};
use super::ids::BrandId;
use super::pagination::{Keyed, Position};
use super::text::{line_list, optional_text, required_line};
use super::time::Timestamp;

/// A brand of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brand {
    /// The brand's id.
    pub id: BrandId,
    /// Display name.
    pub name: String,
    /// What the company does, in a paragraph or two.
    pub company_overview: String,
    /// Unique selling points.
    pub usps: Vec<String>,
    /// Markets and ideal customer profiles.
    pub icp_market_segments: Vec<String>,
    /// How the brand sounds, in a sentence.
    pub brand_voice: String,
    /// Words and phrases generated copy must never contain.
    pub do_not_say: Vec<String>,
    /// The workspace's default brand (exactly one, once any exists).
    pub is_default: bool,
    /// Bumped on every edit.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Keyed for Brand {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

impl Brand {
    /// The `do_not_say` entries found in `text`, compared without regard to case.
    pub fn forbidden_phrases_in(&self, text: &str) -> Vec<String> {
        let lower = text.to_lowercase();
        self.do_not_say
            .iter()
            .filter(|p| lower.contains(&p.to_lowercase()))
            .cloned()
            .collect()
    }
}

/// The editable fields of a brand, validated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BrandFields {
    /// 1–100 characters.
    pub name: String,
    /// Up to 5,000 characters.
    pub company_overview: String,
    /// Up to 20 entries of 200 characters.
    pub usps: Vec<String>,
    /// Up to 20 entries of 200 characters.
    pub icp_market_segments: Vec<String>,
    /// Up to 500 characters.
    pub brand_voice: String,
    /// Up to 100 entries of 100 characters.
    pub do_not_say: Vec<String>,
}

/// Brand fields as a client sent them; on edit, fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BrandInput {
    /// On edit: the version being edited (or send `If-Match`). Ignored on create.
    pub version: Option<i64>,
    /// 1–100 characters; required on create.
    pub name: Option<String>,
    /// What the company does.
    pub company_overview: Option<String>,
    /// Unique selling points (≤ 20).
    pub usps: Option<Vec<String>>,
    /// Markets / ideal customer profiles (≤ 20).
    pub icp_market_segments: Option<Vec<String>>,
    /// How the brand sounds.
    pub brand_voice: Option<String>,
    /// Phrases generated copy must never contain (≤ 100).
    pub do_not_say: Option<Vec<String>>,
    /// `true` makes this the workspace's default brand (the first brand always is).
    #[serde(default)]
    pub is_default: bool,
}

impl BrandFields {
    /// Applies `input` over `base` (a new brand starts from empty) and checks every field.
    pub fn parse(base: BrandFields, input: &BrandInput) -> Result<Self, Error> {
        let mut errors = Errors::new();
        let name = errors.check(required_line(
            "name",
            input.name.as_deref().unwrap_or(&base.name),
            100,
        ));
        let company_overview = errors.check(optional_text(
            "company_overview",
            input
                .company_overview
                .as_deref()
                .unwrap_or(&base.company_overview),
            5000,
        ));
        let usps = errors.check(line_list(
            "usps",
            input.usps.as_ref().unwrap_or(&base.usps),
            20,
            200,
        ));
        let icp = errors.check(line_list(
            "icp_market_segments",
            input
                .icp_market_segments
                .as_ref()
                .unwrap_or(&base.icp_market_segments),
            20,
            200,
        ));
        let brand_voice = errors.check(optional_text(
            "brand_voice",
            input.brand_voice.as_deref().unwrap_or(&base.brand_voice),
            500,
        ));
        let do_not_say = errors.check(line_list(
            "do_not_say",
            input.do_not_say.as_ref().unwrap_or(&base.do_not_say),
            100,
            100,
        ));
        errors.finish()?;
        Ok(Self {
            name: name.expect("checked"),
            company_overview: company_overview.expect("checked"),
            usps: usps.expect("checked"),
            icp_market_segments: icp.expect("checked"),
            brand_voice: brand_voice.expect("checked"),
            do_not_say: do_not_say.expect("checked"),
        })
    }

    /// The fields of an existing brand, as the base of an edit.
    pub fn of(brand: &Brand) -> Self {
        Self {
            name: brand.name.clone(),
            company_overview: brand.company_overview.clone(),
            usps: brand.usps.clone(),
            icp_market_segments: brand.icp_market_segments.clone(),
            brand_voice: brand.brand_voice.clone(),
            do_not_say: brand.do_not_say.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> BrandInput {
        BrandInput {
            name: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_brand_needs_a_name_and_names_every_bad_field() {
        let bad = BrandInput {
            name: Some(" ".into()),
            brand_voice: Some("x".repeat(501)),
            do_not_say: Some(vec!["ok".into(), "y".repeat(101)]),
            ..Default::default()
        };
        let Err(Error::Invalid(fields)) = BrandFields::parse(BrandFields::default(), &bad) else {
            panic!()
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["name", "brand_voice", "do_not_say[1]"]);
    }

    #[test]
    fn an_edit_changes_only_what_it_names() {
        let base = BrandFields::parse(
            BrandFields::default(),
            &BrandInput {
                name: Some("Acme".into()),
                usps: Some(vec!["Fast".into()]),
                ..Default::default()
            },
        )
        .unwrap();
        let edited = BrandFields::parse(
            base,
            &BrandInput {
                brand_voice: Some("Warm".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(edited.name, "Acme");
        assert_eq!(edited.usps, ["Fast"]);
        assert_eq!(edited.brand_voice, "Warm");
        assert!(BrandFields::parse(BrandFields::default(), &input("A")).is_ok());
    }
}
