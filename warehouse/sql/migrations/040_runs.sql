-- One row per pipeline run: what it did, how it ended, how long each stage took.
CREATE TABLE IF NOT EXISTS runs (
    run_id                VARCHAR PRIMARY KEY,
    trigger               VARCHAR NOT NULL,          -- cli | demo | backfill | prefect
    started_at            TIMESTAMPTZ NOT NULL,
    finished_at           TIMESTAMPTZ,
    status                VARCHAR NOT NULL,          -- running | succeeded | partial | failed | abandoned
    since                 DATE,
    until                 DATE,
    sources               VARCHAR[],
    documents_discovered  INTEGER,
    documents_inserted    INTEGER,
    documents_unchanged   INTEGER,
    documents_replaced    INTEGER,
    documents_quarantined INTEGER,
    changes_added         INTEGER,
    changes_revised       INTEGER,
    changes_removed       INTEGER,
    changes_corrected     INTEGER,
    parse_warnings        INTEGER,
    csl_status            VARCHAR,
    alerts_queued         INTEGER,
    alerts_sent           INTEGER,
    error                 VARCHAR,
    timings               JSON
);
