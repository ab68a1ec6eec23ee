//! SMTP through lettre's async client: its transport for the connection test, and its
//! connection, step by step, for sending, so a failure is known to be before or after the
//! message data.

use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use super::{Account, TestFailed};
use crate::domain::delivery::{ConnectFailure, Outcome, connect_failure, smtp_reply};

/// A transport for the account: STARTTLS, implicit TLS or plain, with AUTH when a username is set.
pub fn transport(account: &Account<'_>) -> Result<AsyncSmtpTransport<Tokio1Executor>, TestFailed> {
    let host = account.setting("host");
    let port: u16 = account
        .setting("port")
        .parse()
        .map_err(|_| TestFailed("SMTP: the port is not a number".into()))?;
    let tls = |required: bool| {
        TlsParameters::new(host.to_owned())
            .map(|p| {
                if required {
                    Tls::Wrapper(p)
                } else {
                    Tls::Required(p)
                }
            })
            .map_err(|e| TestFailed(format!("SMTP: TLS setup failed: {e}")))
    };
    let tls = match account.setting("tls_mode") {
        "tls" => tls(true)?,
        "starttls" => tls(false)?,
        _ => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(15)));
    let username = account.setting("username");
    if !username.is_empty() {
        builder = builder.credentials(Credentials::new(
            username.to_owned(),
            account.secret("password").to_owned(),
        ));
    }
    Ok(builder.build())
}

/// Connects, greets, negotiates TLS as configured and authenticates.
pub async fn test(account: &Account<'_>) -> Result<String, TestFailed> {
    let transport = transport(account)?;
    match tokio::time::timeout(Duration::from_secs(20), transport.test_connection()).await {
        Ok(Ok(true)) => Ok(format!(
            "SMTP: {}:{} accepted the connection",
            account.setting("host"),
            account.setting("port")
        )),
        Ok(Ok(false)) => Err(TestFailed(
            "SMTP: the server did not complete the handshake".into(),
        )),
        Ok(Err(e)) => Err(TestFailed(format!("SMTP: {}", describe(&e)))),
        Err(_) => Err(TestFailed("SMTP: timed out".into())),
    }
}

fn describe(e: &lettre::transport::smtp::Error) -> String {
    if e.is_permanent() || e.is_transient() {
        match e.status() {
            Some(code) => format!("the server refused ({code}): {e}"),
            None => e.to_string(),
        }
    } else {
        e.to_string()
    }
}

/// How long each part of a conversation may take: a quarter of the call's budget to
/// connect, greet, start TLS and log in, a quarter for the envelope, half for the data.
/// Together they stay within the worker's own limit on a call, so the phase a failure
/// happened in is known.
#[derive(Debug, Clone, Copy)]
struct Limits {
    connect: Duration,
    envelope: Duration,
    data: Duration,
}

impl Limits {
    fn within(budget: Duration) -> Self {
        Self {
            connect: budget / 4,
            envelope: budget / 4,
            data: budget / 2,
        }
    }
}
/// An idle connection older than this is closed rather than reused (servers drop idle
/// clients after a minute or so).
const IDLE_LIMIT: Duration = Duration::from_secs(50);
/// Idle connections kept per connector.
const IDLE_MAX: usize = 16;

/// Open SMTP connections to one server, ready for the next message.
#[derive(Default)]
pub struct Idle(Vec<(AsyncSmtpConnection, Instant)>);

impl Idle {
    fn take(&mut self) -> Option<AsyncSmtpConnection> {
        while let Some((conn, since)) = self.0.pop() {
            if since.elapsed() < IDLE_LIMIT && !conn.has_broken() {
                return Some(conn);
            }
        }
        None
    }

    fn put(&mut self, conn: AsyncSmtpConnection) {
        if self.0.len() < IDLE_MAX && !conn.has_broken() {
            self.0.push((conn, Instant::now()));
        }
    }
}

/// Opens a connection: greeting, EHLO, TLS as configured, AUTH when a username is set. A
/// failure is classed: the sender's configuration cannot work (no such host, TLS, login), or
/// the server may be back in a moment.
async fn connect(account: &Account<'_>, limit: Duration) -> Result<AsyncSmtpConnection, Outcome> {
    let host = account.setting("host");
    let port: u16 = account
        .setting("port")
        .parse()
        .map_err(|_| Outcome::ConnectorFault("SMTP: the port is not a number".to_owned()))?;
    let hello = ClientId::default();
    let params = || {
        TlsParameters::new(host.to_owned())
            .map_err(|e| connect_failure(ConnectFailure::Tls, &e.to_string()).from_provider("SMTP"))
    };
    let mode = account.setting("tls_mode");
    let mut conn = if mode == "tls" {
        // Implicit TLS: lettre opens the socket itself, so Nagle stays on there.
        AsyncSmtpConnection::connect_tokio1(
            (host, port),
            Some(limit),
            &hello,
            Some(params()?),
            None,
        )
        .await
        .map_err(|e| connect_fault(&e))?
    } else {
        let tcp = open_socket(host, port, limit).await?;
        AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello)
            .await
            .map_err(|e| connect_fault(&e))?
    };
    if mode == "starttls" {
        conn.starttls(params()?, &hello)
            .await
            .map_err(|e| connect_fault(&e))?;
    }
    let username = account.setting("username");
    if !username.is_empty() {
        let credentials =
            Credentials::new(username.to_owned(), account.secret("password").to_owned());
        conn.auth(DEFAULT_MECHANISMS, &credentials)
            .await
            .map_err(|e| connect_fault(&e))?;
    }
    Ok(conn)
}

/// A TCP connection to the server with `TCP_NODELAY`: lettre writes a command's pieces
/// separately, and with Nagle on, the second piece would wait for the server's delayed ACK
/// (~40 ms per message on a server that does not answer until the whole command is in).
async fn open_socket(
    host: &str,
    port: u16,
    limit: Duration,
) -> Result<tokio::net::TcpStream, Outcome> {
    let failed =
        |kind: ConnectFailure, detail: String| connect_failure(kind, &detail).from_provider("SMTP");
    let tcp = match tokio::time::timeout(limit, tokio::net::TcpStream::connect((host, port))).await
    {
        Err(_) => {
            return Err(failed(
                ConnectFailure::Silent,
                "connection timed out".into(),
            ));
        }
        Ok(Err(e)) => {
            let detail = e.to_string();
            let lower = detail.to_ascii_lowercase();
            let kind = if super::http::unresolvable(&lower) {
                ConnectFailure::NoSuchHost
            } else if e.kind() == std::io::ErrorKind::TimedOut || lower.contains("timed out") {
                ConnectFailure::Silent
            } else {
                ConnectFailure::Unreachable
            };
            return Err(failed(kind, detail));
        }
        Ok(Ok(tcp)) => tcp,
    };
    // Only a latency optimisation: a socket that refuses it still sends.
    let _ = tcp.set_nodelay(true);
    Ok(tcp)
}

/// What a failure while connecting, greeting, starting TLS or logging in means. A reply is
/// the server's answer (535: the login was refused); otherwise the error says what the
/// client could not do.
fn connect_fault(e: &lettre::transport::smtp::Error) -> Outcome {
    if let Some(code) = e.status() {
        return smtp_reply(u16::from(code), &describe(e));
    }
    let detail = super::http::chain(e);
    connect_failure(connect_failure_kind(e, &detail), &detail).from_provider("SMTP")
}

fn connect_failure_kind(e: &lettre::transport::smtp::Error, text: &str) -> ConnectFailure {
    let lower = text.to_ascii_lowercase();
    if lower.contains("authentication mechanism") {
        ConnectFailure::NoLoginMethod
    } else if e.is_tls() || lower.contains("certificate") || lower.contains("tls") {
        ConnectFailure::Tls
    } else if super::http::unresolvable(&lower) {
        ConnectFailure::NoSuchHost
    } else if e.is_timeout() || lower.contains("timed out") {
        ConnectFailure::Silent
    } else {
        ConnectFailure::Unreachable
    }
}

/// A failure of a command sent before the message data: a reply is the server's answer, and
/// anything else (a dropped or silent connection) means the message was not handed over.
fn before_data(e: &lettre::transport::smtp::Error) -> Outcome {
    match e.status() {
        Some(code) => smtp_reply(u16::from(code), &describe(e)),
        None => Outcome::Transient(format!("SMTP: {}", describe(e))),
    }
}

/// MAIL, RCPT and DATA, each answered; `Ok` once the server waits for the message.
async fn envelope(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    ascii: bool,
) -> Result<(), lettre::transport::smtp::Error> {
    let mut options = Vec::new();
    let non_ascii = |a: &lettre::Address| !AsRef::<str>::as_ref(a).is_ascii();
    if envelope.from().is_some_and(non_ascii) || envelope.to().iter().any(non_ascii) {
        options.push(MailParameter::SmtpUtfEight);
    }
    if !ascii {
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    conn.command(Mail::new(envelope.from().cloned(), options))
        .await?;
    for to in envelope.to() {
        conn.command(Rcpt::new(to.clone(), Vec::new())).await?;
    }
    conn.command(Data).await?;
    Ok(())
}

/// Hands one message to the server, reusing an idle connection when there is one. What a
/// failure means depends on when it happened: before the message data nothing was handed
/// over (retry); once the data was written, a reply is still a clear answer, but a dropped
/// or silent connection leaves the outcome unknown (`Uncertain`, never retried on its own).
pub async fn send(
    idle: &std::sync::Mutex<Idle>,
    account: &Account<'_>,
    message: lettre::Message,
    budget: Duration,
) -> Outcome {
    let limits = Limits::within(budget);
    let envelope_of = message.envelope().clone();
    let bytes = message.formatted();
    let ascii = bytes.is_ascii();
    let pooled = idle
        .lock()
        .expect("the SMTP pool lock is never poisoned")
        .take();
    let mut conn = match pooled {
        Some(mut conn) => {
            // A reused connection the server closed meanwhile fails before the data: open a
            // fresh one and start over, as nothing was handed over.
            match tokio::time::timeout(limits.envelope, envelope(&mut conn, &envelope_of, ascii))
                .await
            {
                Ok(Ok(())) => Some(conn),
                Ok(Err(e)) if e.status().is_some() => return before_data(&e),
                _ => None,
            }
        }
        None => None,
    };
    if conn.is_none() {
        let mut fresh =
            match tokio::time::timeout(limits.connect, connect(account, limits.connect)).await {
                Ok(Ok(c)) => c,
                Ok(Err(outcome)) => return outcome,
                Err(_) => {
                    return connect_failure(
                        ConnectFailure::Silent,
                        "no greeting, TLS or login answer in time",
                    )
                    .from_provider("SMTP");
                }
            };
        if !ascii
            && !fresh
                .server_info()
                .supports_feature(Extension::EightBitMime)
        {
            return Outcome::Permanent(
                "SMTP: the message is not plain ASCII and the server does not take 8BITMIME".into(),
            );
        }
        match tokio::time::timeout(limits.envelope, envelope(&mut fresh, &envelope_of, ascii)).await
        {
            Ok(Ok(())) => conn = Some(fresh),
            Ok(Err(e)) => return before_data(&e),
            Err(_) => return Outcome::Transient("SMTP: no answer before the message data".into()),
        }
    }
    let mut conn = conn.expect("a connection is open");
    match tokio::time::timeout(limits.data, conn.message(&bytes)).await {
        Ok(Ok(response)) => {
            idle.lock()
                .expect("the SMTP pool lock is never poisoned")
                .put(conn);
            Outcome::Sent {
                provider_id: queue_id(&response.message().collect::<Vec<_>>().join(" ")),
            }
        }
        Ok(Err(e)) => match e.status() {
            Some(code) => smtp_reply(u16::from(code), &describe(&e)),
            None => Outcome::Uncertain(format!(
                "SMTP: the connection failed after the message data was sent ({})",
                describe(&e)
            )),
        },
        Err(_) => Outcome::Uncertain("SMTP: no answer after the message data was sent".into()),
    }
}

/// The queue id servers put in their final reply (`2.0.0 Ok: queued as 4Bx…`), if any.
fn queue_id(reply: &str) -> Option<String> {
    let text = reply.trim();
    let id = text
        .rsplit_once("queued as ")
        .map(|(_, id)| id)
        .unwrap_or(text)
        .trim();
    (!id.is_empty()).then(|| id.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(outcome: &Outcome) -> &str {
        match outcome {
            Outcome::Transient(r) | Outcome::ConnectorFault(r) => r,
            other => panic!("not a connect failure: {other:?}"),
        }
    }

    #[tokio::test]
    async fn opening_the_socket_names_what_failed() {
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let refused = open_socket("127.0.0.1", closed, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(refused, Outcome::Transient(_)), "{refused:?}");
        assert!(
            reason(&refused).contains("could not connect"),
            "{refused:?}"
        );

        let unknown = open_socket("no-such-host.invalid", 25, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(unknown, Outcome::ConnectorFault(_)), "{unknown:?}");
        assert!(reason(&unknown).contains("does not resolve"), "{unknown:?}");

        // A listener that never accepts, its queue filled: the next handshake goes unanswered.
        let full =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        full.bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
        full.listen(0).unwrap();
        let port = full.local_addr().unwrap().as_socket().unwrap().port();
        let mut queued = Vec::new();
        for _ in 0..4 {
            let connect = tokio::net::TcpStream::connect(("127.0.0.1", port));
            if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_millis(200), connect).await {
                queued.push(s);
            }
        }
        let silent = open_socket("127.0.0.1", port, Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(matches!(silent, Outcome::Transient(_)), "{silent:?}");
        assert!(
            reason(&silent).contains("did not answer in time"),
            "{silent:?}"
        );

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = open_socket("127.0.0.1", port, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(open.nodelay().unwrap(), "TCP_NODELAY is set");
    }
}
