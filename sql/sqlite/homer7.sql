-- capd: HOMER 7 tables for SQLite (JSON as TEXT, no partitions). Applied at start; idempotent.
-- table: hep_proto_1_call
CREATE TABLE IF NOT EXISTS hep_proto_1_call (
  id              INTEGER PRIMARY KEY,
  sid             TEXT    NOT NULL,
  create_date     TEXT    NOT NULL,
  protocol_header TEXT    NOT NULL,
  data_header     TEXT    NOT NULL,
  raw             TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS hep_proto_1_call_create_date ON hep_proto_1_call (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_call_sid ON hep_proto_1_call (sid);
-- table: hep_proto_1_registration
CREATE TABLE IF NOT EXISTS hep_proto_1_registration (
  id              INTEGER PRIMARY KEY,
  sid             TEXT    NOT NULL,
  create_date     TEXT    NOT NULL,
  protocol_header TEXT    NOT NULL,
  data_header     TEXT    NOT NULL,
  raw             TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS hep_proto_1_registration_create_date ON hep_proto_1_registration (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_registration_sid ON hep_proto_1_registration (sid);
-- table: hep_proto_1_default
CREATE TABLE IF NOT EXISTS hep_proto_1_default (
  id              INTEGER PRIMARY KEY,
  sid             TEXT    NOT NULL,
  create_date     TEXT    NOT NULL,
  protocol_header TEXT    NOT NULL,
  data_header     TEXT    NOT NULL,
  raw             TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS hep_proto_1_default_create_date ON hep_proto_1_default (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_default_sid ON hep_proto_1_default (sid);
-- table: hep_proto_5_default
CREATE TABLE IF NOT EXISTS hep_proto_5_default (
  id              INTEGER PRIMARY KEY,
  sid             TEXT    NOT NULL,
  create_date     TEXT    NOT NULL,
  protocol_header TEXT    NOT NULL,
  data_header     TEXT    NOT NULL,
  raw             TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS hep_proto_5_default_create_date ON hep_proto_5_default (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_5_default_sid ON hep_proto_5_default (sid);
-- table: hep_proto_35_default
CREATE TABLE IF NOT EXISTS hep_proto_35_default (
  id              INTEGER PRIMARY KEY,
  sid             TEXT    NOT NULL,
  create_date     TEXT    NOT NULL,
  protocol_header TEXT    NOT NULL,
  data_header     TEXT    NOT NULL,
  raw             TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS hep_proto_35_default_create_date ON hep_proto_35_default (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_35_default_sid ON hep_proto_35_default (sid);
-- table: hep_proto_100_default
CREATE TABLE IF NOT EXISTS hep_proto_100_default (
  id              INTEGER PRIMARY KEY,
  sid             TEXT    NOT NULL,
  create_date     TEXT    NOT NULL,
  protocol_header TEXT    NOT NULL,
  data_header     TEXT    NOT NULL,
  raw             TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS hep_proto_100_default_create_date ON hep_proto_100_default (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_100_default_sid ON hep_proto_100_default (sid);
