-- capd: HOMER 5 tables for SQLite. Applied at start; every statement is idempotent.
-- date is UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'. Time-named tables are created on first use from the
-- section of their family, with the family's name replaced by the new table's name.
-- table: sip_capture
CREATE TABLE IF NOT EXISTS sip_capture (
  id               INTEGER PRIMARY KEY,
  date             TEXT    NOT NULL,
  micro_ts         INTEGER NOT NULL DEFAULT 0,
  method           TEXT    NOT NULL DEFAULT '',
  reply_reason     TEXT    NOT NULL DEFAULT '',
  ruri             TEXT    NOT NULL DEFAULT '',
  ruri_user        TEXT    NOT NULL DEFAULT '',
  ruri_domain      TEXT    NOT NULL DEFAULT '',
  from_user        TEXT    NOT NULL DEFAULT '',
  from_domain      TEXT    NOT NULL DEFAULT '',
  from_tag         TEXT    NOT NULL DEFAULT '',
  to_user          TEXT    NOT NULL DEFAULT '',
  to_domain        TEXT    NOT NULL DEFAULT '',
  to_tag           TEXT    NOT NULL DEFAULT '',
  pid_user         TEXT    NOT NULL DEFAULT '',
  contact_user     TEXT    NOT NULL DEFAULT '',
  auth_user        TEXT    NOT NULL DEFAULT '',
  callid           TEXT    NOT NULL DEFAULT '',
  callid_aleg      TEXT    NOT NULL DEFAULT '',
  via_1            TEXT    NOT NULL DEFAULT '',
  via_1_branch     TEXT    NOT NULL DEFAULT '',
  cseq             TEXT    NOT NULL DEFAULT '',
  diversion        TEXT    NOT NULL DEFAULT '',
  reason           TEXT    NOT NULL DEFAULT '',
  content_type     TEXT    NOT NULL DEFAULT '',
  auth             TEXT    NOT NULL DEFAULT '',
  user_agent       TEXT    NOT NULL DEFAULT '',
  source_ip        TEXT    NOT NULL DEFAULT '',
  source_port      INTEGER NOT NULL DEFAULT 0,
  destination_ip   TEXT    NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  contact_ip       TEXT    NOT NULL DEFAULT '',
  contact_port     INTEGER NOT NULL DEFAULT 0,
  originator_ip    TEXT    NOT NULL DEFAULT '',
  originator_port  INTEGER NOT NULL DEFAULT 0,
  correlation_id   TEXT    NOT NULL DEFAULT '',
  custom_field1    TEXT    NOT NULL DEFAULT '',
  custom_field2    TEXT    NOT NULL DEFAULT '',
  custom_field3    TEXT    NOT NULL DEFAULT '',
  proto            INTEGER NOT NULL DEFAULT 0,
  family           INTEGER DEFAULT NULL,
  rtp_stat         TEXT    NOT NULL DEFAULT '',
  type             INTEGER NOT NULL DEFAULT 0,
  node             TEXT    NOT NULL DEFAULT '',
  msg              BLOB    NOT NULL DEFAULT x''
);
CREATE INDEX IF NOT EXISTS sip_capture_date ON sip_capture (date);
CREATE INDEX IF NOT EXISTS sip_capture_callid ON sip_capture (callid);
-- Calls by user: only the requests that open a call, a registration, a subscription or send a message are
-- indexed (OPTIONS keepalives, in-dialog requests and replies are not), so these cost a fraction of a full
-- index at insert; `capd calls --from-user/--to-user` matches those requests.
CREATE INDEX IF NOT EXISTS sip_capture_from_user_req ON sip_capture (from_user) WHERE method IN ('INVITE','REGISTER','MESSAGE','SUBSCRIBE');
CREATE INDEX IF NOT EXISTS sip_capture_to_user_req ON sip_capture (to_user) WHERE method IN ('INVITE','REGISTER','MESSAGE','SUBSCRIBE');
-- table: rtcp_capture
CREATE TABLE IF NOT EXISTS rtcp_capture (
  id               INTEGER PRIMARY KEY,
  date             TEXT    NOT NULL,
  micro_ts         INTEGER NOT NULL DEFAULT 0,
  correlation_id   TEXT    NOT NULL DEFAULT '',
  source_ip        TEXT    NOT NULL DEFAULT '',
  source_port      INTEGER NOT NULL DEFAULT 0,
  destination_ip   TEXT    NOT NULL DEFAULT '',
  destination_port INTEGER NOT NULL DEFAULT 0,
  proto            INTEGER NOT NULL DEFAULT 0,
  family           INTEGER DEFAULT NULL,
  type             INTEGER NOT NULL DEFAULT 0,
  node             TEXT    NOT NULL DEFAULT '',
  msg              TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS rtcp_capture_date ON rtcp_capture (date);
CREATE INDEX IF NOT EXISTS rtcp_capture_correlation_id ON rtcp_capture (correlation_id);
