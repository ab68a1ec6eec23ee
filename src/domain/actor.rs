//! Who is asking, in which workspace, and what they may do.
//!
//! Every service receives an [`Actor`] and asks it before acting; adapters (JSON handlers,
//! server functions, MCP tools) never decide permissions themselves.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::Error;
use super::ids::{ApiKeyId, UserId, WorkspaceId};

/// A member's role in one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including members, API keys, connectors and settings.
    Admin,
    /// Everything a marketer does, plus approve and reject.
    Approver,
    /// Creates, generates, previews, edits and requests launches; cannot approve.
    Marketer,
    /// Reads only.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Approver, Role::Marketer, Role::Viewer];

    /// The role's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Approver => "approver",
            Role::Marketer => "marketer",
            Role::Viewer => "viewer",
        }
    }

    /// The scopes this role holds: the most an actor with this role may ever do.
    pub fn scopes(self) -> ScopeSet {
        use Scope::*;
        let list: &[Scope] = match self {
            Role::Admin => &Scope::ALL,
            Role::Approver => &[
                MarketingRead,
                MarketingWrite,
                MarketingApprove,
                CrmRead,
                CrmWrite,
            ],
            Role::Marketer => &[MarketingRead, MarketingWrite, CrmRead, CrmWrite],
            Role::Viewer => &[MarketingRead, CrmRead],
        };
        ScopeSet(list.iter().copied().collect())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role `{s}` (expected admin, approver, marketer or viewer)")
            })
    }
}

/// One permission, as API keys carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Read campaigns, sequences, approvals, ads, blog and rollups.
    MarketingRead,
    /// Create and change marketing artifacts (never approve).
    MarketingWrite,
    /// Approve or reject what is waiting at the gate.
    MarketingApprove,
    /// Read contacts and segments.
    CrmRead,
    /// Change contacts and segments.
    CrmWrite,
    /// Manage keys, members, connectors and settings; read the audit log.
    Admin,
}

impl Scope {
    /// Every scope, in display order.
    pub const ALL: [Scope; 6] = [
        Scope::MarketingRead,
        Scope::MarketingWrite,
        Scope::MarketingApprove,
        Scope::CrmRead,
        Scope::CrmWrite,
        Scope::Admin,
    ];

    /// What a new key gets when no scopes are asked for: read and write, never approve.
    pub const DEFAULT_FOR_KEYS: [Scope; 4] = [
        Scope::MarketingRead,
        Scope::MarketingWrite,
        Scope::CrmRead,
        Scope::CrmWrite,
    ];

    /// The scope's wire name (`marketing:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::MarketingRead => "marketing:read",
            Scope::MarketingWrite => "marketing:write",
            Scope::MarketingApprove => "marketing:approve",
            Scope::CrmRead => "crm:read",
            Scope::CrmWrite => "crm:write",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown scope `{s}`"))
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of scopes, kept sorted so it prints and stores the same way every time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Builds a set from any scopes.
    pub fn of(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Self(scopes.into_iter().collect())
    }

    /// True when `scope` is in the set.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// The scopes in both sets.
    pub fn intersect(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.intersection(&other.0).copied().collect())
    }

    /// The scopes of `self` missing from `other`.
    pub fn missing_from(&self, other: &ScopeSet) -> Vec<Scope> {
        self.0.difference(&other.0).copied().collect()
    }

    /// True when nothing is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes in order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// Space-separated wire names, the stored form.
    pub fn to_stored(&self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Reads the stored form back; unknown names (from a newer version) are dropped.
    pub fn from_stored(text: &str) -> Self {
        Self(
            text.split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect(),
        )
    }
}

/// How the actor proved who they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Principal {
    /// A person in the console, with a browser session.
    User {
        /// The person.
        user_id: UserId,
    },
    /// An API client using a key minted by `user_id`.
    Key {
        /// The key presented.
        key_id: ApiKeyId,
        /// The member who minted the key; the key never does more than they may.
        user_id: UserId,
    },
}

/// Who is asking, in which workspace, and what they may do there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    workspace_id: WorkspaceId,
    principal: Principal,
    role: Role,
    scopes: ScopeSet,
}

impl Actor {
    /// A person in a browser session: their role's scopes.
    pub fn user(workspace_id: WorkspaceId, user_id: UserId, role: Role) -> Self {
        Self {
            workspace_id,
            principal: Principal::User { user_id },
            role,
            scopes: role.scopes(),
        }
    }

    /// An API key: the key's scopes, narrowed to what its owner's role still allows, so a
    /// demoted member's keys lose power with them.
    pub fn key(
        workspace_id: WorkspaceId,
        key_id: ApiKeyId,
        user_id: UserId,
        role: Role,
        key_scopes: &ScopeSet,
    ) -> Self {
        let scopes = key_scopes.intersect(&role.scopes());
        Self {
            workspace_id,
            principal: Principal::Key { key_id, user_id },
            role,
            scopes,
        }
    }

    /// The workspace every query of this request is confined to.
    pub fn workspace_id(&self) -> &WorkspaceId {
        &self.workspace_id
    }

    /// The person behind the request (for keys: the key's owner).
    pub fn user_id(&self) -> &UserId {
        match &self.principal {
            Principal::User { user_id } | Principal::Key { user_id, .. } => user_id,
        }
    }

    /// How the actor authenticated.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The key in use, if this is an API client.
    pub fn key_id(&self) -> Option<&ApiKeyId> {
        match &self.principal {
            Principal::Key { key_id, .. } => Some(key_id),
            Principal::User { .. } => None,
        }
    }

    /// The member's role in the workspace.
    pub fn role(&self) -> Role {
        self.role
    }

    /// What this actor may do.
    pub fn scopes(&self) -> &ScopeSet {
        &self.scopes
    }

    /// True when the actor holds `scope`.
    pub fn can(&self, scope: Scope) -> bool {
        self.scopes.contains(scope)
    }

    /// `Ok` when the actor holds `scope`, else `ForbiddenScope`.
    pub fn require(&self, scope: Scope) -> Result<(), Error> {
        if self.can(scope) {
            Ok(())
        } else {
            Err(Error::ForbiddenScope(scope))
        }
    }

    /// `Ok` when the actor may approve or reject; otherwise the answer names the console
    /// page where a human approver can decide.
    pub fn require_approver(&self, console_page: impl Into<String>) -> Result<(), Error> {
        if self.can(Scope::MarketingApprove) {
            Ok(())
        } else {
            Err(Error::ApprovalRequired {
                page: console_page.into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> WorkspaceId {
        WorkspaceId::generate()
    }

    #[test]
    fn roles_hold_nested_scopes() {
        assert!(Role::Admin.scopes().contains(Scope::Admin));
        assert!(Role::Approver.scopes().contains(Scope::MarketingApprove));
        assert!(!Role::Approver.scopes().contains(Scope::Admin));
        assert!(!Role::Marketer.scopes().contains(Scope::MarketingApprove));
        assert!(Role::Marketer.scopes().contains(Scope::CrmWrite));
        assert!(!Role::Viewer.scopes().contains(Scope::MarketingWrite));
    }

    #[test]
    fn a_key_never_does_more_than_its_owner_role_allows() {
        let all = ScopeSet::of(Scope::ALL);
        let actor = Actor::key(
            ws(),
            ApiKeyId::generate(),
            UserId::generate(),
            Role::Viewer,
            &all,
        );
        assert!(actor.can(Scope::MarketingRead));
        assert!(!actor.can(Scope::MarketingWrite));
        assert!(matches!(
            actor.require(Scope::Admin),
            Err(Error::ForbiddenScope(Scope::Admin))
        ));
    }

    #[test]
    fn a_marketer_is_told_where_a_human_can_approve() {
        let actor = Actor::user(ws(), UserId::generate(), Role::Marketer);
        match actor.require_approver("/email/seq_1") {
            Err(Error::ApprovalRequired { page }) => assert_eq!(page, "/email/seq_1"),
            other => panic!("expected approval_required, got {other:?}"),
        }
        let approver = Actor::user(ws(), UserId::generate(), Role::Approver);
        assert!(approver.require_approver("/x").is_ok());
    }

    #[test]
    fn scopes_round_trip_through_their_stored_form() {
        let set = ScopeSet::of([Scope::CrmWrite, Scope::MarketingRead]);
        assert_eq!(set.to_stored(), "marketing:read crm:write");
        assert_eq!(ScopeSet::from_stored(&set.to_stored()), set);
    }

    #[test]
    fn unknown_roles_and_scopes_are_named_in_the_error() {
        assert!("owner".parse::<Role>().unwrap_err().contains("owner"));
        assert!(
            "crm:delete"
                .parse::<Scope>()
                .unwrap_err()
                .contains("crm:delete")
        );
    }
}
