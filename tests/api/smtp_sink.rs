//! An SMTP server that accepts mail and records every message whole: EHLO, MAIL, RCPT,
//! DATA with dot-unstuffing, RSET, NOOP, QUIT, over as many connections as clients open.
//! A policy may refuse recipients (e.g. 550 for a dead mailbox, 451 to make a client retry).
//! Used by the sending tests, the crash test and the send benchmark.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

impl Received {
    /// A header's value (first occurrence, folded lines joined).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    /// The body after the header block.
    pub fn body(&self) -> String {
        self.data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default()
    }
}

/// What the sink answers to `RCPT TO:<address>`: `None` accepts.
pub type Policy = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What the sink does once it has read a whole message (and recorded it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterData {
    /// Answers 250 with a queue id.
    Accept,
    /// Closes the connection without a word.
    Drop,
    /// Never answers.
    Hang,
}

pub struct SmtpSink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    /// A sink that accepts everything.
    pub async fn start() -> Self {
        Self::start_with(Arc::new(|_| None)).await
    }

    /// A sink that reads and records every message, then does `after` instead of answering.
    pub async fn start_faulty(after: AfterData) -> Self {
        Self::serve(Arc::new(|_| None), after).await
    }

    /// A sink that answers recipients with `policy`.
    pub async fn start_with(policy: Policy) -> Self {
        Self::serve(policy, AfterData::Accept).await
    }

    /// A sink that accepts everything on `port` (one a test found closed before).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        Self::serve_on(listener, Arc::new(|_| None), AfterData::Accept)
    }

    async fn serve(policy: Policy, after: AfterData) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve_on(listener, policy, after)
    }

    fn serve_on(listener: TcpListener, policy: Policy, after: AfterData) -> Self {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                let policy = policy.clone();
                tokio::spawn(async move {
                    let _ = session(socket, store, policy, after).await;
                });
            }
        });
        Self { port, received }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Received>>>,
    policy: Policy,
    after: AfterData,
) -> std::io::Result<()> {
    socket.set_nodelay(true)?;
    let (read, write) = socket.into_split();
    let mut write = tokio::io::BufWriter::new(write);
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    write.flush().await?;
    let mut from = String::new();
    let mut rcpt: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        quick_ack(&lines);
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250-sink.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command[10..]);
            rcpt.clear();
            "250 2.1.0 OK\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            let to = address(&command[8..]);
            match policy(&to) {
                Some(refusal) => format!("{refusal}\r\n"),
                None => {
                    rcpt.push(to);
                    "250 2.1.5 OK\r\n".into()
                }
            }
        } else if upper == "DATA" {
            if rcpt.is_empty() {
                "554 5.5.1 No valid recipients\r\n".into()
            } else {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                write.flush().await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    quick_ack(&lines);
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(unstuffed);
                }
                let n = {
                    let mut all = store.lock().unwrap();
                    all.push(Received {
                        mail_from: std::mem::take(&mut from),
                        rcpt_to: std::mem::take(&mut rcpt),
                        data,
                    });
                    all.len()
                };
                match after {
                    AfterData::Accept => {}
                    AfterData::Drop => return Ok(()),
                    AfterData::Hang => {
                        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                        return Ok(());
                    }
                }
                format!("250 2.0.0 Ok: queued as SINK{n}\r\n")
            }
        } else if upper.starts_with("RSET") {
            from.clear();
            rcpt.clear();
            "250 2.0.0 OK\r\n".into()
        } else if upper.starts_with("NOOP") {
            "250 2.0.0 OK\r\n".into()
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 2.0.0 Bye\r\n").await?;
            write.flush().await?;
            return Ok(());
        } else {
            "502 5.5.2 Command not implemented\r\n".into()
        };
        write.write_all(reply.as_bytes()).await?;
        write.flush().await?;
    }
}

/// Acknowledges what was read at once instead of after the kernel's delayed-ACK timer:
/// a client that writes a command in two pieces without `TCP_NODELAY` (Nagle) would
/// otherwise wait ~40 ms for that ACK before its second piece goes out. Linux clears the
/// flag on its own, so it is set again after every read.
fn quick_ack(lines: &BufReader<tokio::net::tcp::OwnedReadHalf>) {
    let _ = socket2::SockRef::from(lines.get_ref().as_ref()).set_tcp_quickack(true);
}

fn address(text: &str) -> String {
    let t = text.trim();
    let inner = t
        .split_once('<')
        .and_then(|(_, r)| r.split_once('>'))
        .map(|(a, _)| a)
        .unwrap_or(t);
    inner.trim().to_ascii_lowercase()
}
