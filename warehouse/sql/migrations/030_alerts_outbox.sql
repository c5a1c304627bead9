-- Alert outbox: one row per (designation, recipient); each goes out exactly once.
-- Written idempotently (IF NOT EXISTS) so regwatch.alerts can also apply it on its own.
--
-- alert_outbox.state: queued -> sending (batch_id = the email's Message-ID, committed before
-- SMTP) -> sent (sent_at). A failed SMTP attempt puts the row back to queued with attempts and
-- last_error. Rows left in `sending` by a crash are handled by the documented recovery policy
-- (see docs/alerts.md): the stored message is re-sent with the same Message-ID, or held.

CREATE SEQUENCE IF NOT EXISTS alert_outbox_id_seq;

CREATE TABLE IF NOT EXISTS alert_outbox (
    id              BIGINT PRIMARY KEY DEFAULT nextval('alert_outbox_id_seq'),
    designation_key VARCHAR NOT NULL,      -- sha256 of the alert's content identity
    recipient       VARCHAR NOT NULL,      -- lower-cased email address
    group_name      VARCHAR NOT NULL,      -- watchlist group whose email carries it
    kind            VARCHAR NOT NULL,      -- add | revise | correct | remove | upcoming | notice
    list_name       VARCHAR,               -- entity_list, ... (NULL for notices)
    document_number VARCHAR,
    country         VARCHAR,
    name            VARCHAR,
    payload         VARCHAR NOT NULL,      -- JSON snapshot of what the email shows
    created_at      TIMESTAMPTZ NOT NULL,
    state           VARCHAR NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      VARCHAR,
    batch_id        VARCHAR,               -- Message-ID of the email that carries it
    sending_at      TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    UNIQUE (designation_key, recipient),
    CHECK (state IN ('queued', 'sending', 'sent'))
);

-- One row per composed email (a batch). The exact bytes are kept so a batch whose fate is
-- unknown after a crash can be re-sent identically (same Message-ID) instead of recomposed.
CREATE TABLE IF NOT EXISTS alert_batches (
    message_id   VARCHAR PRIMARY KEY,
    group_name   VARCHAR NOT NULL,
    recipients   VARCHAR[] NOT NULL,
    subject      VARCHAR NOT NULL,
    alert_count  INTEGER NOT NULL,
    message      BLOB NOT NULL,
    state        VARCHAR NOT NULL,         -- sending | sent | failed
    owner        VARCHAR,                  -- host:pid that committed `sending`
    created_at   TIMESTAMPTZ NOT NULL,
    sending_at   TIMESTAMPTZ,
    sent_at      TIMESTAMPTZ,
    attempts     INTEGER NOT NULL DEFAULT 0,
    resent       BOOLEAN NOT NULL DEFAULT false,
    last_error   VARCHAR,
    CHECK (state IN ('sending', 'sent', 'failed'))
);
