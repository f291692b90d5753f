//! Tokens and passwords. Tokens are 256 bits from the OS CSPRNG, handed out once and
//! stored only as SHA-256 hashes; passwords are stored only as Argon2id hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A fresh random token (URL-safe base64 of 32 bytes).
pub fn new_token() -> Result<Zeroizing<String>, rand::rand_core::OsError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.try_fill_bytes(bytes.as_mut())?;
    Ok(Zeroizing::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.as_ref()),
    ))
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An Argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash to verify against when the account does not exist, so that an unknown e-mail
/// costs the same time as a wrong password and the two cannot be told apart.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that matches nothing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_256_bit_and_stored_hashed() {
        let a = new_token().expect("csprng");
        let b = new_token().expect("csprng");
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(a.as_str())
                .expect("b64")
                .len(),
            32
        );
        assert_ne!(
            token_hash(&a),
            a.as_str(),
            "the stored form is not the token"
        );
    }

    #[test]
    fn passwords_verify_only_against_their_argon2id_hash() {
        let hash = hash_password("Tq8#vW2m@Lp5zR").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("Tq8#vW2m@Lp5zR", &hash));
        assert!(!verify_password("Tq8#vW2m@Lp5zr", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }
}
