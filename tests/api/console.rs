//! The console's doors: login, sessions, cross-site forgery, server functions and pages.

use axum::http::header;
use tenex::domain::actor::Role;

use crate::on_both_databases;
use crate::support::{ORIGIN, PASSWORD, TestApp};

on_both_databases!(
    the_editor_preview_is_rendered_and_sanitised_by_the_server,
    logging_in_sets_a_hardened_session_cookie,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    logging_in_again_rotates_the_session_id,
    pages_send_strangers_to_the_login_page,
    a_logged_in_member_sees_the_console,
    the_header_names_every_workspace_and_a_lost_membership_ends_the_session,
    a_forged_cross_site_post_is_refused_and_changes_nothing,
    a_post_without_origin_is_refused,
    a_same_origin_form_post_mints_a_key_through_the_server_function,
    a_marketer_cannot_grant_admin_through_the_server_function_either,
    an_approver_may_grant_approve_in_the_console_when_asked_explicitly,
    members_see_and_revoke_only_their_own_keys_in_the_console,
    logging_out_ends_the_session,
    an_active_session_is_written_once_a_minute_not_on_every_request,
    sessions_survive_a_restart_and_are_shared_by_replicas,
    build_files_never_carry_a_session_cookie_and_pages_are_never_stored,
);

/// Ana, a marketer of Acme, logged in: her session cookie.
async fn ana_logged_in(app: &TestApp) -> String {
    app.member("Acme", "ana@acme.test", Role::Marketer, None)
        .await;
    app.log_in("ana@acme.test", PASSWORD)
        .await
        .expect("logged in")
}

async fn logging_in_sets_a_hardened_session_cookie(app: TestApp) {
    app.member("Acme", "ana@acme.test", Role::Marketer, None)
        .await;
    let r = app
        .form(
            "/rpc/login",
            None,
            &[("email", "ana@acme.test"), ("password", PASSWORD)],
            Some(ORIGIN),
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{} {}",
        r.status,
        r.text
    );
    let cookie = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("tenex_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: TestApp) {
    app.member("Acme", "ana@acme.test", Role::Marketer, None)
        .await;
    let wrong = app
        .form(
            "/rpc/login",
            None,
            &[("email", "ana@acme.test"), ("password", "not the password")],
            Some(ORIGIN),
        )
        .await;
    let unknown = app
        .form(
            "/rpc/login",
            None,
            &[("email", "who@acme.test"), ("password", "not the password")],
            Some(ORIGIN),
        )
        .await;
    assert!(wrong.session_cookie().is_none());
    assert!(unknown.session_cookie().is_none());
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.text, unknown.text);
    assert!(
        wrong.text.contains("the email or password is not right"),
        "{}",
        wrong.text
    );
}

async fn logging_in_again_rotates_the_session_id(app: TestApp) {
    let first = ana_logged_in(&app).await;
    let again = app
        .form(
            "/rpc/login",
            Some(&first),
            &[("email", "ana@acme.test"), ("password", PASSWORD)],
            Some(ORIGIN),
        )
        .await;
    let second = again.session_cookie().expect("a new cookie");
    assert_ne!(first, second, "the id changes at login");
    let old = app.page("/", Some(&first)).await;
    assert!(
        old.status.is_redirection(),
        "the old id no longer works: {}",
        old.status
    );
    assert_eq!(app.page("/", Some(&second)).await.status, 200);
}

async fn pages_send_strangers_to_the_login_page(app: TestApp) {
    let r = app.page("/settings/api-keys", None).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(
        r.headers[header::LOCATION],
        "/login?next=/settings/api-keys"
    );
    let login = app.page("/login", None).await;
    assert_eq!(login.status, 200);
    assert!(login.text.contains("name=\"email\"") && login.text.contains("name=\"password\""));
    let rpc = app
        .form("/rpc/current_member", None, &[], Some(ORIGIN))
        .await;
    assert!(rpc.text.contains("unauthorized"), "{}", rpc.text);
}

async fn a_logged_in_member_sees_the_console(app: TestApp) {
    app.member("Acme", "ana@acme.test", Role::Admin, None).await;
    let cookie = app
        .log_in("ana@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let home = app.page("/", Some(&cookie)).await;
    assert_eq!(home.status, 200);
    for landmark in [
        "<nav aria-label=\"Main\"",
        "<main id=\"main\"",
        "Acme",
        "Campaigns",
        "Approvals",
        "Settings",
    ] {
        assert!(home.text.contains(landmark), "home lacks {landmark}");
    }
    let keys = app.page("/settings/api-keys", Some(&cookie)).await;
    assert_eq!(keys.status, 200);
    assert!(keys.text.contains("Create a key"));
    let missing = app.page("/no-such-page", Some(&cookie)).await;
    assert_eq!(missing.status, 404);
}

/// The page's login check reads the person and all their memberships in one statement
/// (kept for a moment); the header shows them all, a changed role applies at once, and
/// losing the session's membership logs the person out of it, page or server function.
async fn the_header_names_every_workspace_and_a_lost_membership_ends_the_session(app: TestApp) {
    let acme = app.member("Acme", "ana@acme.test", Role::Admin, None).await;
    app.member("Beta Corp", "ana@acme.test", Role::Marketer, None)
        .await;
    let cookie = app
        .log_in("ana@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let me = app
        .form("/rpc/current_member", Some(&cookie), &[], Some(ORIGIN))
        .await;
    assert!(me.status.is_success(), "{} {}", me.status, me.text);
    let me: serde_json::Value = serde_json::from_str(&me.text).expect("JSON");
    assert_eq!(me["workspace_name"], "Acme");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email"], "ana@acme.test");
    let names: Vec<&str> = me["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .map(|w| w[1].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Acme", "Beta Corp"]);
    let page = app.page("/campaigns", Some(&cookie)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("Beta Corp"),
        "the switcher offers Beta Corp"
    );

    // The person was read a moment ago; a role changed in this process still applies from
    // the next request.
    app.member("Acme", "ana@acme.test", Role::Approver, None)
        .await;
    let me = app
        .form("/rpc/current_member", Some(&cookie), &[], Some(ORIGIN))
        .await;
    let me: serde_json::Value = serde_json::from_str(&me.text).expect("JSON");
    assert_eq!(me["role"], "approver", "{me}");

    sqlx::query("delete from memberships where workspace_id = $1")
        .bind(acme.actor.workspace_id().as_str())
        .execute(app.db().pool())
        .await
        .expect("membership removed");
    // Removed behind the application's back, as another process would: seen once what
    // was read a moment ago lapses.
    tokio::time::sleep(tenex::server::services::kept::KEPT_FOR).await;
    let page = app.page("/campaigns", Some(&cookie)).await;
    assert!(page.status.is_redirection(), "{}", page.status);
    let rpc = app
        .form("/rpc/current_member", Some(&cookie), &[], Some(ORIGIN))
        .await;
    assert!(
        rpc.text.contains("unauthorized"),
        "{} {}",
        rpc.status,
        rpc.text
    );
}

async fn a_forged_cross_site_post_is_refused_and_changes_nothing(app: TestApp) {
    let m = app
        .member(
            "Acme",
            "ana@acme.test",
            Role::Admin,
            crate::support::ADMIN_SCOPES,
        )
        .await;
    let cookie = app
        .log_in("ana@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let forged = app
        .form(
            "/rpc/create_api_key",
            Some(&cookie),
            &[("name", "planted"), ("scopes[0]", "admin")],
            Some("https://evil.example"),
        )
        .await;
    forged.assert_problem(403, "cross_site_request");
    let list = app.get("/api/v1/admin/api-keys", &m.key).await.json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["name"] != "planted")
    );

    let logout = app
        .form(
            "/rpc/logout",
            Some(&cookie),
            &[],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(logout.status, 403);
    assert_eq!(
        app.page("/", Some(&cookie)).await.status,
        200,
        "still logged in"
    );
}

async fn a_post_without_origin_is_refused(app: TestApp) {
    app.member("Acme", "ana@acme.test", Role::Admin, None).await;
    let cookie = app
        .log_in("ana@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let r = app
        .form(
            "/rpc/create_api_key",
            Some(&cookie),
            &[("name", "no origin"), ("scopes[0]", "crm:read")],
            None,
        )
        .await;
    r.assert_problem(403, "cross_site_request");
}

async fn a_same_origin_form_post_mints_a_key_through_the_server_function(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, Some(&["admin"]))
        .await;
    let cookie = app
        .log_in("ana@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let r = app
        .form(
            "/rpc/create_api_key",
            Some(&cookie),
            &[
                ("name", "from the console"),
                ("scopes[0]", "marketing:read"),
                ("scopes[3]", "crm:read"),
            ],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let created = r.json();
    let token = created["token"].as_str().unwrap();
    let who = app.get("/api/v1/whoami", token).await.json();
    assert_eq!(
        who["scopes"],
        serde_json::json!(["marketing:read", "crm:read"])
    );
    let log = app.get("/api/v1/admin/audit-log", &m.key).await.json();
    assert_eq!(
        log["items"][0]["actor_type"], "user",
        "the console acts as the person"
    );
}

async fn a_marketer_cannot_grant_admin_through_the_server_function_either(app: TestApp) {
    app.member("Acme", "mo@acme.test", Role::Marketer, None)
        .await;
    let cookie = app
        .log_in("mo@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let r = app
        .form(
            "/rpc/create_api_key",
            Some(&cookie),
            &[("name", "escalate"), ("scopes[0]", "admin")],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(
        r.status, 422,
        "the console answers with the API's status: {}",
        r.text
    );
    assert!(
        r.text.contains("validation_failed") && r.text.contains("scopes"),
        "{}",
        r.text
    );
}

async fn logging_out_ends_the_session(app: TestApp) {
    let cookie = ana_logged_in(&app).await;
    assert_eq!(app.page("/", Some(&cookie)).await.status, 200);
    let out = app
        .form("/rpc/logout", Some(&cookie), &[], Some(ORIGIN))
        .await;
    assert!(
        out.status.is_success() || out.status.is_redirection(),
        "{}",
        out.status
    );
    assert!(
        app.page("/", Some(&cookie)).await.status.is_redirection(),
        "the old cookie is dead"
    );
}

/// The idle expiry moves forward by a write at most once a minute: page loads and server
/// function calls within the minute do not each write the session (and so carry no
/// `Set-Cookie`), yet the session stays valid.
async fn an_active_session_is_written_once_a_minute_not_on_every_request(app: TestApp) {
    let cookie = ana_logged_in(&app).await;
    let mut written = 0;
    for path in ["/", "/campaigns", "/", "/email"] {
        let r = app.page(path, Some(&cookie)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        written += usize::from(r.session_cookie().is_some());
    }
    let call = app
        .form("/rpc/current_member", Some(&cookie), &[], Some(ORIGIN))
        .await;
    assert!(call.status.is_success(), "{} {}", call.status, call.text);
    written += usize::from(call.session_cookie().is_some());
    // A minute boundary may fall between two of these requests, once.
    assert!(
        written <= 1,
        "the session was written {written} times in five requests"
    );
    assert_eq!(
        app.page("/", Some(&cookie)).await.status,
        200,
        "still logged in"
    );
}

async fn sessions_survive_a_restart_and_are_shared_by_replicas(app: TestApp) {
    let cookie = ana_logged_in(&app).await;
    let replica = app.restarted().await;
    let r = replica.page("/", Some(&cookie)).await;
    assert_eq!(r.status, 200, "the other process knows the session");
}

async fn an_approver_may_grant_approve_in_the_console_when_asked_explicitly(app: TestApp) {
    app.member("Acme", "avery@acme.test", Role::Approver, None)
        .await;
    let cookie = app
        .log_in("avery@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let r = app
        .form(
            "/rpc/create_api_key",
            Some(&cookie),
            &[("name", "gate"), ("scopes[2]", "marketing:approve")],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let who = app.get("/api/v1/whoami", &token).await.json();
    assert_eq!(who["scopes"], serde_json::json!(["marketing:approve"]));
}

async fn members_see_and_revoke_only_their_own_keys_in_the_console(app: TestApp) {
    app.member("Acme", "mo@acme.test", Role::Marketer, None)
        .await;
    let ida = app
        .member("Acme", "ida@acme.test", Role::Marketer, None)
        .await;
    let admin = app
        .member(
            "Acme",
            "ada@acme.test",
            Role::Admin,
            crate::support::ADMIN_SCOPES,
        )
        .await;
    let ida_key_id = app.get("/api/v1/whoami", &ida.key).await.json()["principal_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mo = app
        .log_in("mo@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let mine = app
        .form("/rpc/list_api_keys", Some(&mo), &[], Some(ORIGIN))
        .await
        .json();
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["key"]["created_by_email"], "mo@acme.test");
    assert_eq!(items[0]["state"], "active");

    let r = app
        .form(
            "/rpc/revoke_api_key",
            Some(&mo),
            &[("id", &ida_key_id)],
            Some(ORIGIN),
        )
        .await;
    assert!(r.text.contains("not_found"), "{}", r.text);
    assert_eq!(
        app.get("/api/v1/whoami", &ida.key).await.status,
        200,
        "Ida's key still works"
    );

    let all = app.get("/api/v1/admin/api-keys", &admin.key).await.json();
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        3,
        "an admin sees every key"
    );
}

/// The build's files are served outside the session layer (a year-long public cache entry
/// must not carry a session cookie); pages are `no-store`.
async fn build_files_never_carry_a_session_cookie_and_pages_are_never_stored(app: TestApp) {
    app.member("acme", "ana@acme.test", Role::Admin, None).await;
    let cookie = app.log_in("ana@acme.test", PASSWORD).await.unwrap();
    let page = app.page("/", Some(&cookie)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let file = app.page("/pkg/tenex.wasm", Some(&cookie)).await;
    assert!(
        !file.headers.contains_key(header::SET_COOKIE),
        "{:?}",
        file.headers
    );
    assert_eq!(
        file.headers[header::CACHE_CONTROL],
        "no-store",
        "a missing file is not cached"
    );
}

async fn the_editor_preview_is_rendered_and_sanitised_by_the_server(app: TestApp) {
    let stranger = app
        .form(
            "/rpc/render_markdown",
            None,
            &[("body_markdown", "# Hi")],
            Some(ORIGIN),
        )
        .await;
    assert!(!stranger.status.is_success(), "{}", stranger.status);
    assert!(stranger.text.contains("unauthorized"), "{}", stranger.text);

    let cookie = ana_logged_in(&app).await;
    let preview = app
        .form(
            "/rpc/render_markdown",
            Some(&cookie),
            &[(
                "body_markdown",
                "# Hi\n\n**there** <script>alert(1)</script>",
            )],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert!(preview.text.contains("<h1>Hi</h1>"), "{}", preview.text);
    assert!(
        preview.text.contains("<strong>there</strong>"),
        "{}",
        preview.text
    );
    assert!(!preview.text.contains("<script"), "{}", preview.text);

    let too_long = "x".repeat(200_001);
    let refused = app
        .form(
            "/rpc/render_markdown",
            Some(&cookie),
            &[("body_markdown", too_long.as_str())],
            Some(ORIGIN),
        )
        .await;
    assert!(!refused.status.is_success(), "{}", refused.status);
    assert!(refused.text.contains("body_markdown"), "{}", refused.text);
}
