//! The OpenAPI document at `/api/v1/openapi.json` against the router
//! that serves it: every `/api/v1` path written in this crate's source
//! is documented, every documented operation is routed, and every other
//! method on a documented path is refused with 405.

mod release_helpers;
mod support;

use release_helpers::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use support::App;

/// The methods probed on every path; `HEAD` follows `GET` in axum and
/// `OPTIONS`/`TRACE` are served by no route.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

async fn document(app: &App) -> Value {
    let r = app.browser().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    r.json()
}

/// Documented methods by path.
fn operations(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = METHODS
                .iter()
                .filter(|m| item.get(m.to_ascii_lowercase()).is_some())
                .map(|m| (*m).to_owned())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// A path with every `{parameter}` written as `{}`, so that a route
/// pattern and a `format!` string compare equal.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_braces = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_braces = true;
                out.push_str("{}");
            }
            '}' => in_braces = false,
            c if !in_braces => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every string literal in `dir` (recursively) that starts with
/// `/api/v`, outside comments, with where it is.
fn api_literals(dir: &Path, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            api_literals(&path, found);
            continue;
        }
        let shown = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&path);
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let mut rest = line;
            while let Some(at) = rest.find("\"/api/v") {
                let literal = &rest[at + 1..];
                let end = literal.find('"').unwrap_or(literal.len());
                found.push((
                    format!("{}:{}", shown.display(), n + 1),
                    literal[..end].to_owned(),
                ));
                rest = &literal[end..];
            }
        }
    }
}

#[tokio::test]
async fn every_api_path_in_the_source_is_documented() {
    let app = app().await;
    let documented: BTreeSet<String> = operations(&document(&app).await)
        .keys()
        .map(|p| shape(p))
        .collect();
    let mut found = Vec::new();
    api_literals(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    // The scan itself works: these are written in the source.
    for known in ["/api/v1/me", "/api/v1/releases/{id}", "/api/v1/auth/token"] {
        assert!(
            found.iter().any(|(_, literal)| literal == known),
            "{known} not found by the scan"
        );
    }
    let undocumented: Vec<String> = found
        .iter()
        .filter(|(_, literal)| !documented.contains(&shape(literal)))
        .map(|(place, literal)| format!("{place}: {literal}"))
        .collect();
    assert!(
        undocumented.is_empty(),
        "JSON API paths without an OpenAPI description (annotate the handler with \
         #[utoipa::path] and register it with routes!() in its module's api()):\n{}",
        undocumented.join("\n")
    );
}

#[tokio::test]
async fn the_router_answers_exactly_the_documented_methods() {
    let app = app().await;
    let token = api_token(&app, "admin").await;
    let operations = operations(&document(&app).await);
    assert!(operations.len() >= 10, "{operations:?}");
    for (path, documented) in &operations {
        // Any value does: a route either matches the path or not, and a
        // missing id is the handler's 404, never a 405.
        let concrete = path.replace("{id}", "1");
        assert!(!concrete.contains('{'), "a parameter to fill in: {path}");
        let mut routed = BTreeSet::new();
        // DELETE last: it may revoke the token or delete the release,
        // which changes the answers, never whether there is a route.
        for method in METHODS {
            let r = bearer_request(&app, &token, method, &concrete, None).await;
            if r.status != StatusCode::METHOD_NOT_ALLOWED {
                routed.insert(method.to_owned());
                continue;
            }
            // RFC 9110 section 15.5.6: a 405 lists what is allowed.
            let allow = r.headers.get(header::ALLOW).unwrap().to_str().unwrap();
            let allowed: BTreeSet<String> = allow.split(',').map(|m| m.trim().to_owned()).collect();
            assert!(
                allowed.is_superset(documented),
                "{method} {path}: Allow: {allow}"
            );
        }
        assert_eq!(&routed, documented, "{path}: routed methods vs documented");
    }
}

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404() {
    let app = app().await;
    let r = app.browser().get("/api/v1/no-such-thing").await;
    expect_error(&r, StatusCode::NOT_FOUND, "not_found");
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_hangs_together() {
    let app = app().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(!targets.is_empty());
    for target in targets {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {target}"));
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            assert!(op["security"].is_array(), "{method} {path}: no security");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("451"), "{method} {path}: no 451");
            for name in path.split('{').skip(1).filter_map(|s| s.split_once('}')) {
                let declared = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name.0 && p["in"] == "path"));
                assert!(declared, "{method} {path}: parameter {} undeclared", name.0);
            }
            // Every refusal is `{code, message}`, the gate's 451 aside.
            for (status, response) in responses {
                if status.starts_with('4') && status != "451" {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_upload_is_described_as_multipart_with_a_binary_torrent() {
    let app = app().await;
    let doc = document(&app).await;
    let body = &doc["paths"]["/api/v1/releases"]["post"]["requestBody"]["content"];
    let schema = &body["multipart/form-data"]["schema"];
    let schema = match schema["$ref"].as_str() {
        Some(target) => doc.pointer(&target[1..]).unwrap(),
        None => schema,
    };
    assert_eq!(schema["properties"]["torrent"]["format"], "binary");
    let required = schema["required"].as_array().unwrap();
    assert!(required.contains(&Value::from("torrent")), "{schema}");
    assert!(!required.contains(&Value::from("title")), "{schema}");
}
