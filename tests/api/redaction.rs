//! Whatever holds a secret prints it redacted: logs and panics format with `{:?}`.

use std::collections::BTreeMap;

use tenex::app::server_fns::api_keys::CreatedKey;
use tenex::app::server_fns::connectors::{CreateConnector, UpdateConnector};
use tenex::app::server_fns::session::Login;
use tenex::domain::actor::Role;
use tenex::domain::connector::{ConnectorEdit, ConnectorInput};
use tenex::domain::secret::Redacted;
use tenex::server::api::api_keys::CreatedApiKeyJson;
use tenex::server::config::{GeneratorSettings, Settings};
use tenex::server::services::accounts::NewMember;
use tenex::server::services::api_keys;

use crate::support::{Backend, TestApp};

const SECRET: &str = "s3cret-value-never-printed";

fn secrets() -> BTreeMap<String, String> {
    BTreeMap::from([("api_token".to_owned(), SECRET.to_owned())])
}

fn assert_redacted(what: &str, shown: String) {
    assert!(!shown.contains(SECRET), "{what} shows its secret: {shown}");
}

#[tokio::test]
async fn structs_holding_a_secret_print_it_redacted() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let member = app.member("Acme", "ada@acme.test", Role::Admin, None).await;
    let request =
        tenex::domain::api_key::NewApiKey::parse("ci", None, None, app.ctx().now()).unwrap();
    let minted = api_keys::mint(app.ctx(), &member.actor, request)
        .await
        .unwrap();
    let token = minted.token.clone();
    let shown = format!("{minted:?}");
    assert!(
        !shown.contains(&token),
        "MintedKey shows its token: {shown}"
    );
    let created = CreatedKey {
        key: minted.key.clone(),
        token: token.clone(),
    };
    assert!(!format!("{created:?}").contains(&token));
    let json = CreatedApiKeyJson {
        id: minted.key.id.to_string(),
        key: token.clone(),
        prefix: minted.key.prefix.clone(),
        name: minted.key.name.clone(),
        scopes: Vec::new(),
        created_at: String::new(),
        expires_at: None,
    };
    assert!(!format!("{json:?}").contains(&token));

    let body: ConnectorInput = serde_json::from_value(serde_json::json!({
        "kind": "webflow", "name": "W", "settings": {"site_id": "s"}, "secrets": {"api_token": SECRET}
    }))
    .unwrap();
    assert_redacted("ConnectorInput", format!("{body:?}"));
    assert!(
        format!("{body:?}").contains("api_token"),
        "names stay visible"
    );
    let body: ConnectorEdit = serde_json::from_value(serde_json::json!({
        "version": 1, "secrets": {"api_token": SECRET}
    }))
    .unwrap();
    assert_redacted("ConnectorEdit", format!("{body:?}"));

    let input = CreateConnector {
        kind: "webflow".into(),
        name: "W".into(),
        settings: BTreeMap::new(),
        secrets: Redacted(secrets()),
    };
    assert_redacted("the create_connector input", format!("{input:?}"));
    let input = UpdateConnector {
        id: "cnr_01hzzzzzzzzzzzzzzzzzzzzzzz".parse().unwrap(),
        version: 1,
        name: "W".into(),
        settings: BTreeMap::new(),
        secrets: Redacted(secrets()),
    };
    assert_redacted("the update_connector input", format!("{input:?}"));
    let input = Login {
        email: "ada@acme.test".into(),
        password: Redacted(SECRET.to_owned()),
        next: None,
    };
    assert_redacted("the login input", format!("{input:?}"));

    let new_member = NewMember {
        workspace: "Acme".into(),
        email: "bo@acme.test".into(),
        password: SECRET.into(),
        role: "viewer".into(),
        display_name: None,
    };
    assert_redacted("NewMember", format!("{new_member:?}"));

    let settings = Settings {
        database_url: format!("postgres://app:{SECRET}@db/tenex"),
        secret_key: Some(SECRET.into()),
        generator: GeneratorSettings::OpenAi {
            base_url: "https://api.openai.com/v1".into(),
            model: "m".into(),
            api_key: Some(SECRET.into()),
            timeout_secs: 60,
        },
        ..Settings::default()
    };
    assert_redacted("Settings", format!("{settings:?}"));
}
