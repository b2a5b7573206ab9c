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
