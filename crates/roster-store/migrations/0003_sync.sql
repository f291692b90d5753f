-- Schema 3: sync with a company server.
--
-- An op in the outbox keeps the changes it made here (`changes`), so a pull can take the
-- device's pending ops off, apply the server's changes, and put them back on top; and the
-- change-log sequence number the server applied it at, once known (`applied_seq`; 0 for
-- an op the server found already done). It leaves when the pull passes that number.
ALTER TABLE outbox ADD COLUMN changes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE outbox ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN applied_seq INTEGER;

-- Ops the server rejected, or that no longer apply after a pull: kept, with the reason,
-- until the admin retries or discards them. Nothing leaves silently.
CREATE TABLE conflicts (
    id       INTEGER PRIMARY KEY,
    op_id    TEXT NOT NULL UNIQUE,
    envelope TEXT NOT NULL,
    summary  TEXT NOT NULL,
    code     TEXT NOT NULL,
    message  TEXT NOT NULL,
    -- `server`: the server rejected it; `pull`: the changes pulled make it refused here.
    origin   TEXT NOT NULL CHECK (origin IN ('server', 'pull')),
    found_at INTEGER NOT NULL
) STRICT;

-- The company server's audit entries this account may read, as the server sent them.
CREATE TABLE server_audit (
    seq   INTEGER PRIMARY KEY,
    entry TEXT NOT NULL
) STRICT;
