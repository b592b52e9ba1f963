-- The board's Won and Lost cards, newest close first: read in index order (the rowid breaks
-- ties) and stopped after a page, instead of sorting each day's closes.
CREATE INDEX opportunities_closed_recent ON opportunities (status, actual_close_date);

-- The user directory (every owner picker and filter) is cached in the server; this number
-- changes with every change to who is listed, by whatever path, so the cache knows when to
-- read the users again.
CREATE TABLE user_directory_revision (revision INTEGER NOT NULL);
INSERT INTO user_directory_revision VALUES (0);
CREATE TRIGGER user_directory_insert AFTER INSERT ON users BEGIN
    UPDATE user_directory_revision SET revision = revision + 1;
END;
CREATE TRIGGER user_directory_update AFTER UPDATE OF name, active ON users BEGIN
    UPDATE user_directory_revision SET revision = revision + 1;
END;
CREATE TRIGGER user_directory_delete AFTER DELETE ON users BEGIN
    UPDATE user_directory_revision SET revision = revision + 1;
END;
