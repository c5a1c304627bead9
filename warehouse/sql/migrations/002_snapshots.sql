-- Versioned list snapshots and bitemporal entry versions.
--
-- A snapshot is the complete state of one list (list, source) at a point: an official download
-- (source 'csl') or the state after one Federal Register document (source 'federal_register').
-- Entries are not copied per snapshot: entry_versions holds one row per version of an entry, alive
-- in every snapshot whose sort_key lies in [from_key, to_key). Storage grows with changes only.
--
-- Effective time: [valid_from, valid_to) (FR effective date, or the download's as-of date).
-- Recorded time:  [recorded_from, recorded_to) (when regwatch learned / stopped believing the row);
--                 closed_at is when valid_to was set (an open version that later ended was, until
--                 closed_at, known as open), so closing a version in place loses nothing.
--
-- List-valued fields of entry_versions are stored packed in one VARCHAR, items separated by
-- chr(31) (the ASCII unit separator): DuckDB scans LIST columns whole even when a filter keeps
-- few rows, and diffs only read a few rows. The public views unpack them to VARCHAR[].

CREATE SEQUENCE IF NOT EXISTS snapshot_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS entry_version_id_seq START 1;

CREATE TABLE IF NOT EXISTS list_snapshots (
    snapshot_id      BIGINT PRIMARY KEY,
    list             VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    as_of            DATE NOT NULL,
    sort_key         VARCHAR,            -- order within (list, source); NULL while held
    status           VARCHAR NOT NULL,   -- current | held | superseded_hold
    content_sha256   VARCHAR,
    entries_sha256   VARCHAR,
    entry_count      INTEGER NOT NULL,
    added            INTEGER NOT NULL,
    removed          INTEGER NOT NULL,
    modified         INTEGER NOT NULL,
    document_number  VARCHAR,            -- FR snapshots: the document whose changes made it
    citation         VARCHAR,
    publication_date DATE,
    note             VARCHAR,
    recorded_at      TIMESTAMPTZ NOT NULL,
    accepted_at      TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS entry_versions (
    version_id                 BIGINT NOT NULL,
    list                       VARCHAR NOT NULL,
    source                     VARCHAR NOT NULL,
    entry_key                  VARCHAR NOT NULL,
    country                    VARCHAR,
    name                       VARCHAR NOT NULL,
    aliases                    VARCHAR,
    addresses                  VARCHAR,
    countries                  VARCHAR,
    license_requirement        VARCHAR,
    license_review_policy      VARCHAR,
    federal_register_citations VARCHAR,
    footnotes                  VARCHAR,
    start_date                 DATE,
    source_id                  VARCHAR,
    row_hash                   VARCHAR NOT NULL,
    valid_from                 DATE NOT NULL,
    valid_to                   DATE,
    from_key                   VARCHAR NOT NULL,
    to_key                     VARCHAR,
    from_snapshot              BIGINT NOT NULL,
    to_snapshot                BIGINT,
    start_action               VARCHAR NOT NULL,   -- add | revise | correct
    start_document_number      VARCHAR,
    start_citation             VARCHAR,
    end_action                 VARCHAR,            -- revise | correct | remove
    end_document_number        VARCHAR,
    end_citation               VARCHAR,
    recorded_from              TIMESTAMPTZ NOT NULL,
    recorded_to                TIMESTAMPTZ,
    closed_at                  TIMESTAMPTZ
);

-- Entries of held snapshots (mass-deletion guard): kept aside until accepted.
CREATE TABLE IF NOT EXISTS held_snapshot_entries (
    snapshot_id                BIGINT NOT NULL,
    entry_key                  VARCHAR NOT NULL,
    country                    VARCHAR,
    name                       VARCHAR NOT NULL,
    aliases                    VARCHAR[],
    addresses                  VARCHAR[],
    countries                  VARCHAR[],
    license_requirement        VARCHAR,
    license_review_policy      VARCHAR,
    federal_register_citations VARCHAR[],
    footnotes                  VARCHAR[],
    start_date                 DATE,
    source_id                  VARCHAR,
    row_hash                   VARCHAR NOT NULL
);
