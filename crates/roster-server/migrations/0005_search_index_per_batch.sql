-- Schema 5: the members' search index is brought up to date once per write transaction
-- instead of once per statement.
--
-- FTS5 writes what it has pending as a new segment of its index at every savepoint, and
-- every op of a pushed batch runs in a savepoint of its own (and its member upsert in a
-- statement savepoint): 500 renames made 500 segments, each indexed with every prefix, and
-- then merged. Now the triggers only note which members changed, with the name and e-mail
-- the index holds for them, and `search_index::catch_up` (run before every commit that may
-- have written members) updates the index for all of them in two statements.
--
-- A member is written whole, by an upsert that sets every column, and an `UPDATE OF`
-- trigger fires for every column set, changed or not: hence the WHEN clauses, so a status
-- change no longer touches the search index, nor a rename the permission rows unless the
-- sort key changed. Devices made the same change to their triggers (roster-store, schema 6).
DROP TRIGGER members_fts_insert;
DROP TRIGGER members_fts_delete;
DROP TRIGGER members_fts_update;

-- One row per member whose index entry is out of date; old_name and old_email are what the
-- index holds for them, NULL when it holds nothing. The first row stays: what the index
-- held when the transaction began. (An upsert, not `INSERT OR IGNORE`: a trigger's
-- statements take the conflict policy of the statement that fired them, and the member
-- upsert aborts. Nor `INSERT … SELECT … WHERE NOT EXISTS`, which reads the table it writes
-- and so goes through a temporary table: a third of a member write's time.)
CREATE TABLE members_fts_pending (
    seq       INTEGER PRIMARY KEY,
    old_name  TEXT,
    old_email TEXT
) STRICT;
CREATE TRIGGER members_fts_insert AFTER INSERT ON members BEGIN
    INSERT INTO members_fts_pending (seq) VALUES (new.seq) ON CONFLICT (seq) DO NOTHING;
END;
CREATE TRIGGER members_fts_delete AFTER DELETE ON members BEGIN
    INSERT INTO members_fts_pending (seq, old_name, old_email) VALUES (old.seq, old.name, old.email)
    ON CONFLICT (seq) DO NOTHING;
END;
CREATE TRIGGER members_fts_update AFTER UPDATE OF name, email ON members
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    INSERT INTO members_fts_pending (seq, old_name, old_email) VALUES (old.seq, old.name, old.email)
    ON CONFLICT (seq) DO NOTHING;
END;

DROP TRIGGER members_listing_copy;
CREATE TRIGGER members_listing_copy AFTER UPDATE OF status, name_key ON members
WHEN old.status IS NOT new.status OR old.name_key IS NOT new.name_key BEGIN
    UPDATE permissions SET member_status = new.status, member_name_key = new.name_key WHERE member = new.id;
END;
