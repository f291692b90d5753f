-- Schema 4: one index lists an infrastructure's members, with the level at its end so a
-- level filter reads the index alone; Infra Admins, a few per infrastructure, have a
-- partial index of their own. The second full listing index this replaces was one more
-- random write for every permission granted, and 14 MB at 100,000 members. Devices made
-- the same change (roster-store, schema 5).
DROP INDEX permissions_listing;
DROP INDEX permissions_listing_by_level;
CREATE INDEX permissions_listing ON permissions (infra, member_status, member_name_key, member, level);
CREATE INDEX permissions_infra_admins ON permissions (infra, member_status, member_name_key, member)
    WHERE level = 'infra_admin';
