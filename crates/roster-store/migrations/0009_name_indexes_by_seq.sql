-- Schema 9: the two name indexes order members of the same name by `seq` instead of id.
-- Every index of a rowid table ends with the rowid, so `(name_key)` is `(name_key, seq)`
-- already; the id (37 bytes of text) made each entry about three times as large. At
-- 100,000 members the two indexes were 12.7 MB of a 108 MB file: a first sync built them
-- (0.24 s) and encrypted them at its commit, and every change of a member's name or
-- status rewrote two long entries. A list walks them as before, in name order; members of
-- one name come in the order this device stored them.
DROP INDEX members_by_name;
DROP INDEX members_by_status_name;
CREATE INDEX members_by_name ON members (name_key);
CREATE INDEX members_by_status_name ON members (status, name_key);
