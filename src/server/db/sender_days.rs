//! Messages handed to each sender per UTC day, for its daily cap.

use super::{Db, Tx};
use crate::domain::Error;
use crate::domain::ids::ConnectorId;
use crate::domain::time::Timestamp;

/// Counts one more message for the sender on the UTC day of `at`, unless that would pass
/// `cap`; false when the day is full.
pub async fn take(
    tx: &mut Tx,
    connector: &ConnectorId,
    at: Timestamp,
    cap: Option<i64>,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "insert into sender_days (connector_id, day, sent) values ($1, $2, 1) \
         on conflict (connector_id, day) do update set sent = sender_days.sent + 1 \
         where sender_days.sent < $3",
    )
    .bind(connector.as_str())
    .bind(at.to_string()[..10].to_owned())
    .bind(cap.unwrap_or(i64::MAX))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Returns one message of the day's count (it was taken, then not handed over because the
/// sender could not work).
pub async fn give_back(db: &Db, connector: &ConnectorId, at: Timestamp) -> Result<(), Error> {
    sqlx::query(
        "update sender_days set sent = sent - 1 where connector_id = $1 and day = $2 and sent > 0",
    )
    .bind(connector.as_str())
    .bind(at.to_string()[..10].to_owned())
    .execute(db.pool())
    .await?;
    Ok(())
}
