//! Password hashing with Argon2id (RFC 9106), PHC string format.
//!
//! Parameters are argon2's defaults, OWASP's minimum for Argon2id
//! (19 MiB, 2 passes, 1 lane); the PHC string records them, so raising
//! them later keeps old hashes verifiable. Hashing takes tens of
//! milliseconds of CPU, so callers in async code run these on a blocking
//! thread ([`hash_blocking`], [`verify_blocking`]).

use argon2::password_hash::{PasswordHash as Phc, PasswordHasher as _, PasswordVerifier as _};
use argon2::{Argon2, password_hash::SaltString};
use rand::RngCore as _;
use store::PasswordHash;

/// Shortest password accepted. Length beats composition rules (NIST SP
/// 800-63B section 5.1.1.2).
pub const MIN_LEN: usize = 10;
/// Longest: Argon2 hashes anything, but an unbounded form field is a
/// free CPU burner.
pub const MAX_LEN: usize = 1024;

/// Whether `password` has an acceptable length (in characters).
pub fn acceptable(password: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&password.chars().count())
}

/// Hashes `password` with a fresh random salt.
pub fn hash(password: &str) -> PasswordHash {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt length");
    let phc = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2's default parameters hash any input");
    PasswordHash(phc.to_string())
}

/// Whether `password` matches `stored`. A malformed stored hash matches
/// nothing.
pub fn verify(password: &str, stored: &PasswordHash) -> bool {
    Phc::new(&stored.0).is_ok_and(|phc| {
        Argon2::default()
            .verify_password(password.as_bytes(), &phc)
            .is_ok()
    })
}

/// A hash of a password nobody has, verified against when the username
/// is unknown, so that a failed log-in takes as long whether or not the
/// account exists (no username discovery by timing).
pub fn dummy() -> &'static PasswordHash {
    static DUMMY: std::sync::LazyLock<PasswordHash> =
        std::sync::LazyLock::new(|| hash("not a password anyone has"));
    &DUMMY
}

pub async fn hash_blocking(password: String) -> PasswordHash {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .expect("hashing does not panic")
}

pub async fn verify_blocking(password: String, stored: PasswordHash) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let a = hash("correct horse battery");
        let b = hash("correct horse battery");
        assert!(a.0.starts_with("$argon2id$v=19$"), "{}", a.0);
        assert_ne!(a, b, "fresh salt each time");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("anything", &PasswordHash("garbage".into())));
    }

    #[test]
    fn passwords_must_be_ten_to_1024_characters() {
        assert!(!acceptable("short"));
        assert!(acceptable("пароль1234"), "characters, not bytes");
        assert!(!acceptable(&"x".repeat(1025)));
    }
}
