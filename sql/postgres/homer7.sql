-- capd: HOMER 7 tables for PostgreSQL (the columns heplify-server writes, homer7-schema.md §3).
-- Applied at start; idempotent. Parents are range-partitioned on create_date; capd creates one
-- partition per UTC day (<parent>_YYYYMMDD) before the first row of that day is written.
-- Indexes on the parents are inherited by every partition.
-- table: hep_proto_1_call
CREATE TABLE IF NOT EXISTS hep_proto_1_call (
  id              BIGSERIAL   NOT NULL,
  sid             VARCHAR     NOT NULL,
  create_date     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  protocol_header JSONB       NOT NULL,
  data_header     JSONB       NOT NULL,
  raw             VARCHAR     NOT NULL
) PARTITION BY RANGE (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_call_create_date ON hep_proto_1_call USING brin (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_call_sid ON hep_proto_1_call (sid);
CREATE INDEX IF NOT EXISTS hep_proto_1_call_correlation_id ON hep_proto_1_call ((protocol_header->>'correlation_id'));
CREATE INDEX IF NOT EXISTS hep_proto_1_call_from_user ON hep_proto_1_call ((data_header->>'from_user'));
CREATE INDEX IF NOT EXISTS hep_proto_1_call_to_user ON hep_proto_1_call ((data_header->>'to_user'));
CREATE INDEX IF NOT EXISTS hep_proto_1_call_ruri_user ON hep_proto_1_call ((data_header->>'ruri_user'));
-- table: hep_proto_1_registration
CREATE TABLE IF NOT EXISTS hep_proto_1_registration (
  id              BIGSERIAL   NOT NULL,
  sid             VARCHAR     NOT NULL,
  create_date     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  protocol_header JSONB       NOT NULL,
  data_header     JSONB       NOT NULL,
  raw             VARCHAR     NOT NULL
) PARTITION BY RANGE (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_registration_create_date ON hep_proto_1_registration USING brin (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_registration_sid ON hep_proto_1_registration (sid);
CREATE INDEX IF NOT EXISTS hep_proto_1_registration_correlation_id ON hep_proto_1_registration ((protocol_header->>'correlation_id'));
CREATE INDEX IF NOT EXISTS hep_proto_1_registration_from_user ON hep_proto_1_registration ((data_header->>'from_user'));
CREATE INDEX IF NOT EXISTS hep_proto_1_registration_to_user ON hep_proto_1_registration ((data_header->>'to_user'));
CREATE INDEX IF NOT EXISTS hep_proto_1_registration_ruri_user ON hep_proto_1_registration ((data_header->>'ruri_user'));
-- table: hep_proto_1_default
CREATE TABLE IF NOT EXISTS hep_proto_1_default (
  id              BIGSERIAL   NOT NULL,
  sid             VARCHAR     NOT NULL,
  create_date     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  protocol_header JSONB       NOT NULL,
  data_header     JSONB       NOT NULL,
  raw             VARCHAR     NOT NULL
) PARTITION BY RANGE (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_default_create_date ON hep_proto_1_default USING brin (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_1_default_sid ON hep_proto_1_default (sid);
CREATE INDEX IF NOT EXISTS hep_proto_1_default_correlation_id ON hep_proto_1_default ((protocol_header->>'correlation_id'));
CREATE INDEX IF NOT EXISTS hep_proto_1_default_from_user ON hep_proto_1_default ((data_header->>'from_user'));
CREATE INDEX IF NOT EXISTS hep_proto_1_default_to_user ON hep_proto_1_default ((data_header->>'to_user'));
CREATE INDEX IF NOT EXISTS hep_proto_1_default_ruri_user ON hep_proto_1_default ((data_header->>'ruri_user'));
-- table: hep_proto_5_default
CREATE TABLE IF NOT EXISTS hep_proto_5_default (
  id              BIGSERIAL   NOT NULL,
  sid             VARCHAR     NOT NULL,
  create_date     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  protocol_header JSONB       NOT NULL,
  data_header     JSONB       NOT NULL,
  raw             VARCHAR     NOT NULL
) PARTITION BY RANGE (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_5_default_create_date ON hep_proto_5_default USING brin (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_5_default_sid ON hep_proto_5_default (sid);
CREATE INDEX IF NOT EXISTS hep_proto_5_default_correlation_id ON hep_proto_5_default ((protocol_header->>'correlation_id'));
-- table: hep_proto_35_default
CREATE TABLE IF NOT EXISTS hep_proto_35_default (
  id              BIGSERIAL   NOT NULL,
  sid             VARCHAR     NOT NULL,
  create_date     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  protocol_header JSONB       NOT NULL,
  data_header     JSONB       NOT NULL,
  raw             VARCHAR     NOT NULL
) PARTITION BY RANGE (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_35_default_create_date ON hep_proto_35_default USING brin (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_35_default_sid ON hep_proto_35_default (sid);
CREATE INDEX IF NOT EXISTS hep_proto_35_default_correlation_id ON hep_proto_35_default ((protocol_header->>'correlation_id'));
-- table: hep_proto_100_default
CREATE TABLE IF NOT EXISTS hep_proto_100_default (
  id              BIGSERIAL   NOT NULL,
  sid             VARCHAR     NOT NULL,
  create_date     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  protocol_header JSONB       NOT NULL,
  data_header     JSONB       NOT NULL,
  raw             VARCHAR     NOT NULL
) PARTITION BY RANGE (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_100_default_create_date ON hep_proto_100_default USING brin (create_date);
CREATE INDEX IF NOT EXISTS hep_proto_100_default_sid ON hep_proto_100_default (sid);
CREATE INDEX IF NOT EXISTS hep_proto_100_default_correlation_id ON hep_proto_100_default ((protocol_header->>'correlation_id'));
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
