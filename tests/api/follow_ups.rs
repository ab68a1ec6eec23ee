//! Follow-ups queued as the steps before them are sent: never for an enrollment that ended
//! or a run that was cancelled, never twice, and a run approved with every step in its
//! ledger (before follow-ups were queued this way) still sends each message once.

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::TestApp;
use crate::world::{Team, approved, connector, ledger, round, sender_at, team};

on_both_databases!(
    a_settled_message_queues_its_follow_up_only_while_the_run_goes_on,
    a_settle_racing_a_cancel_queues_nothing_into_the_cancelled_run,
    a_run_with_every_step_in_its_ledger_sends_each_message_once,
);

async fn sandbox_run(app: &TestApp, workspace: &str, contacts: usize) -> (Team, String) {
    let t = team(app, workspace, contacts).await;
    let sandbox = connector(
        app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    let seq = approved(app, &t, &sandbox).await;
    (t, seq)
}

async fn first_step_of(app: &TestApp, seq: &str, email: &str) -> String {
    sqlx::query_scalar(
        "select m.message_id from sequence_messages m join contacts c on c.id = m.contact_id \
         where m.sequence_id = $1 and c.email = $2 and m.step_index = 0",
    )
    .bind(seq)
    .bind(email)
    .fetch_one(app.db().pool())
    .await
    .unwrap()
}

/// Interrupted sends: every first step is left uncertain, as a worker that died mid-call
/// leaves it.
async fn all_uncertain(app: &TestApp, seq: &str) {
    sqlx::query(
        "update sequence_messages set status = 'uncertain', attempts = 1 where sequence_id = $1",
    )
    .bind(seq)
    .execute(app.db().pool())
    .await
    .unwrap();
}

async fn settle_as_sent(app: &TestApp, t: &Team, seq: &str, message_id: &str) -> (u16, Value) {
    let r = app
        .post(
            &format!("/api/v1/marketing/email-sequences/{seq}/messages/{message_id}/settle"),
            &t.marketer.key,
            json!({"action": "mark_sent"}),
        )
        .await;
    (r.status.as_u16(), r.json())
}

fn follow_up_of<'a>(
    rows: &'a [(String, i64, String, Option<String>)],
    email: &str,
) -> Option<&'a (String, i64, String, Option<String>)> {
    rows.iter().find(|r| r.0 == email && r.1 == 1)
}

async fn a_settled_message_queues_its_follow_up_only_while_the_run_goes_on(app: TestApp) {
    let (t, seq) = sandbox_run(&app, "acme", 3).await;
    all_uncertain(&app, &seq).await;
    let key = &t.marketer.key;

    let p0 = first_step_of(&app, &seq, "p0@north.test").await;
    let (status, body) = settle_as_sent(&app, &t, &seq, &p0).await;
    assert_eq!(status, 200, "{body}");
    let rows = ledger(&app, &seq).await;
    let queued = follow_up_of(&rows, "p0@north.test").expect("p0's step 2 is queued");
    assert_eq!(queued.2, "scheduled");
    let (status, _) = settle_as_sent(&app, &t, &seq, &p0).await;
    assert_eq!(status, 409, "settled once");
    assert_eq!(ledger(&app, &seq).await.len(), 4, "and queued once");

    // p1 answered meanwhile: the enrollment ended, so nothing follows up.
    let r = app
        .post(
            "/api/v1/marketing/inbound/email",
            key,
            json!({"from": "p1@north.test", "subject": "Re: hi", "text": "Not now.",
                   "in_reply_to": format!("<{}>", first_step_of(&app, &seq, "p1@north.test").await)}),
        )
        .await;
    assert_eq!(r.json()["matched"], true, "{}", r.text);
    let p1 = first_step_of(&app, &seq, "p1@north.test").await;
    assert_eq!(settle_as_sent(&app, &t, &seq, &p1).await.0, 200);
    assert!(follow_up_of(&ledger(&app, &seq).await, "p1@north.test").is_none());

    let s = app
        .get(&format!("/api/v1/marketing/email-sequences/{seq}"), key)
        .await
        .json();
    assert_eq!(
        s["stats"]["scheduled"], 2,
        "p0's follow-up, queued, and p2's, to come once p2's first step is settled: {s}"
    );

    // The run is cancelled: a message settled afterwards queues nothing either.
    let r = app
        .post(
            &format!("/api/v1/marketing/email-sequences/{seq}/cancel"),
            key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = app
        .get(&format!("/api/v1/marketing/email-sequences/{seq}"), key)
        .await
        .json();
    assert_eq!(
        (
            s["stats"]["uncertain"].as_i64(),
            s["stats"]["scheduled"].as_i64()
        ),
        (Some(1), Some(0)),
        "a cancelled run has no follow-up to come, even after p2's uncertain step: {s}"
    );
    let p2 = first_step_of(&app, &seq, "p2@north.test").await;
    let (status, body) = settle_as_sent(&app, &t, &seq, &p2).await;
    assert_eq!(
        status, 200,
        "an uncertain message is settled after a cancel: {body}"
    );
    assert!(follow_up_of(&ledger(&app, &seq).await, "p2@north.test").is_none());
    let rows = ledger(&app, &seq).await;
    assert_eq!(
        rows.iter().filter(|r| r.1 == 1).count(),
        1,
        "only p0 was followed up: {rows:?}"
    );
    assert_eq!(
        round(&sender_at(&app, 5, "w1")).await.sent,
        0,
        "the cancelled run sends nothing"
    );
}

async fn a_settle_racing_a_cancel_queues_nothing_into_the_cancelled_run(app: TestApp) {
    let (t, seq) = sandbox_run(&app, "acme", 2).await;
    all_uncertain(&app, &seq).await;
    let p0 = first_step_of(&app, &seq, "p0@north.test").await;
    // A cancel in progress: the run's row changed and its scheduled messages skipped, not yet
    // committed while a person settles p0's first step as sent.
    let mut cancel = app.db().pool().begin().await.unwrap();
    for sql in [
        "update email_sequences set status = 'cancelled' where id = $1",
        "update sequence_messages set status = 'skipped' where sequence_id = $1 and status = 'scheduled'",
    ] {
        sqlx::query(sql)
            .bind(&seq)
            .execute(&mut *cancel)
            .await
            .unwrap();
    }
    let commit_later = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        cancel.commit().await.unwrap();
    };
    let ((status, body), ()) = tokio::join!(settle_as_sent(&app, &t, &seq, &p0), commit_later);
    assert_eq!(status, 200, "{body}");
    let rows = ledger(&app, &seq).await;
    assert!(
        follow_up_of(&rows, "p0@north.test").is_none(),
        "nothing is queued into a run cancelled meanwhile: {rows:?}"
    );
}

async fn a_run_with_every_step_in_its_ledger_sends_each_message_once(app: TestApp) {
    // A run approved before follow-ups were queued as they became possible: every step in
    // the ledger at approval, waiting for the step before it, and no plan.
    let (t, legacy) = sandbox_run(&app, "acme", 3).await;
    write_every_step(&app, &legacy).await;
    sqlx::query("delete from sequence_follow_ups where sequence_id = $1")
        .bind(&legacy)
        .execute(app.db().pool())
        .await
        .unwrap();
    let progress = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{legacy}/progress"),
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(
        (
            progress["steps"][0]["scheduled"].as_i64(),
            progress["steps"][1]["scheduled"].as_i64()
        ),
        (Some(3), Some(3)),
        "counted once: {progress}"
    );
    // A run whose follow-ups are both planned and already in the ledger: queueing meets
    // the rows already there and leaves them.
    let (_, both) = sandbox_run(&app, "north", 3).await;
    write_every_step(&app, &both).await;

    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 6);
    for seq in [&legacy, &both] {
        let rows = ledger(&app, seq).await;
        assert_eq!(rows.len(), 6, "{rows:?}");
    }
    assert_eq!(round(&sender_at(&app, 4, "w1")).await.sent, 6);
    assert_eq!(round(&sender_at(&app, 5, "w1")).await.claimed, 0);
    for seq in [&legacy, &both] {
        let rows = ledger(&app, seq).await;
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(|r| r.2 == "sent"), "{rows:?}");
    }
    let outbox: i64 = sqlx::query_scalar("select count(*) from sandbox_outbox")
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    assert_eq!(outbox, 12, "each message went out once");
}

/// Writes step 2 of every enrollment into the ledger as approval used to, due when the
/// plan says.
async fn write_every_step(app: &TestApp, seq: &str) {
    let done = sqlx::query(
        "insert into sequence_messages (message_id, workspace_id, sequence_id, contact_id, step_index, \
         status, scheduled_for, attempts, created_at, updated_at) \
         select m.sequence_id || '.' || m.contact_id || f.message_id_suffix, m.workspace_id, m.sequence_id, \
         m.contact_id, 1, 'scheduled', f.scheduled_for, 0, m.created_at, m.created_at \
         from sequence_messages m join sequence_follow_ups f on f.sequence_id = m.sequence_id \
         where m.sequence_id = $1 and m.step_index = 0",
    )
    .bind(seq)
    .execute(app.db().pool())
    .await
    .unwrap();
    assert_eq!(done.rows_affected(), 3);
}
