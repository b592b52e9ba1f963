//! The signed token every rendered web form carries: which form, when it was rendered and
//! the submission id that makes a double click, a retry or a replay create one lead. The
//! server's secret signs it (keyed BLAKE2s), so a bot cannot forge an older render time.

use blake2::Blake2sMac256;
use blake2::digest::{KeyInit, Mac};
use sqlx::SqlitePool;

/// A verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormToken {
    pub form_id: i64,
    /// Unix seconds.
    pub rendered_at: i64,
    pub submission_id: String,
}

fn mac(secret: &[u8; 32], body: &str) -> Blake2sMac256 {
    let mut mac =
        <Blake2sMac256 as KeyInit>::new_from_slice(secret).expect("a 32-byte key fits BLAKE2s");
    mac.update(body.as_bytes());
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh token for form `form_id` rendered at `rendered_at`, with a new submission id.
pub fn issue(secret: &[u8; 32], form_id: i64, rendered_at: i64) -> String {
    use rand::RngCore;
    let mut id = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    sign(
        secret,
        &FormToken {
            form_id,
            rendered_at,
            submission_id: hex(&id),
        },
    )
}

pub fn sign(secret: &[u8; 32], token: &FormToken) -> String {
    let body = format!(
        "{}.{}.{}",
        token.form_id, token.rendered_at, token.submission_id
    );
    let tag = hex(&mac(secret, &body).finalize().into_bytes());
    format!("{body}.{tag}")
}

/// The token's contents if the server signed it (in constant time).
pub fn verify(secret: &[u8; 32], text: &str) -> Option<FormToken> {
    let (body, tag) = text.trim().rsplit_once('.')?;
    let tag: Vec<u8> = (0..tag.len())
        .step_by(2)
        .map(|i| {
            tag.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<_>>()?;
    mac(secret, body).verify_slice(&tag).ok()?;
    let mut parts = body.splitn(3, '.');
    let form_id = parts.next()?.parse().ok()?;
    let rendered_at = parts.next()?.parse().ok()?;
    let submission_id = parts.next()?.to_string();
    let well_formed = (8..=64).contains(&submission_id.len())
        && submission_id.chars().all(|c| c.is_ascii_hexdigit());
    well_formed.then_some(FormToken {
        form_id,
        rendered_at,
        submission_id,
    })
}

/// The signing key: made once per database and kept there, so tokens survive a restart.
pub async fn load_secret(pool: &SqlitePool) -> Result<[u8; 32], sqlx::Error> {
    use rand::RngCore;
    let mut fresh = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut fresh);
    sqlx::query("INSERT OR IGNORE INTO app_secrets (name, value) VALUES ('web_form_token', ?)")
        .bind(fresh.as_slice())
        .execute(pool)
        .await?;
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT value FROM app_secrets WHERE name = 'web_form_token'")
            .fetch_one(pool)
            .await?;
    Ok(stored.try_into().unwrap_or(fresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_any_change_breaks_it() {
        let secret = [7u8; 32];
        let text = issue(&secret, 12, 1_700_000_000);
        let token = verify(&secret, &text).expect("valid");
        assert_eq!((token.form_id, token.rendered_at), (12, 1_700_000_000));
        assert_eq!(token.submission_id.len(), 32);
        let forged = text.replacen("1700000000", "1600000000", 1);
        assert_eq!(verify(&secret, &forged), None);
        assert_eq!(verify(&[8u8; 32], &text), None);
        for junk in ["", ".", "1.2.3", "1.2.abc.zz", &format!("{text}x")] {
            assert_eq!(verify(&secret, junk), None, "{junk}");
        }
        assert_ne!(issue(&secret, 12, 1), issue(&secret, 12, 1));
    }
}
