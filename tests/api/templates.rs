//! Step templates cannot exhaust the server: what would build huge text in memory is a 422
//! naming the step, at once, and the serving process stays small.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::TestApp;
use crate::world::{connector, team};

on_both_databases!(a_template_that_doubles_text_is_a_422_naming_the_step_at_once);

/// Doubles a 16-character string 24 times: 256 MB.
fn doubling() -> String {
    format!(
        r#"{{% set s = "0123456789abcdef" %}}{}{{{{ s }}}}"#,
        "{% set s = s ~ s %}".repeat(24)
    )
}

fn edit(version: i64) -> Value {
    json!({"version": version, "steps": [{"index": 0, "body": doubling()}]})
}

async fn a_template_that_doubles_text_is_a_422_naming_the_step_at_once(app: TestApp) {
    let t = team(&app, "acme", 3).await;
    let sender = connector(&app, &t, json!({"kind": "sandbox", "name": "Sandbox"})).await;
    let r = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &t.marketer.key,
            json!({"segment_id": t.segment, "brand_id": t.brand, "sender_connector_id": sender,
                   "objective": "book a demo", "num_emails": 1, "cadence_days": [0]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let path = format!(
        "/api/v1/marketing/email-sequences/{}",
        r.json()["sequence"]["id"].as_str().unwrap()
    );
    let started = Instant::now();
    let r = app
        .api(Method::PATCH, &path, Some(&t.marketer.key), Some(edit(1)))
        .await;
    let took = started.elapsed();
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["steps[0].body"], "{}", r.text);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let unchanged = app.get(&path, &t.marketer.key).await.json();
    assert_eq!(unchanged["version"], 1);
}

/// The server binary over its own SQLite file, with the demo workspace and a marketer's key.
struct Served {
    child: Child,
    base: String,
    key: String,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tenex(db_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenex"));
    command
        .env("DATABASE_URL", db_url)
        .env("TENEX_SECRET_KEY", "42".repeat(32))
        .env("TENEX_WORKER_IN_SERVE", "false")
        .env("RUST_LOG", "warn");
    command
}

async fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/served.db", dir.path().display());
    let out = tenex(&db_url).arg("demo").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tenex(&db_url)
        .args(["admin", "create-key", "--workspace", "Tenex Demo"])
        .args(["--user", "marketer@demo.tenex.test", "--name", "t"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = tenex(&db_url)
        .arg("serve")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Served {
        child,
        base,
        key,
        _dir: dir,
    }
}

/// The peak resident memory of a process, in MB.
fn peak_rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .expect("VmHWM in /proc")
        / 1024
}

#[tokio::test]
async fn a_doubling_template_leaves_the_server_process_small() {
    let served = serve().await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(format!(
            "{}/api/v1/marketing/email-sequences?status=pending_approval",
            served.base
        ))
        .bearer_auth(&served.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seq = &list["items"][0];
    let started = Instant::now();
    let r = http
        .patch(format!(
            "{}/api/v1/marketing/email-sequences/{}",
            served.base,
            seq["id"].as_str().unwrap()
        ))
        .bearer_auth(&served.key)
        .json(&edit(seq["version"].as_i64().unwrap()))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or_default();
    let peak = peak_rss_mb(served.child.id());
    eprintln!("doubling template: {status} in {took:?}; server peak RSS {peak} MB");
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "steps[0].body");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(peak < 200, "the server peaked at {peak} MB");
}
