//! Segments, their static members, and rules compiled to SQL.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::contacts::{self, COLUMNS as CONTACT_COLUMNS, like_escape};
use super::{Db, Tx, bind_page, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::contact::Contact;
use crate::domain::ids::{ContactId, SegmentId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::segment::{Condition, Field, Match, Rule, RuleInput, Segment, SegmentKind};
use crate::domain::time::Timestamp;

const COLUMNS: &str = "s.id, s.name, s.kind, s.rule, s.version, s.created_at, s.updated_at";

fn segment(row: &AnyRow) -> Result<Segment, Error> {
    let kind: String = row.try_get("kind")?;
    let rule: Option<String> = row.try_get("rule")?;
    Ok(Segment {
        id: get_parsed(row, "id")?,
        name: row.try_get("name")?,
        kind: if kind == "rule" {
            SegmentKind::Rule
        } else {
            SegmentKind::Static
        },
        rule: rule
            .map(|r| serde_json::from_str::<RuleInput>(&r))
            .transpose()
            .map_err(Error::internal)?,
        version: row.try_get("version")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// Stores a new segment.
pub async fn insert(tx: &mut Tx, workspace: &WorkspaceId, s: &Segment) -> Result<(), Error> {
    sqlx::query(
        "insert into segments (id, workspace_id, name, kind, rule, version, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, 1, $6, $6)",
    )
    .bind(s.id.as_str())
    .bind(workspace.as_str())
    .bind(&s.name)
    .bind(s.kind.as_str())
    .bind(s.rule.as_ref().map(|r| serde_json::to_string(r).unwrap_or_default()))
    .bind(s.created_at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces name and rule if the segment is still at `version`.
pub async fn update(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &SegmentId,
    version: i64,
    name: &str,
    rule: Option<&RuleInput>,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update segments set name = $1, rule = $2, version = version + 1, updated_at = $3 \
         where workspace_id = $4 and id = $5 and version = $6",
    )
    .bind(name)
    .bind(rule.map(|r| serde_json::to_string(r).unwrap_or_default()))
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One segment.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &SegmentId,
) -> Result<Option<Segment>, Error> {
    let sql = format!("select {COLUMNS} from segments s where s.workspace_id = $1 and s.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(segment).transpose()
}

/// One page of segments, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    page: &PageRequest,
) -> Result<Vec<Segment>, Error> {
    let sql = format!(
        "select {COLUMNS} from segments s where s.workspace_id = $1 {}",
        page_clause("s", 2, page)
    );
    let rows = bind_page(sqlx::query(&sql).bind(workspace.as_str()), page)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(segment).collect()
}

/// Adds contacts to a static segment (already-members are left alone).
pub async fn add_members(
    tx: &mut Tx,
    id: &SegmentId,
    contacts: &[ContactId],
    at: Timestamp,
) -> Result<(), Error> {
    for contact in contacts {
        sqlx::query(
            "insert into segment_members (segment_id, contact_id, added_at) values ($1, $2, $3) \
             on conflict (segment_id, contact_id) do nothing",
        )
        .bind(id.as_str())
        .bind(contact.as_str())
        .bind(at.to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Removes a contact from a static segment; `false` if it was not a member.
pub async fn remove_member(
    tx: &mut Tx,
    id: &SegmentId,
    contact: &ContactId,
) -> Result<bool, Error> {
    let done = sqlx::query("delete from segment_members where segment_id = $1 and contact_id = $2")
        .bind(id.as_str())
        .bind(contact.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Who is in a segment: a rule, or a static segment's member list.
#[derive(Debug, Clone)]
pub enum Audience<'a> {
    /// Contacts matching the rule.
    Rule(&'a Rule),
    /// Members of this static segment.
    Static(&'a SegmentId),
}

/// A stored segment's audience, owned: its parsed rule or its member list.
#[derive(Debug, Clone)]
pub enum SegmentAudience {
    /// A rule segment's rule.
    Rule(Rule),
    /// A static segment.
    Static(SegmentId),
}

impl SegmentAudience {
    /// The audience of `segment` (a rule segment without a rule counts as static: empty).
    pub fn of(segment: &Segment) -> Result<Self, Error> {
        Ok(match (&segment.kind, &segment.rule) {
            (SegmentKind::Rule, Some(rule)) => Self::Rule(rule.parse()?),
            _ => Self::Static(segment.id.clone()),
        })
    }

    /// Borrowed, for the queries.
    pub fn get(&self) -> Audience<'_> {
        match self {
            Self::Rule(r) => Audience::Rule(r),
            Self::Static(id) => Audience::Static(id),
        }
    }
}

/// SQL text with its parameters, all text, numbered from `$1` (the workspace).
struct Where {
    sql: String,
    params: Vec<String>,
}

impl Where {
    fn param(&mut self, value: String) -> String {
        self.params.push(value);
        format!("${}", self.params.len() + 1)
    }
}

fn column(name: &str) -> &'static str {
    match name {
        "email" => "c.email",
        "first_name" => "c.first_name",
        "last_name" => "c.last_name",
        "company" => "c.company",
        "domain" => "c.domain",
        "title" => "c.title",
        "lifecycle_stage" => "c.lifecycle_stage",
        "created_at" => "c.created_at",
        _ => "c.last_activity_at",
    }
}

fn condition_sql(w: &mut Where, cond: &Condition) -> String {
    use crate::domain::segment::Test::*;
    match &cond.field {
        Field::Text(name) => {
            let col = column(name);
            match &cond.test {
                Equals(v) => format!("lower({col}) = lower({})", w.param(v.clone())),
                NotEquals(v) => format!("lower({col}) <> lower({})", w.param(v.clone())),
                Contains(v) => format!(
                    "lower({col}) like lower({}) escape '\\'",
                    w.param(format!("%{}%", like_escape(v)))
                ),
                In(vs) => {
                    let ps: Vec<String> = vs
                        .iter()
                        .map(|v| format!("lower({})", w.param(v.clone())))
                        .collect();
                    format!("lower({col}) in ({})", ps.join(", "))
                }
                IsEmpty => format!("{col} = ''"),
                IsNotEmpty => format!("{col} <> ''"),
                // Like `Rule::matches`: an empty field is neither before nor after anything.
                Before(t) => format!(
                    "({col} <> '' and lower({col}) < lower({}))",
                    w.param(t.clone())
                ),
                After(t) => format!(
                    "({col} <> '' and lower({col}) > lower({}))",
                    w.param(t.clone())
                ),
            }
        }
        Field::Time(name) => {
            let col = column(name);
            match &cond.test {
                IsEmpty => format!("{col} is null"),
                IsNotEmpty => format!("{col} is not null"),
                Before(t) => format!("({col} is not null and {col} < {})", w.param(t.clone())),
                After(t) => format!("({col} is not null and {col} > {})", w.param(t.clone())),
                Equals(v) => format!("{col} = {}", w.param(v.clone())),
                NotEquals(v) => format!("({col} is null or {col} <> {})", w.param(v.clone())),
                Contains(_) | In(_) => "1 = 0".to_owned(),
            }
        }
        Field::Custom(name) => {
            let name_param = w.param(name.clone());
            let field = |_: &mut Where, test: &str| {
                format!(
                    "exists (select 1 from contact_fields f where f.contact_id = c.id and f.name = {name_param} and {test})"
                )
            };
            match &cond.test {
                Equals(v) => {
                    let p = w.param(v.clone());
                    field(w, &format!("lower(f.value) = lower({p})"))
                }
                NotEquals(v) => {
                    let p = w.param(v.clone());
                    format!("not {}", field(w, &format!("lower(f.value) = lower({p})")))
                }
                Contains(v) => {
                    let p = w.param(format!("%{}%", like_escape(v)));
                    field(w, &format!("lower(f.value) like lower({p}) escape '\\'"))
                }
                In(vs) => {
                    let ps: Vec<String> = vs
                        .iter()
                        .map(|v| format!("lower({})", w.param(v.clone())))
                        .collect();
                    field(w, &format!("lower(f.value) in ({})", ps.join(", ")))
                }
                IsEmpty => format!("not {}", field(w, "f.value <> ''")),
                IsNotEmpty => field(w, "f.value <> ''"),
                Before(t) => {
                    let p = w.param(t.clone());
                    field(w, &format!("f.value <> '' and lower(f.value) < lower({p})"))
                }
                After(t) => {
                    let p = w.param(t.clone());
                    field(w, &format!("f.value <> '' and lower(f.value) > lower({p})"))
                }
            }
        }
    }
}

/// A contact `c` who may be mailed: not unsubscribed, not bounced, and their address not on
/// the workspace suppression list (which outlives deleted contacts).
pub const MAILABLE: &str = "c.unsubscribed_at is null and c.bounced_at is null and not exists \
     (select 1 from suppressions s where s.workspace_id = c.workspace_id and s.email = c.email)";

fn audience_where(audience: &Audience<'_>) -> Where {
    let mut w = Where {
        sql: String::new(),
        params: Vec::new(),
    };
    w.sql = match audience {
        Audience::Rule(rule) => {
            let parts: Vec<String> = rule
                .conditions
                .iter()
                .map(|c| condition_sql(&mut w, c))
                .collect();
            let joiner = if rule.combine == Match::All {
                " and "
            } else {
                " or "
            };
            format!("({})", parts.join(joiner))
        }
        Audience::Static(id) => {
            let p = w.param(id.to_string());
            format!(
                "exists (select 1 from segment_members m where m.contact_id = c.id and m.segment_id = {p})"
            )
        }
    };
    w
}

/// How many contacts are in the audience.
pub async fn count(
    db: &Db,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
) -> Result<i64, Error> {
    let w = audience_where(audience);
    let sql = format!(
        "select count(*) as n from contacts c where c.workspace_id = $1 and {}",
        w.sql
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    Ok(query.fetch_one(db.pool()).await?.try_get("n")?)
}

/// One page of the audience, newest contacts first.
pub async fn members(
    db: &Db,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
    page: &PageRequest,
) -> Result<Vec<Contact>, Error> {
    let w = audience_where(audience);
    let first = w.params.len() + 2;
    let sql = format!(
        "select {CONTACT_COLUMNS} from contacts c where c.workspace_id = $1 and {} {}",
        w.sql,
        page_clause("c", first, page)
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    let list = rows
        .iter()
        .map(contacts::contact)
        .collect::<Result<Vec<_>, _>>()?;
    contacts::with_fields(db, list).await
}

/// Hands everyone in the audience who can be mailed (not unsubscribed, not bounced, not
/// suppressed), with their custom fields, to `each`, in ascending contact id order
/// (bytewise, so a [`FingerprintBuilder`](crate::domain::enrollment::FingerprintBuilder)
/// can follow along). One query streamed row by row: memory stays flat whatever the size.
pub async fn for_each_mailable(
    db: &Db,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
    mut each: impl FnMut(Contact) -> Result<(), Error>,
) -> Result<(), Error> {
    use futures::TryStreamExt;

    let w = audience_where(audience);
    let fields = super::fields_as_json(db.backend());
    let sql = format!(
        "select {CONTACT_COLUMNS}, (select {fields} from contact_fields f where f.contact_id = c.id) as fields \
         from contacts c where c.workspace_id = $1 and {MAILABLE} and {} order by {}",
        w.sql,
        super::bytewise(db.backend(), "c.id")
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    let mut rows = query.fetch(db.pool());
    while let Some(row) = rows.try_next().await? {
        let mut contact = contacts::contact(&row)?;
        contact.custom_fields = super::fields_of(&row)?;
        each(contact)?;
    }
    Ok(())
}

/// The newest mailable contact of the audience, with custom fields.
pub async fn first_mailable(
    db: &Db,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
) -> Result<Option<Contact>, Error> {
    let w = audience_where(audience);
    let sql = format!(
        "select {CONTACT_COLUMNS} from contacts c where c.workspace_id = $1 and {MAILABLE} \
         and {} order by c.created_at desc, c.id desc limit 1",
        w.sql
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    let Some(row) = query.fetch_optional(db.pool()).await? else {
        return Ok(None);
    };
    Ok(contacts::with_fields(db, vec![contacts::contact(&row)?])
        .await?
        .pop())
}

/// Whether `contact` is in the audience (mailable or not).
pub async fn contains(
    db: &Db,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
    contact: &ContactId,
) -> Result<bool, Error> {
    let mut w = audience_where(audience);
    let id = w.param(contact.to_string());
    let sql = format!(
        "select count(*) as n from contacts c where c.workspace_id = $1 and c.id = {id} and {}",
        w.sql
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    Ok(query.fetch_one(db.pool()).await?.try_get::<i64, _>("n")? > 0)
}

/// Enrolls the audience's mailable contacts (not unsubscribed, not bounced, not on the
/// suppression list) in `sequence` as of now, in one statement inside the caller's
/// transaction, so nobody who unsubscribes or is deleted a moment earlier slips in. Each
/// enrollment pins the address and the standard fields as they are now. Addresses are
/// unique per workspace, so no one is enrolled twice. Returns the fingerprint of who was
/// enrolled (their ids and addresses, read back from the same statement).
pub async fn enroll_mailable(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
    sequence: &crate::domain::ids::SequenceId,
    at: Timestamp,
) -> Result<crate::domain::enrollment::AudienceFingerprint, Error> {
    let w = audience_where(audience);
    let n = w.params.len();
    let sql = format!(
        "insert into enrollments (sequence_id, workspace_id, contact_id, email, first_name, last_name, company, \
         domain, title, status, enrolled_at) \
         select ${}, c.workspace_id, c.id, c.email, c.first_name, c.last_name, c.company, c.domain, c.title, \
         'active', ${} from contacts c where c.workspace_id = $1 and {MAILABLE} and {}",
        n + 2,
        n + 3,
        w.sql
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    query
        .bind(sequence.as_str())
        .bind(at.to_string())
        .execute(&mut **tx)
        .await?;
    enrolled_fingerprint(tx, sequence).await
}

/// The fingerprint of who `sequence` enrolled (every enrollment of it: they are all written
/// by the one statement above), read back in contact id order as a stream inside the
/// enrolling transaction.
async fn enrolled_fingerprint(
    tx: &mut Tx,
    sequence: &crate::domain::ids::SequenceId,
) -> Result<crate::domain::enrollment::AudienceFingerprint, Error> {
    let sql = format!(
        "select contact_id, email from enrollments where sequence_id = $1 order by {}",
        super::bytewise(super::backend_in(tx), "contact_id")
    );
    fingerprint(sqlx::query(&sql).bind(sequence.as_str()).fetch(&mut **tx)).await
}

/// The fingerprint of the audience's mailable contacts as they are now, streamed.
pub async fn mailable_fingerprint(
    db: &Db,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
) -> Result<crate::domain::enrollment::AudienceFingerprint, Error> {
    let w = audience_where(audience);
    let sql = format!(
        "select c.id, c.email from contacts c where c.workspace_id = $1 and {MAILABLE} and {} order by {}",
        w.sql,
        super::bytewise(db.backend(), "c.id")
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    fingerprint(query.fetch(db.pool())).await
}

/// The fingerprint of `(id, address)` rows arriving in id order.
async fn fingerprint(
    mut rows: impl futures::Stream<Item = Result<AnyRow, sqlx::Error>> + Unpin,
) -> Result<crate::domain::enrollment::AudienceFingerprint, Error> {
    use futures::TryStreamExt;

    let mut fingerprint = crate::domain::enrollment::FingerprintBuilder::default();
    while let Some(row) = rows.try_next().await? {
        fingerprint.push(row.try_get::<&str, _>(0)?, row.try_get::<&str, _>(1)?);
    }
    Ok(fingerprint.finish())
}

/// The `(contact id, address)` of every mailable member, read by `executor` (inside a
/// transaction, it is the audience as that transaction sees it).
pub async fn mailable_addresses<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
) -> Result<Vec<(String, String)>, Error> {
    let w = audience_where(audience);
    let sql = format!(
        "select c.id, c.email from contacts c where c.workspace_id = $1 and {MAILABLE} and {}",
        w.sql
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    query
        .fetch_all(executor)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)))
        .collect()
}

/// How many members can be mailed (or shown ads): not unsubscribed, bounced or suppressed.
pub async fn mailable_count(
    db: &Db,
    workspace: &WorkspaceId,
    audience: &Audience<'_>,
) -> Result<i64, Error> {
    let w = audience_where(audience);
    let sql = format!(
        "select count(*) as n from contacts c where c.workspace_id = $1 and {MAILABLE} and {}",
        w.sql
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        w.params.iter().map(|p| p.as_str()),
    );
    Ok(query.fetch_one(db.pool()).await?.try_get("n")?)
}
