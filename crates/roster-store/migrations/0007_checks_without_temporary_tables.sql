-- Schema 7: a CHECK that allows one of three or more values compares with each, instead
-- of `IN (...)`. SQLite evaluates a constant IN list of more than two values by building
-- a temporary b-tree of the list, and a CHECK does that again for every row it checks:
-- every member and invitation written opened and closed one. Without it, storing a
-- member takes half the instructions it did, an invitation a third, and storing a whole
-- first sync a fifth fewer (callgrind, 10,000 members).
--
-- A CHECK constraint lives only in the table's SQL, not in its rows or indexes, so the SQL
-- is rewritten in place, as SQLite documents for changing CHECK constraints ("Making
-- Other Kinds Of Table Schema Changes", https://sqlite.org/lang_altertable.html). The
-- constraints accept exactly the same values as before, so no row needs checking again.
-- `migrate` moves the schema cookie on afterwards, which makes every connection read the
-- new SQL. The server made the same change (roster-server, schema 6).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (edition IN (''standard'', ''enterprise'', ''sentry''))',
    'CHECK (edition = ''standard'' OR edition = ''enterprise'' OR edition = ''sentry'')')
WHERE type = 'table' AND name = 'subscriptions';
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (hosting IN (''cloud'', ''hybrid'', ''self_managed''))',
    'CHECK (hosting = ''cloud'' OR hosting = ''hybrid'' OR hosting = ''self_managed'')')
WHERE type = 'table' AND name = 'infrastructures';
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN (''pending'', ''active'', ''deactivated''))',
    'CHECK (status = ''pending'' OR status = ''active'' OR status = ''deactivated'')')
WHERE type = 'table' AND name = 'members';
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (state IN (''pending'', ''accepted'', ''expired'', ''revoked''))',
    'CHECK (state = ''pending'' OR state = ''accepted'' OR state = ''expired'' OR state = ''revoked'')')
WHERE type = 'table' AND name = 'invitations';
PRAGMA writable_schema = OFF;
