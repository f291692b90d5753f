-- Roster company server schema, version 1.
-- The company's records (the same shapes the clients replicate), then what only the
-- server keeps: accounts, sessions, invitation tokens, the mail outbox, the change log and
-- the audit trail. Secrets are stored only as hashes.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE company (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL
) STRICT;

CREATE TABLE subscriptions (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    edition  TEXT NOT NULL CHECK (edition IN ('standard', 'enterprise', 'sentry'))
) STRICT;

CREATE TABLE infrastructures (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL UNIQUE,
    subscription TEXT NOT NULL REFERENCES subscriptions (id),
    hosting      TEXT NOT NULL CHECK (hosting IN ('cloud', 'hybrid', 'self_managed'))
) STRICT;
CREATE INDEX infrastructures_by_subscription ON infrastructures (subscription);

CREATE TABLE environments (
    id              TEXT PRIMARY KEY,
    infra           TEXT NOT NULL REFERENCES infrastructures (id),
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    slot_registered INTEGER NOT NULL CHECK (slot_registered IN (0, 1)),
    licence_expires TEXT,
    UNIQUE (infra, name_key)
) STRICT;

-- seq is the rowid the full-text index refers to.
CREATE TABLE members (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    email            TEXT NOT NULL,
    email_key        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('it_user', 'end_user')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'active', 'deactivated')),
    company_admin    INTEGER NOT NULL CHECK (company_admin IN (0, 1)),
    administrator    INTEGER NOT NULL CHECK (administrator IN (0, 1)),
    phone            TEXT,
    security_contact INTEGER NOT NULL CHECK (security_contact IN (0, 1)),
    created_at       INTEGER NOT NULL,
    CHECK (security_contact = 0 OR phone IS NOT NULL)
) STRICT;
CREATE INDEX members_by_name ON members (name_key, id);
CREATE INDEX members_by_status_name ON members (status, name_key, id);
CREATE INDEX members_company_admins ON members (status) WHERE company_admin = 1;

CREATE VIRTUAL TABLE members_fts USING fts5 (
    name, email,
    content = 'members', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4'
);
CREATE TRIGGER members_fts_insert AFTER INSERT ON members BEGIN
    INSERT INTO members_fts (rowid, name, email) VALUES (new.seq, new.name, new.email);
END;
CREATE TRIGGER members_fts_delete AFTER DELETE ON members BEGIN
    INSERT INTO members_fts (members_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email);
END;
CREATE TRIGGER members_fts_update AFTER UPDATE OF name, email ON members BEGIN
    INSERT INTO members_fts (members_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email);
    INSERT INTO members_fts (rowid, name, email) VALUES (new.seq, new.name, new.email);
END;

-- member_status and member_name_key copy the member's status and sort key (kept by the
-- trigger below), so one infrastructure's members, filtered by status and ordered by
-- name, are an index range rather than a walk over every member.
CREATE TABLE permissions (
    member          TEXT NOT NULL REFERENCES members (id),
    infra           TEXT NOT NULL REFERENCES infrastructures (id),
    level           TEXT NOT NULL CHECK (level IN ('infra_admin', 'member')),
    member_status   TEXT NOT NULL,
    member_name_key TEXT NOT NULL,
    PRIMARY KEY (member, infra)
) STRICT, WITHOUT ROWID;
CREATE INDEX permissions_listing ON permissions (infra, member_status, member_name_key, member);
CREATE INDEX permissions_listing_by_level ON permissions (infra, level, member_status, member_name_key, member);
CREATE TRIGGER members_listing_copy AFTER UPDATE OF status, name_key ON members BEGIN
    UPDATE permissions SET member_status = new.status, member_name_key = new.name_key WHERE member = new.id;
END;

CREATE TABLE dev_permissions (
    member TEXT NOT NULL REFERENCES members (id),
    infra  TEXT NOT NULL REFERENCES infrastructures (id),
    PRIMARY KEY (member, infra)
) STRICT, WITHOUT ROWID;
CREATE INDEX dev_permissions_by_infra ON dev_permissions (infra, member);

CREATE TABLE apps (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE roles (
    id       TEXT PRIMARY KEY,
    app      TEXT NOT NULL REFERENCES apps (id),
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL,
    UNIQUE (app, name_key)
) STRICT;

CREATE TABLE role_assignments (
    member TEXT NOT NULL REFERENCES members (id),
    role   TEXT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (member, role)
) STRICT, WITHOUT ROWID;
CREATE INDEX role_assignments_by_role ON role_assignments (role, member);

-- A member has at most one invitation; a resend replaces its id and dates.
CREATE TABLE invitations (
    member     TEXT PRIMARY KEY REFERENCES members (id),
    id         TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'expired', 'revoked')),
    sent_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE support_contacts (
    email_key TEXT PRIMARY KEY,
    email     TEXT NOT NULL,
    name      TEXT
) STRICT;

-- The reporter is not a foreign key: a case outlives the deletion of its reporter.
CREATE TABLE support_cases (
    id             TEXT PRIMARY KEY,
    infra          TEXT NOT NULL REFERENCES infrastructures (id),
    reporter       TEXT NOT NULL,
    title          TEXT NOT NULL,
    needs_approval INTEGER NOT NULL CHECK (needs_approval IN (0, 1)),
    opened_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE case_contacts (
    case_id   TEXT NOT NULL REFERENCES support_cases (id),
    email_key TEXT NOT NULL REFERENCES support_contacts (email_key),
    email     TEXT NOT NULL,
    PRIMARY KEY (case_id, email_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_contacts_by_contact ON case_contacts (email_key, case_id);

-- Argon2id PHC strings only; a member without a row has not set a password yet.
CREATE TABLE accounts (
    member        TEXT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    changed_at    INTEGER NOT NULL
) STRICT;

-- Session tokens are stored as SHA-256 hashes; the token itself is only ever in the
-- client's hands.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    member     TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    address    TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_member ON sessions (member);

-- An invitation or password-reset link's token, hashed. Valid only while it names the
-- member's current, pending invitation (invitation links) and has not expired.
CREATE TABLE link_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    member     TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    invitation TEXT,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX link_tokens_by_member ON link_tokens (member);

-- Mail waiting to be sent; a row leaves only when the SMTP server accepted it.
CREATE TABLE mail_outbox (
    id           INTEGER PRIMARY KEY,
    recipient    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error   TEXT,
    sent_at      INTEGER
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt) WHERE sent_at IS NULL;

-- Every applied op once, by its id: a retried op returns its first result.
CREATE TABLE change_log (
    seq     INTEGER PRIMARY KEY,
    op_id   TEXT NOT NULL UNIQUE,
    actor   TEXT NOT NULL,
    at      INTEGER NOT NULL,
    op      TEXT NOT NULL,
    summary TEXT NOT NULL,
    changes TEXT NOT NULL
) STRICT;

-- Every change and every refused attempt, hash-chained like the clients' trail.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    address   TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    action    TEXT NOT NULL,
    summary   TEXT NOT NULL,
    infras    TEXT NOT NULL,
    changes   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE audit_infras (
    infra TEXT NOT NULL,
    seq   INTEGER NOT NULL REFERENCES audit (seq),
    PRIMARY KEY (infra, seq)
) STRICT, WITHOUT ROWID;
