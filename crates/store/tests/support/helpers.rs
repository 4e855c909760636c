//! Small builders shared by the query tests.
// Each test file uses a subset.
#![allow(dead_code)]

use store::{NewUser, Passkey, PasswordHash, PolicyCount, Role, Store, Username};
use tracker_proto::InfoHash;

pub fn hash(i: u32) -> InfoHash {
    let mut h = [0u8; 20];
    h[..4].copy_from_slice(&i.to_be_bytes());
    InfoHash(h)
}

pub fn count(country: &str, decision: &str, n: u64) -> PolicyCount {
    PolicyCount {
        scope: "tracker".into(),
        country: country.into(),
        rule: "r".into(),
        decision: decision.into(),
        count: n,
    }
}

pub fn name(s: &str) -> Username {
    Username::parse(s).unwrap()
}

/// Creates `username` with a passkey derived from `seed`.
pub async fn add_user(store: &Store, username: &str, role: Role, seed: u8) -> i64 {
    store
        .create_user(&NewUser {
            username: &name(username),
            password_hash: &PasswordHash("$argon2id$fake".into()),
            role,
            passkey: &Passkey::from_bytes([seed; 16]),
            created_at: 1_000,
        })
        .await
        .unwrap()
}
