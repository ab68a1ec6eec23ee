//! An HTTP server that reads each request whole (headers and body), records it, and then
//! misbehaves as told: drops the connection, never answers, or answers a status. For the
//! tests of what the sender does when a provider may or may not have taken a message.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does after reading a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Closes the connection without a byte.
    Drop,
    /// Never answers.
    Hang,
    /// Answers this status, with `Retry-After: 60` when `retry_after`.
    Status { code: u16, retry_after: bool },
}

pub struct FaultyHttp {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl FaultyHttp {
    pub async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let store = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    store.lock().unwrap().push(request);
                    match answer {
                        Answer::Drop => {}
                        Answer::Hang => {
                            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                        }
                        Answer::Status { code, retry_after } => {
                            let extra = if retry_after {
                                "Retry-After: 60\r\n"
                            } else {
                                ""
                            };
                            let body = r#"{"error": {"message": "provider trouble"}}"#;
                            let text = format!(
                                "HTTP/1.1 {code} Trouble\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = socket.write_all(text.as_bytes()).await;
                        }
                    }
                });
            }
        });
        Self { port, requests }
    }

    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// The whole request (head and `Content-Length` body) as text, or `None` if the client left.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(String::from_utf8_lossy(&buf).into_owned());
            }
        }
    }
}
