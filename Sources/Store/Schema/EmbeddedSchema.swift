// The SQL of sql/ (the documented source), the HOMER 7 parents written once; StoreTests checks that both are identical.

enum EmbeddedSchema {
    static let postgresHomerFive = #"""
-- capd: HOMER 5 tables for PostgreSQL. Applied at start; every statement is idempotent.
-- Time-named tables (sip_capture_call_20231114, ...) are created on first use from the section of
-- their family, with the family's name replaced by the new table's name.
-- table: sip_capture
CREATE TABLE IF NOT EXISTS sip_capture (
  id               BIGSERIAL    NOT NULL,
  date             TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
  micro_ts         BIGINT       NOT NULL DEFAULT 0,
  method           VARCHAR(50)  NOT NULL DEFAULT '',
  reply_reason     VARCHAR(100) NOT NULL DEFAULT '',
  ruri             VARCHAR(200) NOT NULL DEFAULT '',
  ruri_user        VARCHAR(100) NOT NULL DEFAULT '',
  ruri_domain      VARCHAR(150) NOT NULL DEFAULT '',
  from_user        VARCHAR(100) NOT NULL DEFAULT '',
  from_domain      VARCHAR(150) NOT NULL DEFAULT '',
  from_tag         VARCHAR(64)  NOT NULL DEFAULT '',
  to_user          VARCHAR(100) NOT NULL DEFAULT '',
  to_domain        VARCHAR(150) NOT NULL DEFAULT '',
  to_tag           VARCHAR(64)  NOT NULL DEFAULT '',
  pid_user         VARCHAR(100) NOT NULL DEFAULT '',
  contact_user     VARCHAR(120) NOT NULL DEFAULT '',
  auth_user        VARCHAR(120) NOT NULL DEFAULT '',
  callid           VARCHAR(120) NOT NULL DEFAULT '',
  callid_aleg      VARCHAR(120) NOT NULL DEFAULT '',
  via_1            VARCHAR(256) NOT NULL DEFAULT '',
  via_1_branch     VARCHAR(80)  NOT NULL DEFAULT '',
  cseq             VARCHAR(25)  NOT NULL DEFAULT '',
  diversion        VARCHAR(256) NOT NULL DEFAULT '',
  reason           VARCHAR(200) NOT NULL DEFAULT '',
  content_type     VARCHAR(256) NOT NULL DEFAULT '',
  auth             VARCHAR(256) NOT NULL DEFAULT '',
  user_agent       VARCHAR(256) NOT NULL DEFAULT '',
  source_ip        VARCHAR(60)  NOT NULL DEFAULT '',
  source_port      INTEGER      NOT NULL DEFAULT 0,
  destination_ip   VARCHAR(60)  NOT NULL DEFAULT '',
  destination_port INTEGER      NOT NULL DEFAULT 0,
  contact_ip       VARCHAR(60)  NOT NULL DEFAULT '',
  contact_port     INTEGER      NOT NULL DEFAULT 0,
  originator_ip    VARCHAR(60)  NOT NULL DEFAULT '',
  originator_port  INTEGER      NOT NULL DEFAULT 0,
  correlation_id   VARCHAR(256) NOT NULL DEFAULT '',
  custom_field1    VARCHAR(120) NOT NULL DEFAULT '',
  custom_field2    VARCHAR(120) NOT NULL DEFAULT '',
  custom_field3    VARCHAR(120) NOT NULL DEFAULT '',
  proto            INTEGER      NOT NULL DEFAULT 0,
  family           SMALLINT     DEFAULT NULL,
  rtp_stat         VARCHAR(256) NOT NULL DEFAULT '',
  type             INTEGER      NOT NULL DEFAULT 0,
  node             VARCHAR(125) NOT NULL DEFAULT '',
  msg              BYTEA        NOT NULL DEFAULT '',
  PRIMARY KEY (id, date)
);
CREATE INDEX IF NOT EXISTS sip_capture_date_brin ON sip_capture USING brin (date);
CREATE INDEX IF NOT EXISTS sip_capture_callid ON sip_capture (callid);
CREATE INDEX IF NOT EXISTS sip_capture_from_user ON sip_capture (from_user);
CREATE INDEX IF NOT EXISTS sip_capture_to_user ON sip_capture (to_user);
-- table: rtcp_capture
CREATE TABLE IF NOT EXISTS rtcp_capture (
  id               BIGSERIAL     NOT NULL,
  date             TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  micro_ts         BIGINT        NOT NULL DEFAULT 0,
  correlation_id   VARCHAR(256)  NOT NULL DEFAULT '',
  source_ip        VARCHAR(60)   NOT NULL DEFAULT '',
  source_port      INTEGER       NOT NULL DEFAULT 0,
  destination_ip   VARCHAR(60)   NOT NULL DEFAULT '',
  destination_port INTEGER       NOT NULL DEFAULT 0,
  proto            INTEGER       NOT NULL DEFAULT 0,
  family           SMALLINT      DEFAULT NULL,
  type             INTEGER       NOT NULL DEFAULT 0,
  node             VARCHAR(125)  NOT NULL DEFAULT '',
  msg              VARCHAR(1500) NOT NULL DEFAULT '',
  PRIMARY KEY (id, date)
);
CREATE INDEX IF NOT EXISTS rtcp_capture_date_brin ON rtcp_capture USING brin (date);
CREATE INDEX IF NOT EXISTS rtcp_capture_correlation_id ON rtcp_capture (correlation_id);
"""# + "\n" + postgresBatches

    /// Parents differ only in name; the SIP ones (`hep_proto_1_*`) have three more indexes.
    static let postgresHomerSeven = #"""
-- capd: HOMER 7 tables for PostgreSQL (the columns heplify-server writes, homer7-schema.md §3).
-- Applied at start; idempotent. Parents are range-partitioned on create_date; capd creates one
-- partition per UTC day (<parent>_YYYYMMDD) before the first row of that day is written.
-- Indexes on the parents are inherited by every partition.
"""# + "\n"
        + Schema.homerSevenParents.map(postgresHomerSevenParent).joined()
        + postgresBatches

    static func postgresHomerSevenParent(_ parent: String) -> String {
        let table = #"""
-- table: \#(parent)
CREATE TABLE IF NOT EXISTS \#(parent) (
  id              BIGSERIAL   NOT NULL,
  sid             VARCHAR     NOT NULL,
  create_date     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  protocol_header JSONB       NOT NULL,
  data_header     JSONB       NOT NULL,
  raw             VARCHAR     NOT NULL
) PARTITION BY RANGE (create_date);
CREATE INDEX IF NOT EXISTS \#(parent)_create_date ON \#(parent) USING brin (create_date);
CREATE INDEX IF NOT EXISTS \#(parent)_sid ON \#(parent) (sid);
CREATE INDEX IF NOT EXISTS \#(parent)_correlation_id ON \#(parent) ((protocol_header->>'correlation_id'));
"""# + "\n"
        guard parent.hasPrefix("hep_proto_1_") else { return table }
        return table + #"""
CREATE INDEX IF NOT EXISTS \#(parent)_from_user ON \#(parent) ((data_header->>'from_user'));
CREATE INDEX IF NOT EXISTS \#(parent)_to_user ON \#(parent) ((data_header->>'to_user'));
CREATE INDEX IF NOT EXISTS \#(parent)_ruri_user ON \#(parent) ((data_header->>'ruri_user'));
"""# + "\n"
    }

    /// The exactly-once bookkeeping table, in both PostgreSQL scripts.
    static let postgresBatches = #"""
-- table: capd_batches
-- Exactly-once bookkeeping: each batch's id, inserted in the transaction that COPYs its rows. A batch whose
-- outcome was lost with its connection is looked up here before it is sent again. Pruned by age.
CREATE TABLE IF NOT EXISTS capd_batches (
  id               UUID          NOT NULL PRIMARY KEY,
  rows             INTEGER       NOT NULL,
  spooled          BOOLEAN       NOT NULL DEFAULT false,
  created          TIMESTAMPTZ   NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS capd_batches_created ON capd_batches USING brin (created);
"""# + "\n"

    static let sqliteHomerFive = #"""
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
"""# + "\n"

    static let sqliteHomerSeven = #"""
-- capd: HOMER 7 tables for SQLite (JSON as TEXT, no partitions). Applied at start; idempotent.
"""# + "\n"
        + Schema.homerSevenParents.map(sqliteHomerSevenParent).joined()

    static func sqliteHomerSevenParent(_ parent: String) -> String {
        #"""
-- table: \#(parent)
CREATE TABLE IF NOT EXISTS \#(parent) (
  id              INTEGER PRIMARY KEY,
  sid             TEXT    NOT NULL,
  create_date     TEXT    NOT NULL,
  protocol_header TEXT    NOT NULL,
  data_header     TEXT    NOT NULL,
  raw             TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS \#(parent)_create_date ON \#(parent) (create_date);
CREATE INDEX IF NOT EXISTS \#(parent)_sid ON \#(parent) (sid);
"""# + "\n"
    }

}
