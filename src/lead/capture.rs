//! Leads captured in the field: the device's idempotency key, the fingerprint of what was
//! sent with it, and the photo of a business card. Plain rules, no database.

use super::rules::LeadInput;
use crate::error::AppError;

/// The largest card photo kept, decoded. The phone downscales to 1280 px JPEG (~150–300 KB)
/// before anything is sent or queued, so only a hostile or broken client reaches this.
pub const MAX_PHOTO_BYTES: usize = 1024 * 1024;

/// A decoded photo of a business card with the type its bytes prove it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPhoto {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A capture key made on the device (a UUID): 8–100 letters, digits and dashes.
pub fn check_capture_key(key: &str) -> Result<&str, AppError> {
    let key = key.trim();
    if (8..=100).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(key)
    } else {
        Err(AppError::BadRequest(
            "The capture key must be 8 to 100 letters, digits or dashes.".into(),
        ))
    }
}

/// The fingerprint of a capture's body: the same key must always come with the same one.
pub fn body_hash(lead: &LeadInput, card_photo: &str) -> String {
    use blake2::{Blake2s256, Digest};
    let body = serde_json::to_vec(&(lead, card_photo)).unwrap_or_default();
    Blake2s256::digest(&body)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Reads the photo field: empty (no photo) or a `data:image/…;base64,` URL whose bytes are a
/// JPEG, PNG or WebP image of at most `MAX_PHOTO_BYTES`. The declared type is not trusted:
/// the bytes' own signature decides.
pub fn parse_card_photo(data_url: &str) -> Result<Option<CardPhoto>, AppError> {
    use base64::Engine;
    let data_url = data_url.trim();
    if data_url.is_empty() {
        return Ok(None);
    }
    let invalid = || AppError::field("card_photo", "The photo must be a JPEG, PNG or WebP image.");
    let encoded = data_url
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .map(|(_, encoded)| encoded)
        .ok_or_else(invalid)?;
    // Four base64 characters carry three bytes: refuse an oversized photo before decoding it.
    if encoded.len() / 4 * 3 > MAX_PHOTO_BYTES + 3 {
        return Err(too_big());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| invalid())?;
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(too_big());
    }
    let content_type = image_type(&bytes).ok_or_else(invalid)?;
    Ok(Some(CardPhoto {
        content_type,
        bytes,
    }))
}

fn too_big() -> AppError {
    AppError::field(
        "card_photo",
        format!("The photo is larger than {} KB.", MAX_PHOTO_BYTES / 1024),
    )
}

/// The image type the bytes' signature shows, if it is one a card photo may be.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn data_url(mime: &str, bytes: &[u8]) -> String {
        format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn a_photo_is_known_by_its_bytes_not_its_declared_type() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let photo = parse_card_photo(&data_url("image/png", &jpeg))
            .unwrap()
            .unwrap();
        assert_eq!(photo.content_type, "image/jpeg");
        assert_eq!(photo.bytes, jpeg);
        let svg = b"<svg onload=alert(1)>";
        assert!(parse_card_photo(&data_url("image/jpeg", svg)).is_err());
        assert!(parse_card_photo("data:image/jpeg;base64,@@@").is_err());
        assert!(parse_card_photo("https://example.com/card.jpg").is_err());
        assert_eq!(parse_card_photo("  ").unwrap(), None);
    }

    #[test]
    fn an_oversized_photo_is_refused_with_its_limit() {
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        let error = parse_card_photo(&data_url("image/jpeg", &big)).unwrap_err();
        assert_eq!(
            error.field_message("card_photo").as_deref(),
            Some("The photo is larger than 1024 KB.")
        );
        let mut largest = vec![0xFF, 0xD8, 0xFF];
        largest.resize(MAX_PHOTO_BYTES, 0);
        assert!(parse_card_photo(&data_url("image/jpeg", &largest)).is_ok());
    }

    #[test]
    fn capture_keys_are_short_plain_tokens() {
        assert!(check_capture_key("0b6c1f9e-4d1a-4c2b-9a57-3e8f1d2c4b5a").is_ok());
        assert!(check_capture_key("short").is_err());
        assert!(check_capture_key("has spaces in it").is_err());
        assert!(check_capture_key(&"a".repeat(101)).is_err());
    }

    #[test]
    fn the_body_hash_changes_with_any_field_or_the_photo() {
        let lead = LeadInput {
            last_name: "Lee".into(),
            ..Default::default()
        };
        let other = LeadInput {
            last_name: "Li".into(),
            ..Default::default()
        };
        assert_eq!(body_hash(&lead, ""), body_hash(&lead.clone(), ""));
        assert_ne!(body_hash(&lead, ""), body_hash(&other, ""));
        assert_ne!(
            body_hash(&lead, ""),
            body_hash(&lead, "data:image/png;base64,AA==")
        );
        assert_eq!(body_hash(&lead, "").len(), 64);
    }
}
