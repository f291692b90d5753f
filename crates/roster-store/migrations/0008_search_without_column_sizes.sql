-- Schema 8: the search index keeps no token counts per member (FTS5 `columnsize=0`).
-- FTS5 keeps them for ranking (bm25), and Roster orders what a search finds by name: they
-- were a table of one row per member (1.1 MB at 100,000 members), written at every change
-- of a name or e-mail and copied at every first sync. The index itself, and so every
-- search, is the same as before.
DROP TRIGGER members_fts_insert;
DROP TRIGGER members_fts_delete;
DROP TRIGGER members_fts_update;
DROP TABLE members_fts;

CREATE VIRTUAL TABLE members_fts USING fts5 (
    name, email,
    content = 'members', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4',
    columnsize = 0
);
CREATE TRIGGER members_fts_insert AFTER INSERT ON members BEGIN
    INSERT INTO members_fts (rowid, name, email) VALUES (new.seq, new.name, new.email);
END;
CREATE TRIGGER members_fts_delete AFTER DELETE ON members BEGIN
    INSERT INTO members_fts (members_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email);
END;
CREATE TRIGGER members_fts_update AFTER UPDATE OF name, email ON members
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    INSERT INTO members_fts (members_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email);
    INSERT INTO members_fts (rowid, name, email) VALUES (new.seq, new.name, new.email);
END;

-- Indexed whole at once, with a 16 MiB hash as a first sync's load uses, then FTS5's
-- default for the small writes that follow (see `write::rebuild_search_index`).
INSERT INTO members_fts (members_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO members_fts (members_fts) VALUES ('rebuild');
INSERT INTO members_fts (members_fts, rank) VALUES ('hashsize', 1048576);
