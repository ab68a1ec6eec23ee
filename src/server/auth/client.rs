//! Which address a request comes from, as login throttling knows the client.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;

/// The connection's peer address; with `trust_forwarded_for` (a reverse proxy in front that
/// appends to `X-Forwarded-For`) the right-most address there, which that proxy wrote. Any
/// other entry could have been typed by the client, so it is never used.
pub fn client_address(parts: &Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    let forwarded = trust_forwarded_for
        .then(|| {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|entry| !entry.is_empty())
                .and_then(|entry| entry.parse().ok())
        })
        .flatten();
    forwarded.or_else(|| {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(forwarded: Option<&str>) -> Parts {
        let mut builder = axum::http::Request::builder();
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let (mut parts, ()) = builder.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 40000))));
        parts
    }

    #[test]
    fn the_forwarded_header_counts_only_when_trusted_and_only_its_last_entry() {
        let peer: IpAddr = [192, 0, 2, 7].into();
        let spoofed = parts(Some("203.0.113.9, 198.51.100.4"));
        assert_eq!(client_address(&spoofed, false), Some(peer));
        assert_eq!(
            client_address(&spoofed, true),
            Some([198, 51, 100, 4].into())
        );
        assert_eq!(client_address(&parts(Some("nonsense")), true), Some(peer));
        assert_eq!(client_address(&parts(None), true), Some(peer));
    }
}
