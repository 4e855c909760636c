//! The JSON API against its own OpenAPI document: schemathesis generates
//! requests from `/api/v1/openapi.json` (valid and invalid ones, and
//! sequences that follow the document's links) and sends them to a real
//! server on 127.0.0.1. The run fails on any 5xx, and on any answer the
//! document does not describe: an undocumented status, content type or
//! header, a body that does not match its schema, invalid input
//! accepted, an unsupported method not refused with 405.
//!
//! The run is split so that the destructive operations cannot make the
//! rest meaningless: an admin's token with every method but DELETE; a
//! second admin token for deleting releases and categories; no
//! credentials at all; and last, each with a member's token of its own,
//! deleting the account (the password is never guessed: wrong passwords
//! and the throttle are what is exercised) and revoking the token.
//!
//! Left out: schemathesis' `positive_data_acceptance`, which expects
//! every request the schemas allow to succeed, while whether a category
//! exists, a slug is free or a file is a .torrent depends on the data;
//! `object_level_authorization`, which needs identities configured for
//! it; and, without credentials, `unsupported_method`: the CSRF check
//! refuses a state-changing method that carries neither a bearer token
//! nor a CSRF token (403 `csrf_failed`) before routing, so no route can
//! skip it, and schemathesis excuses such a 403 only on operations that
//! declare security, which the token endpoint does not.
//!
//! schemathesis is a Python package: `scripts/test-all.sh` installs it
//! into `target/pyenv` and exports `SWARMGATE_TEST_SCHEMATHESIS`.

mod support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use support::{config_for, http_request, start_in};

const PASSWORD: &str = "correct horse battery";

/// Everything schemathesis checks, but the two left out above.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
    response_headers_conformance,response_schema_conformance,negative_data_rejection,\
    missing_required_header,unsupported_method,allow_header_conformance,use_after_free,\
    ensure_resource_availability,ignored_auth";

fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("SWARMGATE_TEST_SCHEMATHESIS") {
        return path.into();
    }
    let installed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/schemathesis");
    assert!(
        installed.exists(),
        "schemathesis is not installed: run scripts/test-all.sh, which installs it into \
         target/pyenv (or set SWARMGATE_TEST_SCHEMATHESIS to its path)"
    );
    installed
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../metainfo/tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn add_user(store: &store::Store, name: &str, role: store::Role, seed: u8) -> i64 {
    store
        .create_user(&store::NewUser {
            username: &store::Username::parse(name).unwrap(),
            password_hash: &portal::passwords::hash(PASSWORD),
            role,
            passkey: &store::Passkey::from_bytes([seed; 16]),
            created_at: 1,
        })
        .await
        .unwrap()
}

/// A new API token for `user`, as `POST /api/v1/auth/token` makes them.
async fn token(store: &store::Store, user: i64) -> String {
    let (token, hash) = portal::session::new_token();
    store.create_api_token(&hash, user, 1).await.unwrap();
    token
}

/// Stores the fixture `name` as a release by `uploader`.
async fn add_release(
    store: &store::Store,
    name: &str,
    uploader: i64,
    status: store::ReleaseStatus,
) -> i64 {
    let bytes = fixture(name);
    let meta = metainfo::Metainfo::parse(&bytes, &metainfo::Limits::default()).unwrap();
    let hashes = meta.info_hashes();
    let files: Vec<store::ReleaseFile> = meta
        .files()
        .iter()
        .map(|f| store::ReleaseFile {
            path: format!("{}/{}", meta.name(), f.display_path()),
            length: f.length,
        })
        .collect();
    let category = store.categories().await.unwrap()[0].id;
    store
        .create_release(&store::NewRelease {
            info_hash_v1: hashes.v1(),
            info_hash_v2: hashes.v2().map(|h| h.0),
            title: meta.name(),
            description_md: "A *test* release.",
            category_id: category,
            uploader_id: uploader,
            status,
            size: meta.total_size(),
            private: meta.is_private(),
            torrent: meta.as_bytes(),
            created_at: 1_767_225_600,
            files: &files,
            tags: &["linux".to_owned()],
        })
        .await
        .unwrap()
}

/// Runs one schemathesis pass; panics with its report unless it passed.
async fn pass(what: &str, document: &str, token: Option<&str>, args: &[&str], seconds: u32) {
    let program = schemathesis();
    let mut command = Command::new(&program);
    command
        .args(["run", document, "--checks", CHECKS])
        .args(["--max-time", &seconds.to_string(), "--max-examples", "25"])
        .args(["--request-timeout", "10", "--generation-database", "none"])
        .args(["--no-color", "--output-truncate", "false"])
        .args(args);
    if let Some(token) = token {
        command.args(["--header", &format!("Authorization: Bearer {token}")]);
    }
    // Nothing of it lands in the source tree.
    let scratch = tempfile::tempdir().unwrap();
    command.current_dir(scratch.path());
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis, {what}: {}\n{report}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let cases = report
        .lines()
        .find(|l| l.contains(" generated, "))
        .unwrap_or("")
        .trim();
    eprintln!("schemathesis, {what}: {cases} in {:.0?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_its_openapi_contract_under_schemathesis() {
    let (data_dir, store) = support::migrated_store().await;
    let admin = add_user(&store, "admin", store::Role::Admin, 1).await;
    let member = add_user(&store, "member", store::Role::Member, 2).await;
    let leaver = add_user(&store, "leaver", store::Role::Member, 3).await;
    let approved = store::ReleaseStatus::Approved;
    add_release(&store, "v1-single.torrent", admin, approved).await;
    add_release(&store, "v1-multi.torrent", admin, approved).await;
    add_release(&store, "v2-single.torrent", member, approved).await;
    add_release(
        &store,
        "hybrid-multi.torrent",
        member,
        store::ReleaseStatus::Pending,
    )
    .await;
    let tokens = [
        token(&store, admin).await,
        token(&store, admin).await,
        token(&store, leaver).await,
        token(&store, member).await,
    ];
    store.close().await;

    let config = config_for(IpAddr::from([127, 0, 0, 1]), data_dir.path());
    let server = start_in(config, data_dir).await;
    let addr = server.running.portal_addr();
    let document = format!("http://{addr}/api/v1/openapi.json");
    let document = document.as_str();

    pass(
        "an admin, every method but DELETE",
        document,
        Some(&tokens[0]),
        &["--exclude-method", "DELETE"],
        40,
    )
    .await;
    pass(
        "an admin deleting releases and categories",
        document,
        Some(&tokens[1]),
        &[
            "--include-method",
            "DELETE",
            "--exclude-operation-id",
            "delete_account",
            "--exclude-operation-id",
            "revoke_token",
        ],
        15,
    )
    .await;
    pass(
        "no credentials",
        document,
        None,
        &["--exclude-checks", "unsupported_method"],
        20,
    )
    .await;
    pass(
        "a member deleting their account",
        document,
        Some(&tokens[2]),
        &["--include-operation-id", "delete_account"],
        8,
    )
    .await;
    pass(
        "a member revoking their token",
        document,
        Some(&tokens[3]),
        &["--include-operation-id", "revoke_token"],
        5,
    )
    .await;

    // The first token survived everything: the passes exercised the API
    // rather than locking themselves out.
    let bearer = format!("Bearer {}", tokens[0]);
    let me = http_request(
        IpAddr::from([127, 0, 0, 1]),
        addr,
        "/api/v1/me",
        &[("Authorization", &bearer)],
    );
    assert_eq!(me.status, 200, "{}", me.text());
    server.running.stop().await.unwrap();
}
