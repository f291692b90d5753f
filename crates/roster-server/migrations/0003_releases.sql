-- Releases of the desktop app that `roster-server release add` published. The file lives
-- in the data folder under releases/<sha256>/<file_name>; the app checks `signature`
-- against the public key built into it before installing anything.
CREATE TABLE releases (
    id           INTEGER PRIMARY KEY,
    version      TEXT    NOT NULL,
    os           TEXT    NOT NULL,
    arch         TEXT    NOT NULL,
    bundle       TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    signature    TEXT    NOT NULL,
    notes        TEXT,
    published_at INTEGER NOT NULL,
    UNIQUE (os, arch, bundle, version)
);
