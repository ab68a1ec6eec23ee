//! The `tenex` command line, run as a real process.

use std::process::Command;

fn tenex(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tenex"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("tenex runs")
}

#[test]
fn create_user_then_create_key_prints_only_a_working_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let out = tenex(
        &db,
        &[
            "admin",
            "create-user",
            "--workspace",
            "Initech",
            "--email",
            "Peter@Initech.test",
            "--password",
            "tps reports!",
            "--role",
            "admin",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("new workspace"));

    let out = tenex(
        &db,
        &[
            "admin",
            "create-key",
            "--workspace",
            "initech",
            "--user",
            "peter@initech.test",
            "--name",
            "ci",
            "--scopes",
            "crm:read,admin",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the key on stdout: {stdout:?}");
    assert!(lines[0].starts_with("tnx_"));
}

#[test]
fn bad_arguments_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let out = tenex(
        &db,
        &[
            "admin",
            "create-user",
            "--workspace",
            "W",
            "--email",
            "not-an-email",
            "--password",
            "short",
            "--role",
            "owner",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--email")
            && stderr.contains("--password")
            && stderr.contains("unknown role `owner`"),
        "{stderr}"
    );

    let out = tenex(
        &db,
        &[
            "admin",
            "create-key",
            "--workspace",
            "Nope",
            "--user",
            "a@b.test",
            "--name",
            "x",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no workspace named \"Nope\""));

    let out = tenex(&db, &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand"));

    let out = Command::new(env!("CARGO_BIN_EXE_tenex"))
        .arg("migrate")
        .env("DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite:// or postgres://"));
}

#[test]
fn migrate_and_demo_are_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/nested/cli.db");
    assert!(tenex(&db, &["migrate"]).status.success());
    assert!(db.exists(), "the database file and its folder are created");
    assert!(tenex(&db, &["migrate"]).status.success());
    let first = tenex(&db, &["demo"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = tenex(&db, &["demo"]);
    assert!(String::from_utf8_lossy(&second.stderr).contains("already there"));
}

#[test]
fn a_send_lease_shorter_than_a_provider_call_stops_the_program_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["worker", "serve"] {
        let out = Command::new(env!("CARGO_BIN_EXE_tenex"))
            .arg(command)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.path().join("cli.db").display()),
            )
            .env("TENEX_SEND_LEASE_SECONDS", "30")
            .env("TENEX_SEND_CALL_TIMEOUT_SECONDS", "45")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("TENEX_SEND_LEASE_SECONDS: must be at least 50"),
            "{stderr}"
        );
    }
}
