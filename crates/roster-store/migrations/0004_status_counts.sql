-- The status line counts security contacts at every unlock; without an index that count
-- decrypts every page of the members table (about 150 ms at 100,000 members).
CREATE INDEX members_security_contacts ON members (id) WHERE security_contact = 1;
