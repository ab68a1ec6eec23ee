//! The real server: `target/release/tenex serve` (what `make run` builds) as a child
//! process on the bench's database, measured from outside.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub base: String,
    client: reqwest::Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts the server on `database_url` and waits until `/healthz` answers.
    pub async fn start(database_url: &str) -> Self {
        let bin = std::env::var("TENEX_BIN").unwrap_or_else(|_| "target/release/tenex".into());
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new(&bin)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("TENEX_PUBLIC_URL", &base)
            .env("TENEX_SECRET_KEY", "42".repeat(32))
            .env("TENEX_RATE_LIMIT_PER_MINUTE", "100000000")
            .env("TENEX_WORKER_IN_SERVE", "false")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin} (cargo leptos build --release): {e}"));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(1800))
            .build()
            .unwrap();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{bin} did not answer within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Let what the server does as it starts (connector health checks among it) pass
        // before anything is measured.
        tokio::time::sleep(Duration::from_secs(3)).await;
        Self {
            child,
            base,
            client,
        }
    }

    /// The session cookie (`name=value`) of a console login.
    pub async fn log_in(&self, email: &str, password: &str) -> String {
        let r = self
            .client
            .post(format!("{}/rpc/login", self.base))
            .header("Origin", &self.base)
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("tenex_session="))
            .and_then(|c| c.split(';').next())
            .unwrap_or_else(|| panic!("login refused: {}", r.status()))
            .to_owned()
    }

    /// `GET path` with `key`, as JSON.
    pub async fn get(&self, path: &str, key: &str) -> serde_json::Value {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// `POST path` with `key` and a JSON body; the answer and how long it took.
    pub async fn post(
        &self,
        path: &str,
        key: &str,
        body: serde_json::Value,
    ) -> (serde_json::Value, Duration) {
        let started = Instant::now();
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let answer: serde_json::Value = r.json().await.unwrap_or_default();
        assert!(status.is_success(), "POST {path}: {status} {answer}");
        (answer, started.elapsed())
    }

    /// The server's peak resident memory so far (VmHWM), in MB.
    pub fn peak_rss_mb(&self) -> f64 {
        super::support::peak_rss_mb(self.child.id())
    }

    pub fn stop(mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
