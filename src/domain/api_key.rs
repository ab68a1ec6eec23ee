//! API keys: the token format, the mint command and the rule for which scopes may be granted.

use serde::{Deserialize, Serialize};

use super::actor::{Actor, Scope, ScopeSet};
use super::error::{Error, Errors, FieldError};
use super::ids::{ApiKeyId, UserId};
use super::pagination::{Keyed, Position};
use super::time::Timestamp;

/// Length of the public, looked-up part of a key.
pub const PREFIX_LEN: usize = 10;
/// Length of the secret part: 43 alphanumeric characters carry about 256 bits.
pub const SECRET_LEN: usize = 43;
/// Longest key name accepted.
pub const NAME_MAX: usize = 100;

/// A presented key split into its parts: `tnx_<prefix>_<secret>`.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyToken {
    /// Public part, stored in clear and used to find the key row.
    pub prefix: String,
    /// Secret part, only ever stored as a hash.
    pub secret: String,
}

impl std::fmt::Debug for KeyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyToken(tnx_{}_…)", self.prefix)
    }
}

impl KeyToken {
    /// Splits `tnx_<prefix>_<secret>`; anything else is `None` (and becomes a 401).
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("tnx_")?;
        let (prefix, secret) = rest.split_once('_')?;
        let ok =
            |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_alphanumeric());
        (ok(prefix, PREFIX_LEN) && ok(secret, SECRET_LEN)).then(|| Self {
            prefix: prefix.to_owned(),
            secret: secret.to_owned(),
        })
    }

    /// The full key as the client must send it.
    pub fn reveal(&self) -> String {
        format!("tnx_{}_{}", self.prefix, self.secret)
    }
}

/// A request to mint a key, as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    /// What the key is for (1–100 characters).
    pub name: String,
    /// Scopes; default `marketing:read marketing:write crm:read crm:write`. `marketing:approve`
    /// only when asked for, and only by a caller who holds it.
    pub scopes: Option<Vec<String>>,
    /// RFC 3339 time after which the key stops working.
    pub expires_at: Option<String>,
}

impl ApiKeyInput {
    /// Checks every field; `scopes: None` means the default read+write set, never approve.
    pub fn parse(&self, now: Timestamp) -> Result<NewApiKey, Error> {
        NewApiKey::parse(
            &self.name,
            self.scopes.as_deref(),
            self.expires_at.as_deref(),
            now,
        )
    }
}

/// A validated request to mint a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// What the key is for ("CRM sync agent").
    pub name: String,
    /// What the key may do.
    pub scopes: ScopeSet,
    /// When the key stops working, if ever.
    pub expires_at: Option<Timestamp>,
}

impl NewApiKey {
    /// Checks every field; `scopes: None` means the default read+write set, never approve.
    pub fn parse(
        name: &str,
        scopes: Option<&[String]>,
        expires_at: Option<&str>,
        now: Timestamp,
    ) -> Result<Self, Error> {
        let mut errors = Errors::new();
        let name = errors.check(parse_name(name));
        let scopes = errors.check(parse_scopes(scopes));
        let expires_at = errors.check(parse_expiry(expires_at, now));
        errors.finish()?;
        Ok(Self {
            name: name.expect("checked"),
            scopes: scopes.expect("checked"),
            expires_at: expires_at.expect("checked"),
        })
    }

    /// Refuses scopes beyond what the minting actor holds: nobody grants more than they have.
    pub fn check_grantable_by(&self, actor: &Actor) -> Result<(), Error> {
        let missing = self.scopes.missing_from(actor.scopes());
        if missing.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        Err(Error::invalid(
            "scopes",
            format!(
                "you cannot grant {} (your role does not hold it)",
                names.join(", ")
            ),
        ))
    }
}

fn parse_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() {
        Err(FieldError::new("name", "must not be empty"))
    } else if name.chars().count() > NAME_MAX {
        Err(FieldError::new(
            "name",
            format!("must be at most {NAME_MAX} characters"),
        ))
    } else if name.chars().any(char::is_control) {
        Err(FieldError::new(
            "name",
            "must not contain control characters",
        ))
    } else {
        Ok(name.to_owned())
    }
}

fn parse_scopes(scopes: Option<&[String]>) -> Result<ScopeSet, FieldError> {
    let Some(names) = scopes else {
        return Ok(ScopeSet::of(Scope::DEFAULT_FOR_KEYS));
    };
    let mut parsed = Vec::new();
    for name in names {
        parsed.push(
            name.trim()
                .parse::<Scope>()
                .map_err(|e| FieldError::new("scopes", e))?,
        );
    }
    if parsed.is_empty() {
        return Err(FieldError::new("scopes", "must name at least one scope"));
    }
    Ok(ScopeSet::of(parsed))
}

fn parse_expiry(text: Option<&str>, now: Timestamp) -> Result<Option<Timestamp>, FieldError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let at = Timestamp::parse_rfc3339(text)
        .map_err(|_| FieldError::new("expires_at", "must be an RFC 3339 time"))?;
    if at <= now {
        return Err(FieldError::new("expires_at", "must be in the future"));
    }
    Ok(Some(at))
}

/// A key as listed: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The key's id.
    pub id: ApiKeyId,
    /// What it is for.
    pub name: String,
    /// Public part, shown so people can tell keys apart.
    pub prefix: String,
    /// What it may do.
    pub scopes: ScopeSet,
    /// Who minted it.
    pub created_by: UserId,
    /// The minting member's email, for lists.
    pub created_by_email: String,
    /// When it was minted.
    pub created_at: Timestamp,
    /// When it was last used, at minute precision.
    pub last_used_at: Option<Timestamp>,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// Where a key stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// It works.
    Active,
    /// Its expiry time has passed.
    Expired,
    /// Someone revoked it.
    Revoked,
}

impl KeyState {
    /// The state's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Expired => "expired",
            KeyState::Revoked => "revoked",
        }
    }
}

/// Managing keys (mint, list, revoke): people may manage their own from the console, but
/// a key may manage keys only if it holds `admin`, so a leaked everyday key cannot mint
/// itself successors that outlive its revocation.
pub fn check_key_management(actor: &Actor) -> Result<(), Error> {
    if actor.key_id().is_some() {
        actor.require(Scope::Admin)
    } else {
        Ok(())
    }
}

impl Keyed for ApiKey {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

impl ApiKey {
    /// True while the key may still be used at `now`.
    pub fn is_usable(&self, now: Timestamp) -> bool {
        self.state(now) == KeyState::Active
    }

    /// Whether `last_used_at` should be written now: at most once a minute, so a busy key
    /// does not turn every request into a database write.
    pub fn use_is_worth_recording(&self, now: Timestamp) -> bool {
        self.last_used_at
            .is_none_or(|at| at < now.plus(time::Duration::minutes(-1)))
    }

    /// Active, expired or revoked at `now` (revoked wins over expired).
    pub fn state(&self, now: Timestamp) -> KeyState {
        if self.revoked_at.is_some() {
            KeyState::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            KeyState::Expired
        } else {
            KeyState::Active
        }
    }

    /// Whether `actor` may revoke this key: its owner, or an admin.
    pub fn check_revocable_by(&self, actor: &Actor) -> Result<(), Error> {
        if &self.created_by == actor.user_id() {
            Ok(())
        } else {
            actor.require(Scope::Admin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::actor::Role;
    use crate::domain::ids::WorkspaceId;

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-30T12:00:00Z").unwrap()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tokens_parse_only_in_the_exact_format() {
        let good = format!("tnx_{}_{}", "a".repeat(PREFIX_LEN), "B".repeat(SECRET_LEN));
        let token = KeyToken::parse(&good).unwrap();
        assert_eq!(token.reveal(), good);
        assert!(KeyToken::parse(&good[1..]).is_none());
        assert!(KeyToken::parse(&format!("{good}x")).is_none());
        assert!(KeyToken::parse("tnx_short_secret").is_none());
        assert!(KeyToken::parse(&good.replace('B', "-")).is_none());
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let token = KeyToken {
            prefix: "p".repeat(PREFIX_LEN),
            secret: "s".repeat(SECRET_LEN),
        };
        assert!(!format!("{token:?}").contains("sss"));
    }

    #[test]
    fn a_new_key_defaults_to_read_and_write_without_approve() {
        let key = NewApiKey::parse("agent", None, None, now()).unwrap();
        assert!(key.scopes.contains(Scope::MarketingWrite));
        assert!(key.scopes.contains(Scope::CrmRead));
        assert!(!key.scopes.contains(Scope::MarketingApprove));
        assert!(!key.scopes.contains(Scope::Admin));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let err = NewApiKey::parse(
            " ",
            Some(&strings(&["crm:delete"])),
            Some("2020-01-01T00:00:00Z"),
            now(),
        )
        .unwrap_err();
        let Error::Invalid(fields) = err else {
            panic!("expected invalid")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["name", "scopes", "expires_at"]);
    }

    #[test]
    fn an_empty_scope_list_is_refused() {
        assert!(NewApiKey::parse("k", Some(&[]), None, now()).is_err());
    }

    #[test]
    fn a_marketer_cannot_grant_approve_but_an_approver_can() {
        let key =
            NewApiKey::parse("k", Some(&strings(&["marketing:approve"])), None, now()).unwrap();
        let ws = WorkspaceId::generate();
        let marketer = Actor::user(ws.clone(), UserId::generate(), Role::Marketer);
        let approver = Actor::user(ws, UserId::generate(), Role::Approver);
        assert!(key.check_grantable_by(&marketer).is_err());
        assert!(key.check_grantable_by(&approver).is_ok());
    }

    #[test]
    fn expired_and_revoked_keys_are_not_usable() {
        let mut key = ApiKey {
            id: ApiKeyId::generate(),
            name: "k".into(),
            prefix: "p".into(),
            scopes: ScopeSet::default(),
            created_by: UserId::generate(),
            created_by_email: "a@b.c".into(),
            created_at: now(),
            last_used_at: None,
            expires_at: Some(now().plus(time::Duration::hours(1))),
            revoked_at: None,
        };
        assert!(key.is_usable(now()));
        assert_eq!(
            key.state(now().plus(time::Duration::hours(2))),
            KeyState::Expired
        );
        key.revoked_at = Some(now());
        assert_eq!(
            key.state(now().plus(time::Duration::hours(2))),
            KeyState::Revoked
        );
        key.expires_at = None;
        assert!(!key.is_usable(now()));
    }

    #[test]
    fn only_keys_holding_admin_may_manage_keys_but_people_may_manage_their_own() {
        let ws = WorkspaceId::generate();
        let person = Actor::user(ws.clone(), UserId::generate(), Role::Marketer);
        assert!(check_key_management(&person).is_ok());
        let everyday = Actor::key(
            ws.clone(),
            ApiKeyId::generate(),
            UserId::generate(),
            Role::Admin,
            &ScopeSet::of(Scope::DEFAULT_FOR_KEYS),
        );
        assert!(matches!(
            check_key_management(&everyday),
            Err(Error::ForbiddenScope(Scope::Admin))
        ));
        let admin = Actor::key(
            ws,
            ApiKeyId::generate(),
            UserId::generate(),
            Role::Admin,
            &ScopeSet::of([Scope::Admin]),
        );
        assert!(check_key_management(&admin).is_ok());
    }
}
