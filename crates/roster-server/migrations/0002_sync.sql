-- Schema 2: sync. The first answer to every op that was not applied (unchanged or
-- refused), by its id, so a retried op gets the same answer; applied ops are found in
-- change_log. `actor` is the account that sent it: an op id is not shared across accounts.
CREATE TABLE op_results (
    op_id   TEXT PRIMARY KEY,
    actor   TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('unchanged', 'refused')),
    summary TEXT NOT NULL,
    code    TEXT,
    message TEXT
) STRICT;
