//! A small SMTP server for tests: greets, offers AUTH PLAIN/LOGIN, checks one username and
//! password, and records every command it receives.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub struct FakeSmtp {
    pub port: u16,
    pub commands: Arc<Mutex<Vec<String>>>,
}

impl FakeSmtp {
    pub async fn start(user: &'static str, password: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let commands = Arc::new(Mutex::new(Vec::new()));
        let log = commands.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 fake.test ESMTP ready\r\n").await;
                    let expected = STANDARD.encode(format!("\0{user}\0{password}"));
                    let mut awaiting_plain = false;
                    while let Ok(Some(line)) = lines.next_line().await {
                        log.lock().unwrap().push(line.clone());
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if awaiting_plain {
                            awaiting_plain = false;
                            if line.trim() == expected {
                                b"235 2.7.0 Authentication successful\r\n"
                            } else {
                                b"535 5.7.8 Bad credentials\r\n"
                            }
                        } else if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            b"250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("AUTH PLAIN ") {
                            if line[11..].trim() == expected {
                                b"235 2.7.0 Authentication successful\r\n"
                            } else {
                                b"535 5.7.8 Bad credentials\r\n"
                            }
                        } else if upper.starts_with("AUTH PLAIN") {
                            awaiting_plain = true;
                            b"334 \r\n"
                        } else if upper.starts_with("NOOP") || upper.starts_with("RSET") {
                            b"250 2.0.0 OK\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 2.0.0 Bye\r\n").await;
                            break;
                        } else {
                            b"502 5.5.2 Not implemented here\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self { port, commands }
    }

    pub fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }
}
