//! Settings from environment variables, each with a default that works on a laptop.

use std::fmt;

/// A setting had a value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    /// The variable.
    pub name: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Every setting of the server. The README's configuration table lists the same variables.
#[derive(Clone)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite://…` (default `sqlite://data/tenex.db`) or `postgres://…`.
    pub database_url: String,
    /// `TENEX_PUBLIC_URL`: where people reach the console; decides the `Secure` cookie flag
    /// and which `Origin` counts as same-site.
    pub public_url: String,
    /// `TENEX_RATE_LIMIT_PER_MINUTE`: requests per minute per API key.
    pub rate_limit_per_minute: u32,
    /// `TENEX_LOGIN_FAILURES_PER_ACCOUNT`: failed logins for one account allowed per 15
    /// minutes before its logins are refused for a while.
    pub login_failures_per_account: u32,
    /// `TENEX_LOGIN_FAILURES_PER_ADDRESS`: failed logins from one client address allowed per
    /// 15 minutes before its logins are refused for a while.
    pub login_failures_per_address: u32,
    /// `TENEX_TRUST_FORWARDED_FOR`: `true` behind a reverse proxy that appends the client's
    /// address to `X-Forwarded-For`; otherwise the connection's address is the client's.
    pub trust_forwarded_for: bool,
    /// `TENEX_MAX_BODY_BYTES`: largest request body accepted.
    pub max_body_bytes: usize,
    /// `TENEX_MAX_IMPORT_BYTES`: largest CSV import accepted.
    pub max_import_bytes: usize,
    /// `TENEX_SESSION_IDLE_MINUTES`: a console session ends after this long unused.
    pub session_idle_minutes: i64,
    /// `TENEX_DB_MAX_CONNECTIONS`: size of the connection pool.
    pub db_max_connections: u32,
    /// `TENEX_LOG_FORMAT`: `text` (default) or `json`.
    pub log_json: bool,
    /// `TENEX_SECRET_KEY`: 32 bytes (hex or base64) sealing connector secrets. Without it the
    /// embedded SQLite setup keeps a generated key beside the database file.
    pub secret_key: Option<String>,
    /// `TENEX_GENERATOR` and `TENEX_OPENAI_*`: who writes generated copy.
    pub generator: GeneratorSettings,
    /// `TENEX_SEND_CONCURRENCY`: messages in flight at once per worker.
    pub send_concurrency: usize,
    /// `TENEX_SEND_PER_SENDER`: of those, at most this many through one sender connector, so
    /// a sender that hangs occupies only its own slots.
    pub send_per_sender: usize,
    /// `TENEX_SEND_BATCH`: due messages a worker claims per round (each round also looks
    /// for expired leases and finished runs once).
    pub send_batch: i64,
    /// `TENEX_SEND_AHEAD`: messages of one sender committed `sending` together ahead of
    /// their calls (a crash leaves at most two such chunks per sender uncertain).
    pub send_ahead: usize,
    /// `TENEX_SENDER_FAILURE_LIMIT`: failures in a row (no clear answer or "try later") after
    /// which a sender is marked failing and its runs are held.
    pub sender_failure_limit: u32,
    /// `TENEX_SEND_RATE_PER_SECOND`: messages per second per process, all senders together.
    pub send_rate_per_second: u32,
    /// `TENEX_SEND_LEASE_SECONDS`: how long a worker holds a message it claimed or is
    /// sending; a message still `sending` after this is declared uncertain. At least the call
    /// timeout plus [`LEASE_MARGIN_SECONDS`].
    pub send_lease_seconds: u64,
    /// `TENEX_SEND_CALL_TIMEOUT_SECONDS`: the longest one provider call may take.
    pub send_call_timeout_seconds: u64,
    /// `TENEX_WORKER_POLL_MS`: how often an idle worker looks for due messages.
    pub worker_poll_ms: u64,
    /// `TENEX_WORKER_IN_SERVE`: `true` (default) runs a worker inside `serve`; `false` when
    /// separate `tenex worker` processes do the sending.
    pub worker_in_serve: bool,
}

/// Which generator writes copy.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum GeneratorSettings {
    /// `TENEX_GENERATOR=builtin` (default): offline, deterministic, brand-aware.
    #[default]
    Builtin,
    /// `TENEX_GENERATOR=openai`: an OpenAI-compatible chat-completions server.
    OpenAi {
        /// `TENEX_OPENAI_BASE_URL`, including the version path (default
        /// `https://api.openai.com/v1`); requests go to `<base>/chat/completions`.
        base_url: String,
        /// `TENEX_OPENAI_MODEL` (default `gpt-4o-mini`).
        model: String,
        /// `TENEX_OPENAI_API_KEY`; optional for local servers that take none.
        api_key: Option<String>,
        /// `TENEX_OPENAI_TIMEOUT_SECS` (default 60): one request's limit.
        timeout_secs: u64,
    },
}

impl fmt::Debug for GeneratorSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Builtin => f.write_str("builtin"),
            Self::OpenAi {
                base_url, model, ..
            } => write!(f, "openai({model} at {base_url})"),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The database URL may carry a password.
        f.debug_struct("Settings")
            .field("database", &redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field(
                "login_failures_per_account",
                &self.login_failures_per_account,
            )
            .field(
                "login_failures_per_address",
                &self.login_failures_per_address,
            )
            .field("max_body_bytes", &self.max_body_bytes)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .finish_non_exhaustive()
    }
}

/// How much longer than a provider call a send lease must last: the time to commit the
/// outcome after the call. A lease that ran out while its worker still waited on the provider
/// would have the message declared uncertain, or claimed again, while it may be going out.
pub const LEASE_MARGIN_SECONDS: u64 = 5;

/// The default database: an SQLite file under `./data`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tenex.db";

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.into(),
            public_url: "http://127.0.0.1:3000".into(),
            rate_limit_per_minute: 1000,
            login_failures_per_account: 10,
            login_failures_per_address: 50,
            trust_forwarded_for: false,
            max_body_bytes: 1024 * 1024,
            max_import_bytes: 64 * 1024 * 1024,
            session_idle_minutes: 12 * 60,
            db_max_connections: 10,
            log_json: false,
            secret_key: None,
            generator: GeneratorSettings::Builtin,
            send_concurrency: 8,
            send_per_sender: 4,
            send_batch: 200,
            send_ahead: 32,
            sender_failure_limit: 5,
            send_rate_per_second: 50,
            send_lease_seconds: 120,
            send_call_timeout_seconds: 45,
            worker_poll_ms: 1000,
            worker_in_serve: true,
        }
    }
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let public_url = get("TENEX_PUBLIC_URL").unwrap_or(d.public_url);
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                name: "TENEX_PUBLIC_URL",
                message: "must start with http:// or https://".into(),
            });
        }
        let log_json = match get("TENEX_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(ConfigError {
                    name: "TENEX_LOG_FORMAT",
                    message: format!("must be text or json, not `{other}`"),
                });
            }
        };
        let send_call_timeout_seconds = number(
            &get,
            "TENEX_SEND_CALL_TIMEOUT_SECONDS",
            d.send_call_timeout_seconds,
            1,
        )?;
        let send_lease_seconds = number(&get, "TENEX_SEND_LEASE_SECONDS", d.send_lease_seconds, 1)?;
        let shortest_lease = send_call_timeout_seconds.saturating_add(LEASE_MARGIN_SECONDS);
        if send_lease_seconds < shortest_lease {
            return Err(ConfigError {
                name: "TENEX_SEND_LEASE_SECONDS",
                message: format!(
                    "must be at least {shortest_lease} (the provider call timeout \
                     TENEX_SEND_CALL_TIMEOUT_SECONDS={send_call_timeout_seconds} plus \
                     {LEASE_MARGIN_SECONDS} s to record the outcome), not {send_lease_seconds}; \
                     a shorter lease could declare a message uncertain while it is still being sent"
                ),
            });
        }
        Ok(Self {
            database_url: get("DATABASE_URL").unwrap_or(d.database_url),
            public_url: public_url.trim_end_matches('/').to_owned(),
            rate_limit_per_minute: number(
                &get,
                "TENEX_RATE_LIMIT_PER_MINUTE",
                d.rate_limit_per_minute,
                1,
            )?,
            login_failures_per_account: number(
                &get,
                "TENEX_LOGIN_FAILURES_PER_ACCOUNT",
                d.login_failures_per_account,
                1,
            )?,
            login_failures_per_address: number(
                &get,
                "TENEX_LOGIN_FAILURES_PER_ADDRESS",
                d.login_failures_per_address,
                1,
            )?,
            trust_forwarded_for: boolean(&get, "TENEX_TRUST_FORWARDED_FOR", d.trust_forwarded_for)?,
            max_body_bytes: number(&get, "TENEX_MAX_BODY_BYTES", d.max_body_bytes, 1024)?,
            max_import_bytes: number(&get, "TENEX_MAX_IMPORT_BYTES", d.max_import_bytes, 1024)?,
            session_idle_minutes: number(
                &get,
                "TENEX_SESSION_IDLE_MINUTES",
                d.session_idle_minutes,
                1,
            )?,
            db_max_connections: number(&get, "TENEX_DB_MAX_CONNECTIONS", d.db_max_connections, 1)?,
            log_json,
            secret_key: get("TENEX_SECRET_KEY"),
            generator: generator(&get)?,
            send_concurrency: number(&get, "TENEX_SEND_CONCURRENCY", d.send_concurrency, 1)?,
            send_per_sender: number(&get, "TENEX_SEND_PER_SENDER", d.send_per_sender, 1)?,
            send_batch: number(&get, "TENEX_SEND_BATCH", d.send_batch, 1)?,
            send_ahead: number(&get, "TENEX_SEND_AHEAD", d.send_ahead, 1)?,
            sender_failure_limit: number(
                &get,
                "TENEX_SENDER_FAILURE_LIMIT",
                d.sender_failure_limit,
                1,
            )?,
            send_rate_per_second: number(
                &get,
                "TENEX_SEND_RATE_PER_SECOND",
                d.send_rate_per_second,
                1,
            )?,
            send_lease_seconds,
            send_call_timeout_seconds,
            worker_poll_ms: number(&get, "TENEX_WORKER_POLL_MS", d.worker_poll_ms, 10)?,
            worker_in_serve: boolean(&get, "TENEX_WORKER_IN_SERVE", d.worker_in_serve)?,
        })
    }

    /// How workers send, from these settings.
    pub fn send_settings(&self) -> super::services::sending::SendSettings {
        super::services::sending::SendSettings {
            concurrency: self.send_concurrency,
            per_sender: self.send_per_sender,
            batch: self.send_batch,
            ahead: self.send_ahead,
            failure_limit: self.sender_failure_limit,
            rate_per_second: self.send_rate_per_second,
            lease: std::time::Duration::from_secs(self.send_lease_seconds),
            call_timeout: std::time::Duration::from_secs(self.send_call_timeout_seconds),
            public_url: self.public_url.clone(),
        }
    }

    /// True when the console is served over https, so cookies must be `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the public URL, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> &str {
        let after_scheme = self.public_url.find("://").map_or(0, |i| i + 3);
        let end = self.public_url[after_scheme..]
            .find('/')
            .map_or(self.public_url.len(), |i| after_scheme + i);
        &self.public_url[..end]
    }
}

fn generator(get: &impl Fn(&str) -> Option<String>) -> Result<GeneratorSettings, ConfigError> {
    match get("TENEX_GENERATOR").as_deref() {
        None | Some("builtin") => Ok(GeneratorSettings::Builtin),
        Some("openai") => {
            let base_url = get("TENEX_OPENAI_BASE_URL")
                .unwrap_or_else(|| "https://api.openai.com/v1".into())
                .trim_end_matches('/')
                .to_owned();
            if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
                return Err(ConfigError {
                    name: "TENEX_OPENAI_BASE_URL",
                    message: "must start with http:// or https://".into(),
                });
            }
            Ok(GeneratorSettings::OpenAi {
                base_url,
                model: get("TENEX_OPENAI_MODEL").unwrap_or_else(|| "gpt-4o-mini".into()),
                api_key: get("TENEX_OPENAI_API_KEY"),
                timeout_secs: number(get, "TENEX_OPENAI_TIMEOUT_SECS", 60, 1)?,
            })
        }
        Some(other) => Err(ConfigError {
            name: "TENEX_GENERATOR",
            message: format!("must be builtin or openai, not `{other}`"),
        }),
    }
}

fn boolean(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(ConfigError {
            name,
            message: format!("must be true or false, not `{other}`"),
        }),
    }
}

fn number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    min: T,
) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(text) => match text.parse::<T>() {
            Ok(v) if v >= min => Ok(v),
            _ => Err(ConfigError {
                name,
                message: format!("must be a whole number of at least {min}, not `{text}`"),
            }),
        },
    }
}

/// The URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_environment() {
        let s = from(&[]).unwrap();
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.rate_limit_per_minute, 1000);
        assert!(!s.secure_cookies());
    }

    #[test]
    fn https_public_urls_make_cookies_secure_and_set_the_origin() {
        let s = from(&[("TENEX_PUBLIC_URL", "https://mkt.example.com/console/")]).unwrap();
        assert!(s.secure_cookies());
        assert_eq!(s.public_origin(), "https://mkt.example.com");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = from(&[("TENEX_RATE_LIMIT_PER_MINUTE", "lots")]).unwrap_err();
        assert_eq!(err.name, "TENEX_RATE_LIMIT_PER_MINUTE");
        assert!(from(&[("TENEX_RATE_LIMIT_PER_MINUTE", "0")]).is_err());
        assert!(from(&[("TENEX_PUBLIC_URL", "mkt.example.com")]).is_err());
        assert!(from(&[("TENEX_LOG_FORMAT", "xml")]).is_err());
        assert!(from(&[("TENEX_LOGIN_FAILURES_PER_ACCOUNT", "0")]).is_err());
        assert_eq!(
            from(&[("TENEX_SEND_BATCH", "0")]).unwrap_err().name,
            "TENEX_SEND_BATCH"
        );
        assert_eq!(
            from(&[("TENEX_SEND_BATCH", "200")])
                .unwrap()
                .send_settings()
                .batch,
            200
        );
        assert_eq!(
            from(&[("TENEX_SEND_AHEAD", "none")]).unwrap_err().name,
            "TENEX_SEND_AHEAD"
        );
        assert_eq!(
            from(&[("TENEX_SEND_AHEAD", "8")])
                .unwrap()
                .send_settings()
                .ahead,
            8
        );
        assert_eq!(
            from(&[("TENEX_TRUST_FORWARDED_FOR", "yes")])
                .unwrap_err()
                .name,
            "TENEX_TRUST_FORWARDED_FOR"
        );
        assert_eq!(
            from(&[("TENEX_GENERATOR", "gpt")]).unwrap_err().name,
            "TENEX_GENERATOR"
        );
        let err = from(&[
            ("TENEX_GENERATOR", "openai"),
            ("TENEX_OPENAI_BASE_URL", "localhost:8080"),
        ]);
        assert_eq!(err.unwrap_err().name, "TENEX_OPENAI_BASE_URL");
    }

    #[test]
    fn a_send_lease_must_outlast_the_provider_call() {
        let err = from(&[("TENEX_SEND_LEASE_SECONDS", "45")]).unwrap_err();
        assert_eq!(err.name, "TENEX_SEND_LEASE_SECONDS");
        assert!(err.message.contains("at least 50"), "{}", err.message);
        let err = from(&[
            ("TENEX_SEND_LEASE_SECONDS", "60"),
            ("TENEX_SEND_CALL_TIMEOUT_SECONDS", "60"),
        ])
        .unwrap_err();
        assert_eq!(err.name, "TENEX_SEND_LEASE_SECONDS");
        let ok = from(&[
            ("TENEX_SEND_LEASE_SECONDS", "10"),
            ("TENEX_SEND_CALL_TIMEOUT_SECONDS", "5"),
        ])
        .unwrap();
        let send = ok.send_settings();
        assert!(send.lease > send.call_timeout);
        assert_eq!(send.call_timeout, std::time::Duration::from_secs(5));
        let defaults = from(&[]).unwrap().send_settings();
        assert!(defaults.lease.as_secs() >= defaults.call_timeout.as_secs() + LEASE_MARGIN_SECONDS);
    }

    #[test]
    fn the_openai_generator_takes_its_server_model_and_key() {
        let s = from(&[
            ("TENEX_GENERATOR", "openai"),
            ("TENEX_OPENAI_BASE_URL", "http://127.0.0.1:8080/v1/"),
            ("TENEX_OPENAI_API_KEY", "sk-test"),
        ])
        .unwrap();
        assert_eq!(
            s.generator,
            GeneratorSettings::OpenAi {
                base_url: "http://127.0.0.1:8080/v1".into(),
                model: "gpt-4o-mini".into(),
                api_key: Some("sk-test".into()),
                timeout_secs: 60,
            }
        );
        assert!(!format!("{:?}", s.generator).contains("sk-test"));
        assert_eq!(from(&[]).unwrap().generator, GeneratorSettings::Builtin);
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/tenex"),
            "postgres://app:***@db:5432/tenex"
        );
        assert_eq!(
            redact_url("sqlite://data/tenex.db"),
            "sqlite://data/tenex.db"
        );
        assert!(
            !format!(
                "{:?}",
                from(&[("DATABASE_URL", "postgres://a:pw@h/d")]).unwrap()
            )
            .contains("pw")
        );
    }
}
