-- Reconciliation of the FR-replayed Entity List with the official one (CSL), per run.
-- One row per finding; `reconciliation_runs` says what was compared (see docs/csl.md).

CREATE SEQUENCE IF NOT EXISTS reconciliation_run_id_seq START 1;

CREATE TABLE IF NOT EXISTS reconciliation_runs (
    run_id        BIGINT PRIMARY KEY,
    as_of         DATE NOT NULL,          -- both lists as in force on this date
    recorded_at   TIMESTAMPTZ NOT NULL,
    fr_count      INTEGER NOT NULL,       -- FR-replayed entity_list entries compared
    csl_count     INTEGER NOT NULL,       -- official entity_list entries compared
    matched       INTEGER NOT NULL,       -- FR entries matched to an official entry
    documents     INTEGER NOT NULL,       -- FR documents available for citation linking
    finding_count INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS reconciliation (
    run_id          BIGINT NOT NULL,
    as_of           DATE NOT NULL,
    kind            VARCHAR NOT NULL,     -- only_in_fr | only_in_csl | alias_mismatch |
                                          -- license_policy_mismatch | country_mismatch |
                                          -- uningested_citation
    list            VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    country         VARCHAR,              -- ISO 3166 alpha-2
    fr_name         VARCHAR,
    csl_name        VARCHAR,
    fr_value        VARCHAR,              -- the FR side of a mismatch
    csl_value       VARCHAR,              -- the official side of a mismatch
    citation        VARCHAR,              -- uningested_citation: "84 FR 54002"
    document_number VARCHAR,              -- only_in_csl: the ingested FR document it cites
    in_scope        BOOLEAN NOT NULL,     -- false: explained by FR history not ingested
    detail          VARCHAR,
    fr_entry_key    VARCHAR,
    csl_entry_key   VARCHAR,
    recorded_at     TIMESTAMPTZ NOT NULL
);
