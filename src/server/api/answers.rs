//! The answers every operation can give besides its own, added to the OpenAPI document in
//! one place so that no operation forgets one: 401 and 429 everywhere (authentication and
//! the per-key rate limit wrap every route), 403 wherever a scope is needed, 404 wherever a
//! path names a resource, 413 and 422 wherever a body is read, 422 wherever a query is
//! parsed, and 409 on every write (a stale version, a state that forbids it, or an
//! `Idempotency-Key` replayed while its first request runs).

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, Ref, RefOr, ResponseBuilder};

/// Operations any valid key may call: no scope, so never a 403.
const OPEN_TO_ANY_KEY: &[&str] = &["/api/v1/whoami"];

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| problem(description));
}

fn has_parameter(op: &Operation, place: ParameterIn) -> bool {
    op.parameters
        .as_ref()
        .is_some_and(|ps| ps.iter().any(|p| p.parameter_in == place))
}

fn complete(path: &str, op: &mut Operation, writes: bool) {
    add(
        op,
        "401",
        "no valid API key: missing, unknown, expired or revoked (`unauthorized`)",
    );
    add(
        op,
        "429",
        "the key's rate limit is spent; `Retry-After` says when to try again (`rate_limited`)",
    );
    if !OPEN_TO_ANY_KEY.contains(&path) {
        add(
            op,
            "403",
            "the key or its owner's role lacks what this needs (`forbidden`, `approval_required`)",
        );
    }
    if path.contains('{') {
        add(
            op,
            "404",
            "nothing by that id in this workspace (`not_found`)",
        );
    }
    if op.request_body.is_some() {
        add(
            op,
            "413",
            "the body is larger than the server accepts (`payload_too_large`)",
        );
        add(
            op,
            "422",
            "the body is not valid; `errors` names each bad field (`validation_failed`)",
        );
    }
    if has_parameter(op, ParameterIn::Query) || has_parameter(op, ParameterIn::Header) {
        add(
            op,
            "422",
            "a parameter is not valid; `errors` names each (`validation_failed`)",
        );
    }
    if writes {
        add(
            op,
            "409",
            "the change conflicts with the current state, a newer version, or a replay still running (`conflict`)",
        );
    }
}

/// Adds the common answers to every operation of `doc`.
pub fn complete_document(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (op, writes) in [
            (&mut item.get, false),
            (&mut item.head, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ] {
            if let Some(op) = op.as_mut() {
                complete(path, op, writes);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_documents_the_common_answers() {
        let doc = super::super::openapi();
        let mut seen = 0;
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("get", &item.get),
                ("post", &item.post),
                ("patch", &item.patch),
                ("delete", &item.delete),
            ] {
                let Some(op) = op else { continue };
                seen += 1;
                let has = |s: &str| op.responses.responses.contains_key(s);
                assert!(has("401") && has("429"), "{method} {path}");
                if path.contains('{') {
                    assert!(has("404"), "{method} {path}");
                }
                if method != "get" {
                    assert!(has("409"), "{method} {path}");
                }
                if op.request_body.is_some() {
                    assert!(has("422"), "{method} {path}");
                }
            }
        }
        assert!(seen > 30, "only {seen} operations");
    }
}
