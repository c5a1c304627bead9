-- Federal Register documents as loaded, their Entity List changes, parse warnings, quarantine,
-- raw fetch metadata and small key/value cursors. Recorded times are UTC (TIMESTAMPTZ).

CREATE SEQUENCE IF NOT EXISTS fr_document_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS quarantine_id_seq START 1;

-- Every fetched body (content-addressed in the raw archive): one row per (sha256, url).
CREATE TABLE IF NOT EXISTS raw_payloads (
    sha256           VARCHAR NOT NULL,
    url              VARCHAR NOT NULL,
    first_fetched_at TIMESTAMPTZ NOT NULL,
    last_fetched_at  TIMESTAMPTZ NOT NULL,
    status           INTEGER,
    etag             VARCHAR,
    last_modified    VARCHAR,
    content_type     VARCHAR,
    size             BIGINT,
    path             VARCHAR,
    PRIMARY KEY (sha256, url)
);

-- One row per recorded version of an FR document: same bytes -> same row; changed bytes -> a new
-- row, and the previous one gets recorded_to (it stays, so what was known before is never lost).
CREATE TABLE IF NOT EXISTS fr_document_versions (
    document_id        BIGINT PRIMARY KEY,
    document_number    VARCHAR NOT NULL,
    content_sha256     VARCHAR NOT NULL,
    metadata_sha256    VARCHAR,
    title              VARCHAR,
    type               VARCHAR,
    publication_date   DATE,
    effective_date     DATE,
    citation           VARCHAR,
    volume             INTEGER,
    start_page         INTEGER,
    end_page           INTEGER,
    html_url           VARCHAR,
    full_text_xml_url  VARCHAR,
    body_html_url      VARCHAR,
    json_url           VARCHAR,
    abstract           VARCHAR,
    fr_action          VARCHAR,
    agencies           VARCHAR[],
    cfr_parts          VARCHAR[],
    correction_of      VARCHAR,
    source_format      VARCHAR,
    change_count       INTEGER NOT NULL,
    warning_count      INTEGER NOT NULL,
    recorded_from      TIMESTAMPTZ NOT NULL,
    recorded_to        TIMESTAMPTZ
);

-- The Entity List changes one document version states, in document order.
CREATE TABLE IF NOT EXISTS fr_changes (
    document_id                BIGINT NOT NULL,
    document_number            VARCHAR NOT NULL,
    position                   INTEGER NOT NULL,
    action                     VARCHAR NOT NULL,
    country                    VARCHAR,
    name                       VARCHAR,
    previous_name              VARCHAR,
    aliases                    VARCHAR[],
    addresses                  VARCHAR[],
    license_requirement        VARCHAR,
    license_review_policy      VARCHAR,
    federal_register_citations VARCHAR[],
    footnotes                  VARCHAR[]
);

CREATE TABLE IF NOT EXISTS parse_warnings (
    document_id     BIGINT NOT NULL,
    document_number VARCHAR NOT NULL,
    code            VARCHAR NOT NULL,
    message         VARCHAR NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL
);

-- Documents that could not be fetched whole or understood. A rerun that fails the same way only
-- bumps attempts/last_seen_at; a later successful load sets resolved_at.
CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_id        BIGINT PRIMARY KEY,
    document_number      VARCHAR,
    url                  VARCHAR NOT NULL,
    sha256               VARCHAR,
    error_type           VARCHAR NOT NULL,
    error_message        VARCHAR NOT NULL,
    recorded_at          TIMESTAMPTZ NOT NULL,
    last_seen_at         TIMESTAMPTZ NOT NULL,
    attempts             INTEGER NOT NULL,
    resolved_at          TIMESTAMPTZ,
    resolved_document_id BIGINT
);

CREATE TABLE IF NOT EXISTS cursors (
    name       VARCHAR PRIMARY KEY,
    value      VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
