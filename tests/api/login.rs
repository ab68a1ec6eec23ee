//! Logging in is throttled per account and per client address, and a flood of logins cannot
//! take the server's cores.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, header};
use tenex::domain::actor::Role;
use tenex::server::config::Settings;

use crate::on_both_databases;
use crate::support::{Backend, ORIGIN, PASSWORD, TestApp, TestResponse};

on_both_databases!(forty_wrong_passwords_for_one_account_are_refused_before_the_fortieth);

/// A login form post from `client`, as a script (`json`) or a browser without JavaScript.
async fn log_in(
    app: &TestApp,
    email: &str,
    password: &str,
    client: Option<[u8; 4]>,
    json: bool,
) -> TestResponse {
    let body = format!(
        "email={}&password={}",
        tenex::app::format::query_value(email),
        tenex::app::format::query_value(password)
    );
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/rpc/login")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, ORIGIN)
        .header(header::REFERER, format!("{ORIGIN}/login"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(
            header::ACCEPT,
            if json {
                "application/json"
            } else {
                "text/html"
            },
        )
        .body(Body::from(body))
        .unwrap();
    if let Some(ip) = client {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 50000))));
    }
    app.send(request).await
}

async fn forty_wrong_passwords_for_one_account_are_refused_before_the_fortieth(app: TestApp) {
    app.member("Acme", "ana@acme.test", Role::Marketer, None)
        .await;
    app.member("Acme", "bo@acme.test", Role::Marketer, None)
        .await;
    let mut refused_at = None;
    for attempt in 1..=40 {
        let r = log_in(&app, "ana@acme.test", "not the password", None, true).await;
        if r.status == 429 {
            refused_at = Some(attempt);
            assert_eq!(r.json()["Failed"]["code"], "rate_limited", "{}", r.text);
            let wait: u64 = r.headers[header::RETRY_AFTER]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=15 * 60).contains(&wait), "Retry-After: {wait}");
            break;
        }
        assert_eq!(r.status, 422, "attempt {attempt}: {}", r.text);
    }
    let refused_at = refused_at.expect("40 wrong passwords in a row are throttled");
    assert!(refused_at < 40, "refused only at attempt {refused_at}");
    // While refused, even the right password does not log in, and says when to come back.
    let right = log_in(&app, "ANA@acme.test", PASSWORD, None, true).await;
    assert_eq!(right.status, 429, "{}", right.text);
    assert!(right.session_cookie().is_none());
    // Other accounts are not affected.
    let other = log_in(&app, "bo@acme.test", PASSWORD, None, true).await;
    assert!(other.session_cookie().is_some(), "{}", other.text);
}

fn strict_addresses() -> Settings {
    Settings {
        login_failures_per_address: 5,
        ..Settings::default()
    }
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_refused_and_others_are_not() {
    let app = TestApp::spawn_with(Backend::Sqlite, strict_addresses())
        .await
        .unwrap();
    app.member("Acme", "ana@acme.test", Role::Marketer, None)
        .await;
    let guesser = Some([203, 0, 113, 5]);
    let mut refused_at = None;
    for n in 1..=10 {
        let email = format!("guess{n}@acme.test");
        let r = log_in(&app, &email, "not the password", guesser, true).await;
        if r.status == 429 {
            refused_at = Some(n);
            break;
        }
        assert_eq!(r.status, 422, "{}", r.text);
    }
    assert!(refused_at.is_some_and(|n| n <= 7), "{refused_at:?}");
    let blocked = log_in(&app, "ana@acme.test", PASSWORD, guesser, true).await;
    assert_eq!(blocked.status, 429);
    let elsewhere = log_in(
        &app,
        "ana@acme.test",
        PASSWORD,
        Some([198, 51, 100, 7]),
        true,
    )
    .await;
    assert!(elsewhere.session_cookie().is_some(), "{}", elsewhere.text);
}

#[tokio::test]
async fn the_login_page_says_how_long_to_wait_without_javascript() {
    let settings = Settings {
        login_failures_per_account: 1,
        ..Settings::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, settings)
        .await
        .unwrap();
    app.member("Acme", "ana@acme.test", Role::Marketer, None)
        .await;
    for _ in 0..2 {
        log_in(&app, "ana@acme.test", "not the password", None, true).await;
    }
    let r = log_in(&app, "ana@acme.test", "not the password", None, false).await;
    let back = r.headers[header::LOCATION].to_str().unwrap();
    assert!(back.contains("__err="), "{back}");
    let path = back.strip_prefix(ORIGIN).unwrap_or(back);
    let page = app.page(path, None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text
            .contains("Too many failed logins for this account or from this address. Try again in"),
        "{}",
        page.text
    );
}
