//! Contacts and CSV import.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::Context;
use super::event_record;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::contact::{Contact, ContactFields, ContactInput, ImportColumns, ImportRow};
use crate::domain::ids::ContactId;
use crate::domain::pagination::{Page, PageRequest};
use crate::server::db::contacts;

/// Rows written per transaction during an import.
const IMPORT_BATCH: usize = 200;
/// Bad rows reported one by one; beyond this only the count grows.
const ERRORS_LISTED: usize = 1000;

/// Creates a contact.
pub async fn create(ctx: &Context, actor: &Actor, input: &ContactInput) -> Result<Contact, Error> {
    actor.require(Scope::CrmWrite)?;
    let fields = ContactFields::parse(None, input)?;
    let id = ContactId::generate();
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    contacts::insert(&mut tx, actor.workspace_id(), &id, &fields, now).await?;
    let change = Change::new(
        Action::ContactCreated,
        id.to_string(),
        format!("added contact {}", fields.email),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    get(ctx, actor, &id).await
}

/// One contact.
pub async fn get(ctx: &Context, actor: &Actor, id: &ContactId) -> Result<Contact, Error> {
    actor.require(Scope::CrmRead)?;
    contacts::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("contact"))
}

/// Contacts, newest first; `search` matches email, names and company.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    search: Option<&str>,
    page: &PageRequest,
) -> Result<Page<Contact>, Error> {
    actor.require(Scope::CrmRead)?;
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 200) {
        return Err(Error::invalid("q", "must be at most 200 characters"));
    }
    Ok(Page::from_rows(
        contacts::list(&ctx.db, actor.workspace_id(), search, page).await?,
        page,
    ))
}

/// Edits a contact at `version` (a stale version is a conflict); fields not given keep their value.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    id: &ContactId,
    version: i64,
    input: &ContactInput,
) -> Result<Contact, Error> {
    actor.require(Scope::CrmWrite)?;
    let current = get(ctx, actor, id).await?;
    let fields = ContactFields::parse(Some(&ContactFields::of(&current)), input)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !contacts::update(&mut tx, actor.workspace_id(), id, version, &fields, now).await? {
        return Err(Error::stale("contact", version));
    }
    let change = Change::new(
        Action::ContactUpdated,
        id.to_string(),
        format!("edited contact {}", fields.email),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// Deletes a contact.
pub async fn delete(ctx: &Context, actor: &Actor, id: &ContactId) -> Result<(), Error> {
    actor.require(Scope::CrmWrite)?;
    let current = get(ctx, actor, id).await?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    contacts::delete(&mut tx, actor.workspace_id(), id).await?;
    let change = Change::new(
        Action::ContactDeleted,
        id.to_string(),
        format!("deleted contact {}", current.email),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    Ok(())
}

/// One bad row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// New contacts.
    pub created: u64,
    /// Existing contacts (matched by email) updated.
    pub updated: u64,
    /// Bad rows, by line (the first 1,000).
    pub errors: Vec<ImportError>,
    /// How many rows were bad in all.
    pub error_count: u64,
}

impl ImportReport {
    fn reject(&mut self, line: u64, message: String) {
        self.error_count += 1;
        if self.errors.len() < ERRORS_LISTED {
            self.errors.push(ImportError { line, message });
        }
    }
}

/// Imports contacts from CSV text. Each bad row is reported by line and skipped; good rows
/// are written in batches; an email seen again updates instead of duplicating. The file is
/// read row by row from the one buffer the request arrived in.
pub async fn import_csv(
    ctx: &Context,
    actor: &Actor,
    csv_bytes: &[u8],
) -> Result<ImportReport, Error> {
    actor.require(Scope::CrmWrite)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid("file", format!("the first line is not a CSV header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let columns = ImportColumns::from_header(&header_refs)?;

    let mut report = ImportReport::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut batch: Vec<ImportRow> = Vec::with_capacity(IMPORT_BATCH);
    let mut record = csv::StringRecord::new();
    // Line numbers come from byte offsets (counting `\n` as we go): the reader's own line
    // counter is off for CRLF files and after blank lines.
    let mut lines = LineCounter::new(csv_bytes);
    let mut stopped = false;
    loop {
        let result = reader.read_record(&mut record);
        // The line a row ends on: where the reader stopped, less the line break.
        let line = lines.line_before(reader.position().byte());
        match result {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                report.reject(line, format!("unreadable row: {e}"));
                continue;
            }
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let values: Vec<&str> = record.iter().collect();
        match columns.row(&values) {
            Err(message) => report.reject(line, message),
            Ok(row) if !seen.insert(row.fields.email.as_str().to_owned()) => {
                report.reject(
                    line,
                    format!(
                        "duplicate in file: {} appears on an earlier line",
                        row.fields.email
                    ),
                );
            }
            Ok(row) => {
                batch.push(row);
                if batch.len() == IMPORT_BATCH
                    && !write_batch(ctx, actor, &mut batch, &mut report, line).await
                {
                    stopped = true;
                    break;
                }
            }
        }
    }
    if !stopped {
        let last = lines.line_before(csv_bytes.len() as u64);
        write_batch(ctx, actor, &mut batch, &mut report, last).await;
    }
    if report.created + report.updated > 0 {
        let mut tx = ctx.db.begin().await?;
        let change = Change::new(
            Action::ContactsImported,
            String::new(),
            format!(
                "imported contacts: {} new, {} updated, {} bad rows",
                report.created, report.updated, report.error_count
            ),
        );
        event_record::record(&mut tx, actor.into(), &change, ctx.now()).await?;
        tx.commit().await?;
    }
    Ok(report)
}

/// Writes one batch. If the database refuses it, the import stops there and the report says
/// which rows were not saved (rows before them were), instead of losing the whole report.
async fn write_batch(
    ctx: &Context,
    actor: &Actor,
    batch: &mut Vec<ImportRow>,
    report: &mut ImportReport,
    line: u64,
) -> bool {
    if batch.is_empty() {
        return true;
    }
    match contacts::upsert_batch(&ctx.db, actor.workspace_id(), batch, ctx.now()).await {
        Ok(created) => {
            report.created += created;
            report.updated += batch.len() as u64 - created;
            batch.clear();
            true
        }
        Err(e) => {
            let id = ulid::Ulid::new().to_string().to_lowercase();
            tracing::error!(error_id = %id, error = %e, "contact import batch failed");
            report.reject(
                line,
                format!(
                    "the import stopped here: the last {} rows up to this line and everything after were not saved \
                     (error id {id}); import the file again, known emails are updated, not duplicated",
                    batch.len()
                ),
            );
            false
        }
    }
}

/// The custom field names contacts of the workspace carry.
pub async fn custom_field_names(ctx: &Context, actor: &Actor) -> Result<Vec<String>, Error> {
    actor.require(Scope::CrmRead)?;
    contacts::custom_field_names(&ctx.db, actor.workspace_id()).await
}

/// The contact with this email, or a 422 naming `email`.
pub async fn id_by_email(ctx: &Context, actor: &Actor, email: &str) -> Result<ContactId, Error> {
    actor.require(Scope::CrmRead)?;
    let email =
        crate::domain::user::Email::parse("email", email).map_err(|e| Error::Invalid(vec![e]))?;
    contacts::find_by_email(&ctx.db, actor.workspace_id(), &email)
        .await?
        .ok_or_else(|| Error::invalid("email", "no contact with this email in the workspace"))
}

/// Turns byte offsets (which only grow) into 1-based line numbers in O(file).
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the last character before `byte`, line breaks not counted as characters.
    fn line_before(&mut self, byte: u64) -> u64 {
        let mut target = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while target > self.offset && matches!(self.bytes[target - 1], b'\n' | b'\r') {
            target -= 1;
        }
        if target > self.offset {
            self.line += self.bytes[self.offset..target]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.offset = target;
        }
        self.line
    }
}
