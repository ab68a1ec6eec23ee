//! Contacts and their custom fields.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, bind_all, get_opt_time, get_parsed, get_time, placeholders};
use crate::domain::Error;
use crate::domain::contact::{Contact, ContactFields, ImportRow};
use crate::domain::ids::{ContactId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::suppression::SuppressionReason;
use crate::domain::time::Timestamp;
use crate::domain::user::Email;

/// Columns of `contacts c`, in the order [`contact`] reads them.
pub const COLUMNS: &str = "c.id, c.email, c.first_name, c.last_name, c.company, c.domain, c.title, c.lifecycle_stage, \
                           c.unsubscribed_at, c.bounced_at, c.version, c.created_at, c.updated_at, c.last_activity_at";

/// Reads a contact row (custom fields are filled in by [`with_fields`]).
pub fn contact(row: &AnyRow) -> Result<Contact, Error> {
    let email: String = row.try_get("email")?;
    Ok(Contact {
        id: get_parsed(row, "id")?,
        email: Email::parse("email", &email)
            .map_err(|_| Error::internal(std::io::Error::other("stored email unreadable")))?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        company: row.try_get("company")?,
        domain: row.try_get("domain")?,
        title: row.try_get("title")?,
        custom_fields: BTreeMap::new(),
        lifecycle_stage: get_parsed(row, "lifecycle_stage")?,
        unsubscribed_at: get_opt_time(row, "unsubscribed_at")?,
        bounced_at: get_opt_time(row, "bounced_at")?,
        version: row.try_get("version")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        last_activity_at: get_opt_time(row, "last_activity_at")?,
    })
}

/// Fills in the custom fields of `contacts` with one query.
pub async fn with_fields(db: &Db, mut contacts: Vec<Contact>) -> Result<Vec<Contact>, Error> {
    if contacts.is_empty() {
        return Ok(contacts);
    }
    let sql = format!(
        "select contact_id, name, value from contact_fields where contact_id in ({})",
        placeholders(1, contacts.len())
    );
    let query = super::bind_all(sqlx::query(&sql), contacts.iter().map(|c| c.id.as_str()));
    let rows = query.fetch_all(db.pool()).await?;
    let mut by_contact: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    for row in rows {
        let id: String = row.try_get("contact_id")?;
        by_contact
            .entry(id)
            .or_default()
            .insert(row.try_get("name")?, row.try_get("value")?);
    }
    for c in &mut contacts {
        if let Some(fields) = by_contact.remove(c.id.as_str()) {
            c.custom_fields = fields;
        }
    }
    Ok(contacts)
}

async fn replace_fields(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ContactId,
    fields: &BTreeMap<String, String>,
) -> Result<(), Error> {
    sqlx::query("delete from contact_fields where contact_id = $1")
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    for (name, value) in fields {
        sqlx::query("insert into contact_fields (contact_id, workspace_id, name, value) values ($1, $2, $3, $4)")
            .bind(id.as_str())
            .bind(workspace.as_str())
            .bind(name)
            .bind(value)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn email_taken(e: sqlx::Error) -> Error {
    if super::is_unique_violation(&e) {
        Error::invalid("email", "a contact with this email already exists")
    } else {
        e.into()
    }
}

/// Stores a new contact.
pub async fn insert(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ContactId,
    f: &ContactFields,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "insert into contacts (id, workspace_id, email, first_name, last_name, company, domain, title, lifecycle_stage, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(id.as_str())
    .bind(workspace.as_str())
    .bind(f.email.as_str())
    .bind(&f.first_name)
    .bind(&f.last_name)
    .bind(&f.company)
    .bind(&f.domain)
    .bind(&f.title)
    .bind(f.lifecycle_stage.as_str())
    .bind(at.to_string())
    .execute(&mut **tx)
    .await
    .map_err(email_taken)?;
    replace_fields(tx, workspace, id, &f.custom_fields).await
}

/// Replaces a contact's fields.
pub async fn update(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ContactId,
    version: i64,
    f: &ContactFields,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update contacts set email = $1, first_name = $2, last_name = $3, company = $4, domain = $5, title = $6, \
         lifecycle_stage = $7, updated_at = $8, version = version + 1 \
         where workspace_id = $9 and id = $10 and version = $11",
    )
    .bind(f.email.as_str())
    .bind(&f.first_name)
    .bind(&f.last_name)
    .bind(&f.company)
    .bind(&f.domain)
    .bind(&f.title)
    .bind(f.lifecycle_stage.as_str())
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await
    .map_err(email_taken)?;
    if done.rows_affected() == 1 {
        replace_fields(tx, workspace, id, &f.custom_fields).await?;
    }
    Ok(done.rows_affected() == 1)
}

/// Deletes a contact (its fields and memberships go with it).
pub async fn delete(tx: &mut Tx, workspace: &WorkspaceId, id: &ContactId) -> Result<bool, Error> {
    // Their messages go with them; what was sent stays counted (without the person).
    sqlx::query(
        "insert into erased_sends (workspace_id, campaign_id, sent_at) \
         select m.workspace_id, s.campaign_id, m.sent_at from sequence_messages m \
         join email_sequences s on s.id = m.sequence_id \
         where m.workspace_id = $1 and m.contact_id = $2 and m.status = 'sent' and m.sent_at is not null",
    )
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query("delete from contact_fields where contact_id = $1 and workspace_id = $2")
        .bind(id.as_str())
        .bind(workspace.as_str())
        .execute(&mut **tx)
        .await?;
    sqlx::query("delete from segment_members where contact_id = $1 and segment_id in (select id from segments where workspace_id = $2)")
        .bind(id.as_str())
        .bind(workspace.as_str())
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query("delete from contacts where workspace_id = $1 and id = $2")
        .bind(workspace.as_str())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One contact with its custom fields.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &ContactId,
) -> Result<Option<Contact>, Error> {
    let sql = format!("select {COLUMNS} from contacts c where c.workspace_id = $1 and c.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(r) => Ok(with_fields(db, vec![contact(&r)?]).await?.pop()),
        None => Ok(None),
    }
}

/// Which of `ids` are contacts of the workspace.
pub async fn existing_ids(
    db: &Db,
    workspace: &WorkspaceId,
    ids: &[ContactId],
) -> Result<Vec<ContactId>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "select id from contacts where workspace_id = $1 and id in ({})",
        placeholders(2, ids.len())
    );
    let query = bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        ids.iter().map(|id| id.as_str()),
    );
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter().map(|r| get_parsed(r, "id")).collect()
}

/// One page of contacts, newest first; `search` matches email, names and company.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    search: Option<&str>,
    page: &PageRequest,
) -> Result<Vec<Contact>, Error> {
    let sql = format!(
        "select {COLUMNS} from contacts c where c.workspace_id = $1 and ($2 = '' or lower(c.email) like $2 escape '\\' \
         or lower(c.first_name) like $2 escape '\\' or lower(c.last_name) like $2 escape '\\' \
         or lower(c.company) like $2 escape '\\') {}",
        super::page_clause("c", 3, page)
    );
    let pattern = search
        .map(|s| format!("%{}%", like_escape(&s.to_lowercase())))
        .unwrap_or_default();
    let query = sqlx::query(&sql).bind(workspace.as_str()).bind(pattern);
    let rows = super::bind_page(query, page).fetch_all(db.pool()).await?;
    let contacts = rows.iter().map(contact).collect::<Result<Vec<_>, _>>()?;
    with_fields(db, contacts).await
}

/// Escapes `%`, `_` and `\` for a `like ... escape '\'` pattern.
pub fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// How many contacts the workspace has.
pub async fn count(db: &Db, workspace: &WorkspaceId) -> Result<i64, Error> {
    Ok(
        sqlx::query("select count(*) as n from contacts where workspace_id = $1")
            .bind(workspace.as_str())
            .fetch_one(db.pool())
            .await?
            .try_get("n")?,
    )
}

/// Inserts or updates (by email) a batch of imported contacts in one transaction. Values
/// left empty in the file never erase what is stored. Returns how many were new.
pub async fn upsert_batch(
    db: &Db,
    workspace: &WorkspaceId,
    batch: &[ImportRow],
    at: Timestamp,
) -> Result<u64, Error> {
    if batch.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    const PER_ROW: usize = 10;
    let values: Vec<String> = (0..batch.len())
        .map(|i| format!("({}, $1)", placeholders(2 + i * PER_ROW, PER_ROW)))
        .collect();
    let keep = |col: &str| {
        format!("{col} = case when excluded.{col} = '' then contacts.{col} else excluded.{col} end")
    };
    let sql = format!(
        "insert into contacts (id, email, first_name, last_name, company, domain, title, lifecycle_stage, created_at, updated_at, workspace_id) \
         values {} on conflict (workspace_id, email) do update set {}, {}, {}, {}, {}, updated_at = excluded.updated_at, version = contacts.version + 1 \
         returning id, email",
        values.join(", "),
        keep("first_name"),
        keep("last_name"),
        keep("company"),
        keep("domain"),
        keep("title"),
    );
    let mut query = sqlx::query(&sql).bind(workspace.as_str());
    let now = at.to_string();
    // A returned id equal to the one generated here means the row is new; an existing row
    // keeps its id. (No separate count query: it is the part that grows with the table.)
    let fresh: Vec<String> = batch
        .iter()
        .map(|_| ContactId::generate().to_string())
        .collect();
    for (f, id) in batch.iter().map(|r| &r.fields).zip(&fresh) {
        query = query
            .bind(id.as_str())
            .bind(f.email.as_str())
            .bind(&f.first_name)
            .bind(&f.last_name)
            .bind(&f.company)
            .bind(&f.domain)
            .bind(&f.title)
            .bind(f.lifecycle_stage.as_str())
            .bind(now.clone())
            .bind(now.clone());
    }
    let rows = query.fetch_all(&mut *tx).await?;
    let ids: HashMap<String, String> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("email")?,
                r.try_get::<String, _>("id")?,
            ))
        })
        .collect::<Result<_, Error>>()?;
    let created = batch
        .iter()
        .zip(&fresh)
        .filter(|(r, id)| ids.get(r.fields.email.as_str()) == Some(*id))
        .count() as u64;

    let fields: Vec<(&String, &String, &String)> = batch
        .iter()
        .filter_map(|r| {
            ids.get(r.fields.email.as_str())
                .map(|id| (id, &r.fields.custom_fields))
        })
        .flat_map(|(id, map)| map.iter().map(move |(k, v)| (id, k, v)))
        .collect();
    for chunk in fields.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({}, $1)", placeholders(2 + i * 3, 3)))
            .collect();
        let sql = format!(
            "insert into contact_fields (contact_id, name, value, workspace_id) values {} \
             on conflict (contact_id, name) do update set value = excluded.value",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(workspace.as_str());
        for (id, name, value) in chunk {
            query = query
                .bind(id.as_str())
                .bind(name.as_str())
                .bind(value.as_str());
        }
        query.execute(&mut *tx).await?;
    }
    // A stage named in the file replaces an existing contact's (new rows already have it).
    for stage in crate::domain::contact::LifecycleStage::ALL {
        let emails: Vec<&str> = batch
            .iter()
            .filter(|r| r.sets_stage && r.fields.lifecycle_stage == stage)
            .map(|r| r.fields.email.as_str())
            .collect();
        if emails.is_empty() {
            continue;
        }
        let sql = format!(
            "update contacts set lifecycle_stage = $2 where workspace_id = $1 and email in ({})",
            placeholders(3, emails.len())
        );
        let query = super::bind_all(
            sqlx::query(&sql)
                .bind(workspace.as_str())
                .bind(stage.as_str()),
            emails.iter().copied(),
        );
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(created)
}

/// The custom field names in use in the workspace (at most 200), for rule builders.
pub async fn custom_field_names(db: &Db, workspace: &WorkspaceId) -> Result<Vec<String>, Error> {
    let rows = sqlx::query(
        "select distinct name from contact_fields where workspace_id = $1 order by name limit 200",
    )
    .bind(workspace.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
}

/// The contact with this email in the workspace.
pub async fn find_by_email(
    db: &Db,
    workspace: &WorkspaceId,
    email: &Email,
) -> Result<Option<ContactId>, Error> {
    let row = sqlx::query("select id from contacts where workspace_id = $1 and email = $2")
        .bind(workspace.as_str())
        .bind(email.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(|r| get_parsed(r, "id")).transpose()
}

/// The workspace of a contact, found by id alone (for signed links, which carry no
/// session); `None` when no such contact exists.
pub async fn workspace_of(db: &Db, id: &ContactId) -> Result<Option<WorkspaceId>, Error> {
    let row = sqlx::query("select workspace_id from contacts where id = $1")
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref()
        .map(|r| super::get_parsed(r, "workspace_id"))
        .transpose()
}

/// Suppresses a contact workspace-wide from `at` (the first time only), and puts their
/// address on the suppression list, which outlives the contact; true when this call did it.
pub async fn suppress(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ContactId,
    at: Timestamp,
) -> Result<bool, Error> {
    super::suppressions::add_contact(tx, workspace, id, SuppressionReason::Unsubscribe, at).await?;
    let done = sqlx::query(
        "update contacts set unsubscribed_at = $1, updated_at = $1, version = version + 1 \
         where workspace_id = $2 and id = $3 and unsubscribed_at is null",
    )
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a contact's address as bounced from `at` (the first time only) and puts it on the
/// suppression list; true when this call did it.
pub async fn mark_bounced(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ContactId,
    at: Timestamp,
) -> Result<bool, Error> {
    super::suppressions::add_contact(tx, workspace, id, SuppressionReason::HardBounce, at).await?;
    let done = sqlx::query(
        "update contacts set bounced_at = $1, updated_at = $1, version = version + 1 \
         where workspace_id = $2 and id = $3 and bounced_at is null",
    )
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The contact at `email` may be mailed again: no longer marked unsubscribed or bounced.
pub async fn clear_suppression(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    email: &Email,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "update contacts set unsubscribed_at = null, bounced_at = null, updated_at = $1, version = version + 1 \
         where workspace_id = $2 and email = $3 and (unsubscribed_at is not null or bounced_at is not null)",
    )
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(email.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
