//! Workspaces (tenants) and the memberships that give people a role in one.

use serde::{Deserialize, Serialize};

use super::actor::Role;
use super::error::{Error, Errors, FieldError};
use super::ids::WorkspaceId;
use super::money::{format_usd, usd_to_cents};
use super::time::Timestamp;

/// Longest workspace name accepted.
pub const NAME_MAX: usize = 80;

/// A workspace's display name: trimmed, non-empty, at most 80 characters.
pub fn parse_name(text: &str) -> Result<String, FieldError> {
    let name = text.trim();
    if name.is_empty() {
        Err(FieldError::new("workspace", "must not be empty"))
    } else if name.chars().count() > NAME_MAX {
        Err(FieldError::new(
            "workspace",
            format!("must be at most {NAME_MAX} characters"),
        ))
    } else if name.chars().any(char::is_control) {
        Err(FieldError::new(
            "workspace",
            "must not contain control characters",
        ))
    } else {
        Ok(name.to_owned())
    }
}

/// A tenant: everything else belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// The workspace's id.
    pub id: WorkspaceId,
    /// Its display name, unique on this installation.
    pub name: String,
}

/// A person's place in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The workspace.
    pub workspace: Workspace,
    /// What they may do there.
    pub role: Role,
}

/// The daily budget cap a workspace starts with: $1,000 a day per ad campaign.
pub const DEFAULT_DAILY_BUDGET_CAP_CENTS: i64 = 100_000;
/// The highest cap an admin may set: $1,000,000 a day.
pub const MAX_DAILY_BUDGET_CAP_CENTS: i64 = 100_000_000;

/// How far back a conversion looks for the campaign that earned it, unless an admin says
/// otherwise.
pub const DEFAULT_ATTRIBUTION_WINDOW_DAYS: i64 = 30;
/// The longest attribution window an admin may set.
pub const MAX_ATTRIBUTION_WINDOW_DAYS: i64 = 365;

/// What an admin decides for the whole workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    /// No ad campaign may be launched with a daily budget above this, in cents.
    pub daily_budget_cap_cents: i64,
    /// Where a day starts for rollups: an IANA time zone name.
    pub time_zone: String,
    /// A conversion that names no campaign counts for the contact's most recent campaign
    /// touch at most this many days before it.
    pub attribution_window_days: i64,
    /// Whether outgoing webhooks may go to private addresses (an on-premise receiver,
    /// plain `http` allowed there).
    pub private_webhook_targets: bool,
    /// Bumped on every change; 0 while nothing was ever changed.
    pub version: i64,
    /// When an admin last changed them.
    pub updated_at: Option<Timestamp>,
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        Self {
            daily_budget_cap_cents: DEFAULT_DAILY_BUDGET_CAP_CENTS,
            time_zone: "UTC".into(),
            attribution_window_days: DEFAULT_ATTRIBUTION_WINDOW_DAYS,
            private_webhook_targets: false,
            version: 0,
            updated_at: None,
        }
    }
}

/// An edit of the settings; fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SettingsEdit {
    /// The version being edited (or `If-Match`).
    pub version: Option<i64>,
    /// The most any ad campaign may spend a day, in dollars (more than 0, at most two
    /// decimals, at most 1,000,000).
    pub daily_budget_cap_usd: Option<f64>,
    /// Where a day starts for rollups: an IANA time zone name (e.g. `Europe/Berlin`).
    /// Changing it recomputes the workspace's daily counters.
    pub time_zone: Option<String>,
    /// How many days back (1 to 365) a conversion that names no campaign looks for the
    /// contact's most recent campaign touch.
    pub attribution_window_days: Option<i64>,
    /// Allow outgoing webhooks to private addresses (and plain `http` there), for an
    /// on-premise receiver.
    pub private_webhook_targets: Option<bool>,
}

impl SettingsEdit {
    /// The settings after this edit, or every bad field named; `version` and `at` are
    /// the new version and time.
    pub fn apply(
        &self,
        current: &WorkspaceSettings,
        at: Timestamp,
    ) -> Result<WorkspaceSettings, Error> {
        let mut errors = Errors::new();
        let cap = match self.daily_budget_cap_usd {
            None => Some(current.daily_budget_cap_cents),
            Some(usd) => errors.check(usd_to_cents("daily_budget_cap_usd", usd, None).and_then(
                |cents| {
                    if cents > MAX_DAILY_BUDGET_CAP_CENTS {
                        Err(FieldError::new(
                            "daily_budget_cap_usd",
                            format!("must be at most {}", format_usd(MAX_DAILY_BUDGET_CAP_CENTS)),
                        ))
                    } else {
                        Ok(cents)
                    }
                },
            )),
        };
        let time_zone = match &self.time_zone {
            None => Some(current.time_zone.clone()),
            Some(tz) => errors.check(super::time::check_time_zone("time_zone", tz)),
        };
        let window = match self.attribution_window_days {
            None => Some(current.attribution_window_days),
            Some(days) if (1..=MAX_ATTRIBUTION_WINDOW_DAYS).contains(&days) => Some(days),
            Some(_) => {
                errors.push(FieldError::new(
                    "attribution_window_days",
                    format!(
                        "must be a whole number of days from 1 to {MAX_ATTRIBUTION_WINDOW_DAYS}"
                    ),
                ));
                None
            }
        };
        errors.finish()?;
        Ok(WorkspaceSettings {
            daily_budget_cap_cents: cap.expect("checked"),
            time_zone: time_zone.expect("checked"),
            attribution_window_days: window.expect("checked"),
            private_webhook_targets: self
                .private_webhook_targets
                .unwrap_or(current.private_webhook_targets),
            version: current.version + 1,
            updated_at: Some(at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_cap_is_money_within_bounds_and_bumps_the_version() {
        let at = Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap();
        let current = WorkspaceSettings::default();
        assert_eq!(current.daily_budget_cap_cents, 100_000);
        let edited = SettingsEdit {
            version: Some(0),
            daily_budget_cap_usd: Some(250.5),
            ..SettingsEdit::default()
        }
        .apply(&current, at)
        .unwrap();
        assert_eq!(edited.daily_budget_cap_cents, 25_050);
        assert_eq!(edited.version, 1);
        assert_eq!(edited.updated_at, Some(at));
        for bad in [0.0, -1.0, 1.234, 2_000_000.0] {
            let e = SettingsEdit {
                version: Some(0),
                daily_budget_cap_usd: Some(bad),
                ..SettingsEdit::default()
            }
            .apply(&current, at)
            .unwrap_err();
            assert!(
                matches!(&e, Error::Invalid(f) if f[0].field == "daily_budget_cap_usd"),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn time_zone_and_attribution_window_are_checked_and_kept_when_left_out() {
        let at = Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap();
        let current = WorkspaceSettings::default();
        assert_eq!(current.time_zone, "UTC");
        assert_eq!(current.attribution_window_days, 30);
        let edited = SettingsEdit {
            version: Some(0),
            time_zone: Some("America/New_York".into()),
            attribution_window_days: Some(7),
            private_webhook_targets: Some(true),
            ..SettingsEdit::default()
        }
        .apply(&current, at)
        .unwrap();
        assert_eq!(edited.time_zone, "America/New_York");
        assert_eq!(edited.attribution_window_days, 7);
        assert!(edited.private_webhook_targets);
        assert_eq!(
            edited.daily_budget_cap_cents,
            current.daily_budget_cap_cents
        );
        let kept = SettingsEdit {
            version: Some(1),
            ..SettingsEdit::default()
        }
        .apply(&edited, at)
        .unwrap();
        assert_eq!(kept.time_zone, "America/New_York");
        assert!(kept.private_webhook_targets);
        let e = SettingsEdit {
            version: Some(0),
            time_zone: Some("Mars/Base".into()),
            attribution_window_days: Some(0),
            ..SettingsEdit::default()
        }
        .apply(&current, at)
        .unwrap_err();
        let Error::Invalid(fields) = e else { panic!() };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["time_zone", "attribution_window_days"]);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  Acme ").unwrap(), "Acme");
        assert!(parse_name("  ").is_err());
        assert!(parse_name(&"x".repeat(NAME_MAX + 1)).is_err());
    }
}
