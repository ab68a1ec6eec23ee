//! Approval requests and their decisions.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Conditions, Db, Tx, bind_page, get_opt_time, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::actor::{Actor, Principal};
use crate::domain::approval::{Approval, ApprovalFilter, ApprovalStatus, SubjectType};
use crate::domain::enrollment::AudienceFingerprint;
use crate::domain::ids::{ApprovalId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

const COLUMNS: &str = "a.id, a.subject_type, a.subject_id, a.subject_name, a.campaign_id, a.status, a.content_hash, \
                       a.audience_count, a.audience_digest, a.requested_by_type, a.requested_by_user_id, a.requested_by_key_id, ru.email as requested_by_email, \
                       a.decided_by_type, a.decided_by_user_id, a.decided_by_key_id, du.email as decided_by_email, \
                       a.decided_at, a.note, a.created_at";

const FROM: &str = "approvals a join users ru on ru.id = a.requested_by_user_id \
                    left join users du on du.id = a.decided_by_user_id";

fn principal(row: &AnyRow, prefix: &str) -> Result<Option<Principal>, Error> {
    let kind: Option<String> = row.try_get(format!("{prefix}_type").as_str())?;
    let user: Option<String> = row.try_get(format!("{prefix}_user_id").as_str())?;
    let key: Option<String> = row.try_get(format!("{prefix}_key_id").as_str())?;
    let unreadable = || Error::internal(std::io::Error::other("stored approval actor unreadable"));
    let Some(user_id) = user
        .map(|u| u.parse().map_err(|_| unreadable()))
        .transpose()?
    else {
        return Ok(None);
    };
    Ok(Some(match (kind.as_deref(), key) {
        (Some("key"), Some(key)) => Principal::Key {
            key_id: key.parse().map_err(|_| unreadable())?,
            user_id,
        },
        _ => Principal::User { user_id },
    }))
}

fn approval(row: &AnyRow) -> Result<Approval, Error> {
    let campaign: Option<String> = row.try_get("campaign_id")?;
    Ok(Approval {
        id: get_parsed(row, "id")?,
        subject_type: get_parsed(row, "subject_type")?,
        subject_id: row.try_get("subject_id")?,
        subject_name: row.try_get("subject_name")?,
        campaign_id: campaign
            .map(|c| c.parse())
            .transpose()
            .map_err(Error::internal)?,
        status: get_parsed(row, "status")?,
        content_hash: row.try_get("content_hash")?,
        audience: match (
            row.try_get::<Option<i64>, _>("audience_count")?,
            row.try_get::<Option<String>, _>("audience_digest")?,
        ) {
            (Some(count), Some(digest)) => Some(AudienceFingerprint { count, digest }),
            _ => None,
        },
        requested_by: principal(row, "requested_by")?
            .ok_or_else(|| Error::internal(std::io::Error::other("approval without requester")))?,
        requested_by_email: row.try_get("requested_by_email")?,
        decided_by: principal(row, "decided_by")?,
        decided_by_email: row.try_get("decided_by_email")?,
        decided_at: get_opt_time(row, "decided_at")?,
        note: row.try_get("note")?,
        created_at: get_time(row, "created_at")?,
    })
}

fn actor_columns(actor: &Actor) -> (&'static str, &str, Option<&str>) {
    match actor.key_id() {
        Some(key) => ("key", actor.user_id().as_str(), Some(key.as_str())),
        None => ("user", actor.user_id().as_str(), None),
    }
}

/// Stores a new pending request by `actor`.
pub async fn insert(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    a: &Approval,
    actor: &Actor,
) -> Result<(), Error> {
    let (kind, user, key) = actor_columns(actor);
    sqlx::query(
        "insert into approvals (id, workspace_id, subject_type, subject_id, subject_name, campaign_id, status, content_hash, \
         audience_count, audience_digest, requested_by_type, requested_by_user_id, requested_by_key_id, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(a.id.as_str())
    .bind(workspace.as_str())
    .bind(a.subject_type.as_str())
    .bind(&a.subject_id)
    .bind(&a.subject_name)
    .bind(a.campaign_id.as_ref().map(|c| c.to_string()))
    .bind(a.status.as_str())
    .bind(&a.content_hash)
    .bind(a.audience.as_ref().map(|f| f.count))
    .bind(a.audience.as_ref().map(|f| f.digest.clone()))
    .bind(kind)
    .bind(user)
    .bind(key)
    .bind(a.created_at.to_string())
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        // Two requests for one subject at the same moment: the second loses to the
        // one-pending index and is told so, instead of failing as an internal error.
        if super::is_unique_violation(&e) {
            Error::Conflict(
                "another approval request for this was opened at the same moment; reload and review it".into(),
            )
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// Closes a pending request as `status` by `actor`; false when it was no longer pending
/// (someone decided first).
pub async fn decide(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ApprovalId,
    status: ApprovalStatus,
    actor: &Actor,
    note: Option<&str>,
    at: Timestamp,
) -> Result<bool, Error> {
    let (kind, user, key) = actor_columns(actor);
    let done = sqlx::query(
        "update approvals set status = $1, decided_by_type = $2, decided_by_user_id = $3, decided_by_key_id = $4, \
         decided_at = $5, note = $6 where workspace_id = $7 and id = $8 and status = 'pending'",
    )
    .bind(status.as_str())
    .bind(kind)
    .bind(user)
    .bind(key)
    .bind(at.to_string())
    .bind(note)
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One request.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &ApprovalId,
) -> Result<Option<Approval>, Error> {
    let sql = format!("select {COLUMNS} from {FROM} where a.workspace_id = $1 and a.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(approval).transpose()
}

/// The open request of a subject, if any.
pub async fn pending_for(
    db: &Db,
    workspace: &WorkspaceId,
    subject_type: SubjectType,
    subject_id: &str,
) -> Result<Option<Approval>, Error> {
    let sql = format!(
        "select {COLUMNS} from {FROM} where a.workspace_id = $1 and a.subject_type = $2 and a.subject_id = $3 \
         and a.status = 'pending'"
    );
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(subject_type.as_str())
        .bind(subject_id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(approval).transpose()
}

/// The open requests of several subjects of one kind: (subject id, request id) pairs.
pub async fn pending_among(
    db: &Db,
    workspace: &WorkspaceId,
    subject_type: SubjectType,
    subject_ids: &[&str],
) -> Result<Vec<(String, ApprovalId)>, Error> {
    if subject_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..subject_ids.len())
        .map(|i| format!("${}", i + 3))
        .collect();
    let sql = format!(
        "select subject_id, id from approvals where workspace_id = $1 and subject_type = $2          and status = 'pending' and subject_id in ({})",
        placeholders.join(", ")
    );
    let query = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(subject_type.as_str());
    let query = super::bind_all(query, subject_ids.iter().copied());
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("subject_id")?, get_parsed(r, "id")?)))
        .collect()
}

/// Every request of a subject, newest first (its approval history).
pub async fn history(
    db: &Db,
    workspace: &WorkspaceId,
    subject_type: SubjectType,
    subject_id: &str,
) -> Result<Vec<Approval>, Error> {
    let sql = format!(
        "select {COLUMNS} from {FROM} where a.workspace_id = $1 and a.subject_type = $2 and a.subject_id = $3 \
         order by a.created_at desc, a.id desc"
    );
    let rows = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(subject_type.as_str())
        .bind(subject_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(approval).collect()
}

/// One page of requests, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &ApprovalFilter,
    page: &PageRequest,
) -> Result<Vec<Approval>, Error> {
    let mut c = Conditions::default();
    if let Some(s) = filter.status {
        c.add("a.status =", s.as_str().to_owned());
    } else if filter.decided {
        c.add_fixed("a.status in ('approved', 'rejected')");
    }
    if let Some(t) = filter.subject_type {
        c.add("a.subject_type =", t.as_str().to_owned());
    }
    let sql = format!(
        "select {COLUMNS} from {FROM} where a.workspace_id = $1{} {}",
        c.sql,
        page_clause("a", c.next_param(), page)
    );
    let query = c.bind(sqlx::query(&sql).bind(workspace.as_str()));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(approval).collect()
}

/// Why an open request is withdrawn, as its note says.
pub const CONTENT_CHANGED: &str = "the content changed; a new request replaces this one";
/// A regeneration replaced the variant the request was for.
pub const REPLACED_BY_REGENERATION: &str = "the variant was replaced by a regeneration";

/// Cancels the open request of a subject, noting `why`; `actor` made the change.
pub async fn cancel_pending(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    subject_type: SubjectType,
    subject_id: &str,
    actor: &Actor,
    at: Timestamp,
    why: &str,
) -> Result<u64, Error> {
    let (kind, user, key) = actor_columns(actor);
    let done = sqlx::query(
        "update approvals set status = 'cancelled', decided_by_type = $1, decided_by_user_id = $2, decided_by_key_id = $3, \
         decided_at = $4, note = $8 \
         where workspace_id = $5 and subject_type = $6 and subject_id = $7 and status = 'pending'",
    )
    .bind(kind)
    .bind(user)
    .bind(key)
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(subject_type.as_str())
    .bind(subject_id)
    .bind(why)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Every request of a campaign's artifacts, newest first.
pub async fn for_campaign(
    db: &Db,
    workspace: &WorkspaceId,
    campaign: &crate::domain::ids::CampaignId,
) -> Result<Vec<Approval>, Error> {
    let sql = format!(
        "select {COLUMNS} from {FROM} where a.workspace_id = $1 and a.campaign_id = $2 \
         order by a.created_at desc, a.id desc"
    );
    let rows = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(campaign.as_str())
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(approval).collect()
}

/// The content hash of the approved request of a subject (what a person signed off), if any.
pub async fn approved_hash(
    db: &Db,
    subject_type: &str,
    subject_id: &str,
) -> Result<Option<String>, Error> {
    let row = sqlx::query(
        "select content_hash from approvals where subject_type = $1 and subject_id = $2 \
         and status = 'approved' order by decided_at desc limit 1",
    )
    .bind(subject_type)
    .bind(subject_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| r.try_get("content_hash")).transpose()?)
}
