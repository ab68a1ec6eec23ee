//! Messages handed to each sender per UTC day, for its daily cap.

use super::Tx;
use crate::domain::Error;
use crate::domain::ids::ConnectorId;
use crate::domain::time::Timestamp;

/// Counts `n` more messages for the sender on the UTC day of `at`, unless that would pass
/// `cap`; false (nothing counted) when the day has no room for all of them.
pub async fn take(
    tx: &mut Tx,
    connector: &ConnectorId,
    at: Timestamp,
    cap: Option<i64>,
    n: i64,
) -> Result<bool, Error> {
    // SQLite reads `insert … select … on conflict` only with a `where` in the select.
    let done = sqlx::query(
        "insert into sender_days (connector_id, day, sent) select $1, $2, $3 where $3 <= $4 \
         on conflict (connector_id, day) do update set sent = sender_days.sent + $3 \
         where sender_days.sent + $3 <= $4",
    )
    .bind(connector.as_str())
    .bind(day_of(at))
    .bind(n)
    .bind(cap.unwrap_or(i64::MAX))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Returns `n` messages of the day's count (taken, then not handed over).
pub async fn give_back(
    tx: &mut Tx,
    connector: &ConnectorId,
    at: Timestamp,
    n: i64,
) -> Result<(), Error> {
    sqlx::query(
        "update sender_days set sent = case when sent > $1 then sent - $1 else 0 end \
         where connector_id = $2 and day = $3",
    )
    .bind(n)
    .bind(connector.as_str())
    .bind(day_of(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn day_of(at: Timestamp) -> String {
    at.to_string()[..10].to_owned()
}
