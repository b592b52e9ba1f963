-- Field mode (issue 13): leads captured on a phone without a network sync later with a key
-- made on the device. The key makes the create idempotent: the same key returns the same
-- lead, the same key with another body is refused. A lead may carry a photo of a business card.

CREATE TABLE lead_captures (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    capture_key TEXT NOT NULL CHECK (length(capture_key) BETWEEN 8 AND 100),
    -- BLAKE2s of the request's lead fields and photo, hex.
    body_hash  TEXT NOT NULL,
    lead_id    INTEGER NOT NULL REFERENCES leads (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, capture_key)
);

CREATE TABLE lead_photos (
    lead_id      INTEGER PRIMARY KEY REFERENCES leads (id),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id)
);
