//! The `openai` generator against a local chat-completions server that checks what it is
//! sent: a good answer becomes the sequence; a malformed or failed one is retried once and
//! then reported as `upstream_failed`, never stored.

use serde_json::{Value, json};
use tenex::domain::actor::Role;
use tenex::server::config::{GeneratorSettings, Settings};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{ADMIN_SCOPES, Backend, TestApp};

fn completion(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "test-model",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]
    }))
}

const GOOD: &str = r#"{"emails": [
  {"subject": "{{ company | default('Your team') }} and pallets", "body": "Hi {{ first_name | default('there') }},\nCan we book a demo?\n{{ sender_name }}"},
  {"subject": "Following up", "body": "Still keen to show you.\n{{ sender_name }}"}
]}"#;

fn generator_settings(server: &MockServer) -> GeneratorSettings {
    GeneratorSettings::OpenAi {
        base_url: format!("{}/v1", server.uri()),
        model: "test-model".into(),
        api_key: Some("sk-local-test".into()),
        timeout_secs: 5,
    }
}

async fn app_with_generator(server: &MockServer) -> Option<TestApp> {
    let settings = Settings {
        generator: generator_settings(server),
        ..Settings::default()
    };
    TestApp::spawn_with(Backend::Sqlite, settings).await
}

async fn seed(app: &TestApp) -> (String, Value) {
    let admin = app
        .member("acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let brand = app
        .post(
            "/api/v1/knowledge/brands",
            &admin.key,
            json!({"name": "Tenex Freight", "company_overview": "Overnight pallets.", "do_not_say": ["cheapest"]}),
        )
        .await
        .json();
    crate::crm::import(app, &admin.key, "email,first_name\nana@a.test,Ana\n").await;
    let segment = app
        .post("/api/v1/crm/segments", &admin.key, json!({"name": "All", "kind": "rule", "rule": {"match": "all", "conditions": [{"field": "email", "op": "contains", "value": "@"}]}}))
        .await
        .json();
    let sender = app
        .post(
            "/api/v1/connectors",
            &admin.key,
            json!({"kind": "sandbox", "name": "Sandbox"}),
        )
        .await
        .json();
    let body = json!({"segment_id": segment["id"], "brand_id": brand["id"], "sender_connector_id": sender["id"],
                      "objective": "book a demo", "cadence_days": [0, 4]});
    (admin.key, body)
}

#[tokio::test]
async fn a_valid_answer_becomes_the_sequence_and_the_request_is_what_the_provider_expects() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-local-test"))
        .and(body_partial_json(
            json!({"model": "test-model", "response_format": {"type": "json_schema"}}),
        ))
        .respond_with(completion(GOOD))
        .expect(1)
        .mount(&server)
        .await;
    let app = app_with_generator(&server).await.unwrap();
    let (key, body) = seed(&app).await;
    let r = app
        .post("/api/v1/marketing/email-sequences/preview", &key, body)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let p = r.json();
    assert_eq!(p["sequence"]["steps"][1]["subject"], "Following up");
    assert_eq!(p["sequence"]["steps"][1]["day_offset"], 4);
    assert!(
        p["preview"]["samples"][0]["steps"][0]["body"]
            .as_str()
            .unwrap()
            .starts_with("Hi Ana,")
    );
    // The prompt carried the brand, the objective and the forbidden words.
    let requests: Vec<Request> = server.received_requests().await.unwrap();
    let sent: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let prompt = sent["messages"][1]["content"].as_str().unwrap();
    assert!(prompt.contains("Objective: book a demo"));
    assert!(prompt.contains("Overnight pallets."));
    assert!(prompt.contains("Never use these words or phrases: cheapest"));
    assert!(prompt.contains("exactly 2 emails"));
    assert_eq!(
        sent["response_format"]["json_schema"]["schema"]["required"],
        json!(["emails"])
    );
}

#[tokio::test]
async fn a_malformed_answer_is_retried_once_with_the_reason() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(completion(r#"{"emails": [{"subject": "The cheapest pallets", "body": "b"}, {"subject": "s", "body": "b"}]}"#))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(completion(GOOD))
        .expect(1)
        .mount(&server)
        .await;
    let app = app_with_generator(&server).await.unwrap();
    let (key, body) = seed(&app).await;
    let r = app
        .post("/api/v1/marketing/email-sequences/preview", &key, body)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let requests = server.received_requests().await.unwrap();
    let retry: Value = serde_json::from_slice(&requests[1].body).unwrap();
    let feedback = retry["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(feedback.contains("cheapest"), "{feedback}");
}

#[tokio::test]
async fn two_bad_answers_are_a_502_and_nothing_is_stored() {
    for bad in [
        completion("this is not JSON"),
        ResponseTemplate::new(500).set_body_json(json!({"error": {"message": "model overloaded"}})),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(bad)
            .expect(2)
            .mount(&server)
            .await;
        let app = app_with_generator(&server).await.unwrap();
        let (key, body) = seed(&app).await;
        let r = app
            .post("/api/v1/marketing/email-sequences/preview", &key, body)
            .await;
        let problem = r.assert_problem(502, "upstream_failed");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("generation failed twice"),
            "{problem}"
        );
        assert!(!r.text.contains("sk-local-test"));
        assert!(
            !r.text.contains("model overloaded"),
            "the provider's words stay in the log: {}",
            r.text
        );
        for list in [
            "/api/v1/marketing/email-sequences",
            "/api/v1/marketing/campaigns",
            "/api/v1/marketing/approvals",
        ] {
            assert_eq!(
                app.get(list, &key).await.json()["items"],
                json!([]),
                "{list}"
            );
        }
    }
}

#[tokio::test]
async fn a_provider_that_hangs_times_out_and_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(completion(GOOD).set_delay(std::time::Duration::from_secs(30)))
        .mount(&server)
        .await;
    let settings = Settings {
        generator: GeneratorSettings::OpenAi {
            base_url: format!("{}/v1", server.uri()),
            model: "test-model".into(),
            api_key: None,
            timeout_secs: 1,
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, settings)
        .await
        .unwrap();
    let (key, body) = seed(&app).await;
    let r = app
        .post("/api/v1/marketing/email-sequences/preview", &key, body)
        .await;
    let problem = r.assert_problem(502, "upstream_failed");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("did not answer in time"),
        "{problem}"
    );
}

/// The ad copywriter asks the same provider for variants under the platform's schema, cuts
/// an overlong headline back to Google's 30 characters, retries an answer with too few
/// usable variants once (saying why), and never returns copy over a hard limit.
#[tokio::test]
async fn ad_variants_are_asked_for_by_schema_cut_to_the_limits_and_retried() {
    use tenex::domain::ad_platform::AdPlatform;
    use tenex::domain::brand::Brand;
    use tenex::domain::generate::ads::CreativeBrief;
    use tenex::server::generation::Generator;

    let server = MockServer::start().await;
    let one_short = r#"{"variants": [{"headlines": ["Pallets overnight"], "descriptions": [],
        "primary_text": null, "path1": null, "path2": null, "call_to_action": null}]}"#;
    let good = r#"{"variants": [{"headlines": ["Pallets across Europe overnight, tracked", "Live tracking", "One invoice"],
        "descriptions": ["Book a pallet in a minute.", "Track it live until it lands."],
        "primary_text": null, "path1": "pallets", "path2": null, "call_to_action": null}]}"#;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({
            "model": "test-model",
            "response_format": {"type": "json_schema", "json_schema": {"name": "ad_variants", "strict": true}}
        })))
        .respond_with(completion(one_short))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(completion(good))
        .expect(1)
        .mount(&server)
        .await;
    let generator = Generator::from_settings(&generator_settings(&server), &reqwest::Client::new());
    let now = tenex::domain::time::Timestamp::from_unix_seconds(1_800_000_000).unwrap();
    let brand = Brand {
        id: "brd_01jd0000000000000000000000".parse().unwrap(),
        name: "Tenex Freight".into(),
        company_overview: "Pallets across Europe overnight.".into(),
        usps: vec!["Live tracking".into()],
        icp_market_segments: vec![],
        brand_voice: "plain".into(),
        do_not_say: vec!["cheapest".into()],
        is_default: true,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let variants = generator
        .ad_variants(&CreativeBrief {
            brand: &brand,
            platform: AdPlatform::Google,
            objective: "book a pallet",
            final_url: Some("https://tenex.example/pallets"),
            count: 1,
            avoid: &[],
        })
        .await
        .expect("the second answer is usable");
    assert_eq!(variants.len(), 1);
    assert_eq!(variants[0].headlines[0], "Pallets across Europe");
    assert!(
        variants[0]
            .check(AdPlatform::Google, &brand.do_not_say)
            .is_ok()
    );
    let requests = server.received_requests().await.unwrap();
    let first: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let prompt = first["messages"][1]["content"].as_str().unwrap();
    assert!(
        prompt.contains("headlines (Headline): 3 to 15, each at most 30 characters"),
        "{prompt}"
    );
    let retry: Value = serde_json::from_slice(&requests[1].body).unwrap();
    let feedback = retry["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(feedback.contains("headlines"), "{feedback}");
}

#[tokio::test]
async fn a_blog_post_is_asked_for_by_schema_and_one_using_a_forbidden_word_is_asked_again() {
    let server = MockServer::start().await;
    let post = |excerpt: &str| {
        json!({"title": "Overnight pallets, explained", "excerpt": excerpt, "seo_title": "Overnight pallets",
               "seo_description": "How overnight pallet delivery works.", "tags": ["pallets", " logistics "],
               "body_markdown": "## How it works\n\nWe collect by 6 pm and deliver by 9 am."})
        .to_string()
    };
    // The first answer says a word the brand never says; the second is fine.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({"response_format": {"type": "json_schema", "json_schema": {"name": "blog_post"}}})))
        .respond_with(completion(&post("The cheapest way to ship.")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(completion(&post("A fair way to ship.")))
        .mount(&server)
        .await;
    let app = app_with_generator(&server).await.unwrap();
    let (key, body) = seed(&app).await;
    let r = app
        .post(
            "/api/v1/marketing/blog-drafts/generate",
            &key,
            json!({"brand_id": body["brand_id"], "topic": "overnight pallets", "keywords": ["pallets"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let d = r.json();
    assert_eq!(d["title"], "Overnight pallets, explained");
    assert_eq!(d["excerpt"], "A fair way to ship.");
    assert_eq!(d["tags"], json!(["pallets", "logistics"]));
    assert_eq!(d["slug"], "overnight-pallets-explained");
    assert!(
        d["body_html"]
            .as_str()
            .unwrap()
            .contains("<h2>How it works</h2>")
    );
    let asked: Vec<Request> = server.received_requests().await.unwrap();
    assert_eq!(asked.len(), 2);
    let first: Value = serde_json::from_slice(&asked[0].body).unwrap();
    let prompt = first["messages"][1]["content"].as_str().unwrap();
    assert!(
        prompt.contains("overnight pallets") && prompt.contains("cheapest"),
        "{prompt}"
    );
    let second: Value = serde_json::from_slice(&asked[1].body).unwrap();
    let reason = second["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap();
    assert!(reason.contains("never says: cheapest"), "{reason}");
}
