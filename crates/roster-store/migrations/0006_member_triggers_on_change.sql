-- Schema 6: a member's search entry and the copy of their status and name in their
-- permission rows are rewritten only when those values change. A member is written whole,
-- by an upsert that sets every column, and an `UPDATE OF` trigger fires for every column
-- set, changed or not: deactivating someone, or giving them a phone number, re-indexed
-- their name and email for search and rewrote every permission row of theirs. The server
-- made the same change (roster-server, schema 5, which also brings its search index up to
-- date once per transaction).
DROP TRIGGER members_fts_update;
CREATE TRIGGER members_fts_update AFTER UPDATE OF name, email ON members
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    INSERT INTO members_fts (members_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email);
    INSERT INTO members_fts (rowid, name, email) VALUES (new.seq, new.name, new.email);
END;
DROP TRIGGER members_listing_copy;
CREATE TRIGGER members_listing_copy AFTER UPDATE OF status, name_key ON members
WHEN old.status IS NOT new.status OR old.name_key IS NOT new.name_key BEGIN
    UPDATE permissions SET member_status = new.status, member_name_key = new.name_key WHERE member = new.id;
END;
