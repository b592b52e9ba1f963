-- Marketing lists (issue 15). The first schema's tables were never used: they are rebuilt
-- with what a list needs (static or dynamic, purpose, who changed it) and what a membership
-- records (who added it, when and from where).

DROP TABLE marketing_list_members;
DROP TABLE marketing_lists;

CREATE TABLE marketing_lists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    member_type TEXT NOT NULL CHECK (member_type IN ('lead', 'contact', 'account')),
    -- Static lists hold chosen members; dynamic lists are whoever matches `query` now.
    kind        TEXT NOT NULL CHECK (kind IN ('static', 'dynamic')),
    -- A dynamic list's saved view: the query string of its member type's list page.
    query       TEXT NOT NULL DEFAULT '',
    description TEXT,
    purpose     TEXT,
    owner_id    INTEGER NOT NULL REFERENCES users (id),
    version     INTEGER NOT NULL DEFAULT 1,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    -- Also moved by every change of its members.
    modified_by INTEGER NOT NULL REFERENCES users (id),
    modified_at TEXT NOT NULL
);

CREATE TABLE marketing_list_members (
    list_id    INTEGER NOT NULL REFERENCES marketing_lists (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL,
    added_by   INTEGER NOT NULL REFERENCES users (id),
    added_at   TEXT NOT NULL,
    -- Where it was added from: "List view", "Record", "Copied from …", "Import …", "Web form …".
    added_from TEXT NOT NULL,
    PRIMARY KEY (list_id, member_id)
) WITHOUT ROWID;
-- "Member of" on a record page.
CREATE INDEX marketing_list_members_member ON marketing_list_members (member_id, list_id);

-- Consent: who may be emailed, phoned or mailed. Changes are in the record's history.
ALTER TABLE leads ADD COLUMN do_not_email INTEGER NOT NULL DEFAULT 0 CHECK (do_not_email IN (0, 1));
ALTER TABLE leads ADD COLUMN do_not_phone INTEGER NOT NULL DEFAULT 0 CHECK (do_not_phone IN (0, 1));
ALTER TABLE leads ADD COLUMN do_not_mail INTEGER NOT NULL DEFAULT 0 CHECK (do_not_mail IN (0, 1));
ALTER TABLE contacts ADD COLUMN do_not_email INTEGER NOT NULL DEFAULT 0 CHECK (do_not_email IN (0, 1));
ALTER TABLE contacts ADD COLUMN do_not_phone INTEGER NOT NULL DEFAULT 0 CHECK (do_not_phone IN (0, 1));
ALTER TABLE contacts ADD COLUMN do_not_mail INTEGER NOT NULL DEFAULT 0 CHECK (do_not_mail IN (0, 1));

-- A web form can put every lead it creates into a static list of leads.
ALTER TABLE web_forms ADD COLUMN list_id INTEGER REFERENCES marketing_lists (id) ON DELETE SET NULL;
