//! Messages handed to each sender per UTC day, for its daily cap.

use super::Tx;
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
