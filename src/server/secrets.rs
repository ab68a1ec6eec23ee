//! Connector secrets at rest: AES-256-GCM, a fresh nonce per write, the connector id as
//! associated data (a sealed value copied onto another connector does not open).

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use crate::domain::Error;

/// The key that seals and opens secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    /// A separate key for signed links, derived from the same secret so one setting
    /// covers both; the secret itself is never used for two purposes.
    link_key: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(…)")
    }
}

/// The key could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// `TENEX_SECRET_KEY` is not 32 bytes of base64 or hex.
    #[error("TENEX_SECRET_KEY must be 32 bytes, written as 64 hex characters or base64")]
    Malformed,
    /// No key is configured and there is no local data folder to keep one in.
    #[error("TENEX_SECRET_KEY is required when the database is not the embedded SQLite file")]
    Missing,
    /// The key file could not be read or written.
    #[error("cannot use the key file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

const PREFIX: &str = "v1:";

impl SecretBox {
    /// A box from 32 key bytes written as hex or base64.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let bytes = hex::decode(text)
            .ok()
            .or_else(|| STANDARD.decode(text).ok())
            .ok_or(KeyError::Malformed)?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyError::Malformed)?;
        let link_key = {
            use hmac::{Hmac, Mac};
            let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&bytes)
                .map_err(|_| KeyError::Malformed)?;
            mac.update(b"tenex signed links v1");
            mac.finalize().into_bytes().into()
        };
        Ok(Self { cipher, link_key })
    }

    /// The key that signs and checks unsubscribe links.
    pub fn unsubscribe_key(&self) -> crate::server::mail::unsubscribe::UnsubscribeKey {
        crate::server::mail::unsubscribe::UnsubscribeKey::new(self.link_key)
    }

    /// Reads the key file, or makes one (readable by the owner only) on first start.
    pub fn from_file_or_new(path: &Path) -> Result<Self, KeyError> {
        let file_error = |source| KeyError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                let text = hex::encode(key);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(file_error)?;
                }
                write_private(path, &text).map_err(file_error)?;
                tracing::warn!(
                    path = %path.display(),
                    "generated a new key for connector secrets; set TENEX_SECRET_KEY in production and keep it safe"
                );
                Self::from_text(&text)
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// Seals `plain` for the record `context` (the connector id).
    pub fn seal(&self, context: &str, plain: &str) -> Result<String, Error> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| Error::internal(std::io::Error::other("sealing a secret failed")))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens a value sealed for `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<String, Error> {
        let fail = || {
            Error::internal(std::io::Error::other(
                "a stored secret cannot be opened (wrong TENEX_SECRET_KEY?)",
            ))
        };
        let bytes = STANDARD
            .decode(sealed.strip_prefix(PREFIX).ok_or_else(fail)?)
            .map_err(|_| fail())?;
        if bytes.len() < 12 {
            return Err(fail());
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sbox() -> SecretBox {
        SecretBox::from_text(&"11".repeat(32)).unwrap()
    }

    #[test]
    fn sealed_values_open_only_for_their_record() {
        let b = sbox();
        let sealed = b.seal("cnr_1", "hunter2").unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_eq!(b.open("cnr_1", &sealed).unwrap(), "hunter2");
        assert!(b.open("cnr_2", &sealed).is_err());
        assert_ne!(
            b.seal("cnr_1", "hunter2").unwrap(),
            sealed,
            "a fresh nonce each time"
        );
        let other = SecretBox::from_text(&"22".repeat(32)).unwrap();
        assert!(other.open("cnr_1", &sealed).is_err());
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(SecretBox::from_text("short").is_err());
        assert!(SecretBox::from_text(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn a_key_file_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/secret.key");
        let first = SecretBox::from_file_or_new(&path).unwrap();
        let sealed = first.seal("x", "y").unwrap();
        let again = SecretBox::from_file_or_new(&path).unwrap();
        assert_eq!(again.open("x", &sealed).unwrap(), "y");
    }
}
