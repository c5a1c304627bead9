-- Public list views and table macros. Every list-shaped result has at least: list, source,
-- entry_key, country, name, aliases, addresses, license_requirement, license_review_policy,
-- federal_register_citations, valid_from, valid_to.

CREATE OR REPLACE VIEW snapshots AS
SELECT
    snapshot_id, list, source, as_of, status, entry_count, added, removed, modified,
    document_number, citation, publication_date, content_sha256, note, recorded_at, accepted_at,
    CASE WHEN sort_key IS NOT NULL
         THEN count(sort_key) OVER (PARTITION BY list, source ORDER BY sort_key) END AS seq,
    sort_key
FROM list_snapshots;

-- Packed list (items separated by chr(31), see migration 002) -> VARCHAR[].
CREATE OR REPLACE MACRO unpack_list(packed) AS
    CASE WHEN packed IS NULL OR packed = '' THEN CAST([] AS VARCHAR[])
         ELSE string_split(packed, chr(31)) END;

-- Every version ever recorded, including rows later superseded in recorded time.
CREATE OR REPLACE VIEW entity_versions_bitemporal AS
SELECT
    list, source, entry_key, country, name, unpack_list(aliases) AS aliases,
    unpack_list(addresses) AS addresses, license_requirement, license_review_policy,
    unpack_list(federal_register_citations) AS federal_register_citations, valid_from,
    valid_to, unpack_list(footnotes) AS footnotes, unpack_list(countries) AS countries,
    start_date, source_id,
    start_action AS action, start_document_number AS document_number,
    start_citation AS citation, end_action, end_document_number, end_citation,
    from_snapshot, to_snapshot, from_key, to_key, recorded_from, recorded_to, closed_at,
    version_id, row_hash
FROM entry_versions;

-- Versions as currently known (what analysts usually want).
CREATE OR REPLACE VIEW entity_versions AS
SELECT * FROM entity_versions_bitemporal WHERE recorded_to IS NULL;

-- The latest state of every (list, source).
CREATE OR REPLACE VIEW entity_list_current AS
SELECT * FROM entity_versions WHERE to_key IS NULL;

-- Entries of held snapshots (the CSL mass-deletion guard), list-shaped.
CREATE OR REPLACE VIEW held_entries AS
SELECT
    s.list, s.source, h.entry_key, h.country, h.name, h.aliases, h.addresses,
    h.license_requirement, h.license_review_policy, h.federal_register_citations,
    s.as_of AS valid_from, CAST(NULL AS DATE) AS valid_to, h.footnotes, h.countries,
    h.start_date, h.source_id, 'held' AS action, h.row_hash, h.snapshot_id
FROM held_snapshot_entries AS h
JOIN list_snapshots AS s ON s.snapshot_id = h.snapshot_id
WHERE s.sort_key IS NULL;

-- Scalar helpers: a snapshot's series and its position (NULL while held).
CREATE OR REPLACE MACRO snapshot_list(snap) AS
    (SELECT list FROM list_snapshots WHERE snapshot_id = snap);
CREATE OR REPLACE MACRO snapshot_source(snap) AS
    (SELECT source FROM list_snapshots WHERE snapshot_id = snap);
CREATE OR REPLACE MACRO snapshot_key(snap) AS
    (SELECT sort_key FROM list_snapshots WHERE snapshot_id = snap);

-- The entries of one snapshot (current or held).
CREATE OR REPLACE MACRO entity_list_at(snap) AS TABLE
SELECT v.*, CAST(snap AS BIGINT) AS snapshot_id
FROM entity_versions AS v
WHERE v.list = snapshot_list(snap)
  AND v.source = snapshot_source(snap)
  AND v.from_key <= snapshot_key(snap)
  AND (v.to_key IS NULL OR v.to_key > snapshot_key(snap))
UNION ALL BY NAME
SELECT * FROM held_entries WHERE snapshot_id = snap;

-- Every list as in force on date d; known_at (a timestamp) answers "as known at that time".
CREATE OR REPLACE MACRO entity_list_as_of(d, known_at := NULL) AS TABLE
SELECT *
FROM entity_versions_bitemporal AS v
WHERE v.valid_from <= CAST(d AS DATE)
  AND (v.valid_to IS NULL OR v.valid_to > CAST(d AS DATE)
       OR (known_at IS NOT NULL AND v.closed_at > CAST(known_at AS TIMESTAMPTZ)))
  AND CASE WHEN known_at IS NULL THEN v.recorded_to IS NULL
           ELSE v.recorded_from <= CAST(known_at AS TIMESTAMPTZ)
                AND (v.recorded_to IS NULL OR v.recorded_to > CAST(known_at AS TIMESTAMPTZ))
      END;

-- One row per added / removed / modified entry between two snapshots (any two, even across
-- sources: entries are matched by list + entry_key).
CREATE OR REPLACE MACRO entity_diff(from_snapshot_id, to_snapshot_id) AS TABLE
-- A version alive in both snapshots is unchanged. One pass over the narrow key columns marks
-- the versions alive in exactly one of them; only those rows are then read in full. Held
-- entries (no versions) and snapshots of different series are compared in full.
WITH pair AS (
    SELECT a.snapshot_id AS a_id, a.list AS a_list, a.source AS a_source, a.sort_key AS a_key,
           b.snapshot_id AS b_id, b.list AS b_list, b.source AS b_source, b.sort_key AS b_key
    FROM list_snapshots AS a, list_snapshots AS b
    WHERE a.snapshot_id = from_snapshot_id AND b.snapshot_id = to_snapshot_id
),
sided AS (
    SELECT v.rowid AS rid,
           coalesce(v.list = p.a_list AND v.source = p.a_source AND v.from_key <= p.a_key
                    AND (v.to_key IS NULL OR v.to_key > p.a_key), false) AS in_a,
           coalesce(v.list = p.b_list AND v.source = p.b_source AND v.from_key <= p.b_key
                    AND (v.to_key IS NULL OR v.to_key > p.b_key), false) AS in_b
    FROM entry_versions AS v, pair AS p
    WHERE v.recorded_to IS NULL AND v.from_key <= greatest(p.a_key, p.b_key)
),
changed AS (
    SELECT s.in_a,
        v.list, v.source, v.entry_key, v.country, v.name, unpack_list(v.aliases) AS aliases,
        unpack_list(v.addresses) AS addresses, v.license_requirement, v.license_review_policy,
        unpack_list(v.federal_register_citations) AS federal_register_citations, v.valid_from,
        v.valid_to, unpack_list(v.footnotes) AS footnotes, unpack_list(v.countries) AS countries,
        v.start_document_number AS document_number, v.row_hash
    FROM entry_versions AS v JOIN sided AS s ON v.rowid = s.rid
    WHERE s.in_a <> s.in_b
),
a_only AS (
    SELECT * EXCLUDE (in_a) FROM changed WHERE in_a
    UNION ALL BY NAME
    SELECT h.* FROM held_entries AS h, pair AS p WHERE h.snapshot_id = p.a_id
),
b_only AS (
    SELECT * EXCLUDE (in_a) FROM changed WHERE NOT in_a
    UNION ALL BY NAME
    SELECT h.* FROM held_entries AS h, pair AS p WHERE h.snapshot_id = p.b_id
)
SELECT
    CASE WHEN a.entry_key IS NULL THEN 'added'
         WHEN b.entry_key IS NULL THEN 'removed'
         ELSE 'modified' END AS change_type,
    coalesce(b.list, a.list) AS list,
    coalesce(b.source, a.source) AS source,
    coalesce(b.entry_key, a.entry_key) AS entry_key,
    CASE WHEN b.entry_key IS NULL THEN a.country ELSE b.country END AS country,
    CASE WHEN b.entry_key IS NULL THEN a.name ELSE b.name END AS name,
    CASE WHEN b.entry_key IS NULL THEN a.aliases ELSE b.aliases END AS aliases,
    CASE WHEN b.entry_key IS NULL THEN a.addresses ELSE b.addresses END AS addresses,
    CASE WHEN b.entry_key IS NULL THEN a.license_requirement
         ELSE b.license_requirement END AS license_requirement,
    CASE WHEN b.entry_key IS NULL THEN a.license_review_policy
         ELSE b.license_review_policy END AS license_review_policy,
    CASE WHEN b.entry_key IS NULL THEN a.federal_register_citations
         ELSE b.federal_register_citations END AS federal_register_citations,
    CASE WHEN b.entry_key IS NULL THEN a.valid_from ELSE b.valid_from END AS valid_from,
    CASE WHEN b.entry_key IS NULL THEN a.valid_to ELSE b.valid_to END AS valid_to,
    CASE WHEN a.entry_key IS NULL OR b.entry_key IS NULL THEN CAST([] AS VARCHAR[])
         ELSE list_filter([
            CASE WHEN a.name IS DISTINCT FROM b.name THEN 'name' END,
            CASE WHEN a.country IS DISTINCT FROM b.country THEN 'country' END,
            CASE WHEN list_sort(a.aliases) IS DISTINCT FROM list_sort(b.aliases)
                 THEN 'aliases' END,
            CASE WHEN list_sort(a.addresses) IS DISTINCT FROM list_sort(b.addresses)
                 THEN 'addresses' END,
            CASE WHEN a.license_requirement IS DISTINCT FROM b.license_requirement
                 THEN 'license_requirement' END,
            CASE WHEN a.license_review_policy IS DISTINCT FROM b.license_review_policy
                 THEN 'license_review_policy' END,
            CASE WHEN list_sort(a.federal_register_citations)
                      IS DISTINCT FROM list_sort(b.federal_register_citations)
                 THEN 'federal_register_citations' END,
            CASE WHEN list_sort(a.footnotes) IS DISTINCT FROM list_sort(b.footnotes)
                 THEN 'footnotes' END,
            CASE WHEN list_sort(a.countries) IS DISTINCT FROM list_sort(b.countries)
                 THEN 'countries' END
         ], lambda c: c IS NOT NULL) END AS changed_columns,
    CASE WHEN a.entry_key IS NOT NULL THEN {
        'name': a.name, 'country': a.country, 'aliases': a.aliases, 'addresses': a.addresses,
        'license_requirement': a.license_requirement,
        'license_review_policy': a.license_review_policy,
        'federal_register_citations': a.federal_register_citations,
        'valid_from': a.valid_from, 'document_number': a.document_number} END AS before,
    CASE WHEN b.entry_key IS NOT NULL THEN {
        'name': b.name, 'country': b.country, 'aliases': b.aliases, 'addresses': b.addresses,
        'license_requirement': b.license_requirement,
        'license_review_policy': b.license_review_policy,
        'federal_register_citations': b.federal_register_citations,
        'valid_from': b.valid_from, 'document_number': b.document_number} END AS after
FROM a_only AS a
FULL OUTER JOIN b_only AS b ON a.list = b.list AND a.entry_key = b.entry_key
WHERE a.entry_key IS NULL OR b.entry_key IS NULL OR a.row_hash <> b.row_hash;

-- The same between two dates (each list and source compared with itself).
CREATE OR REPLACE MACRO entity_diff_dates(from_date, to_date) AS TABLE
-- Versions in force on exactly one of the two dates: one pass over the narrow columns, then
-- only those rows in full.
WITH sided AS (
    SELECT rowid AS rid,
           valid_from <= CAST(from_date AS DATE)
               AND (valid_to IS NULL OR valid_to > CAST(from_date AS DATE)) AS in_a,
           valid_from <= CAST(to_date AS DATE)
               AND (valid_to IS NULL OR valid_to > CAST(to_date AS DATE)) AS in_b
    FROM entry_versions
    WHERE recorded_to IS NULL
      AND valid_from <= greatest(CAST(from_date AS DATE), CAST(to_date AS DATE))
),
changed AS (
    SELECT s.in_a,
        v.list, v.source, v.entry_key, v.country, v.name, unpack_list(v.aliases) AS aliases,
        unpack_list(v.addresses) AS addresses, v.license_requirement, v.license_review_policy,
        unpack_list(v.federal_register_citations) AS federal_register_citations, v.valid_from,
        v.valid_to, unpack_list(v.footnotes) AS footnotes, unpack_list(v.countries) AS countries,
        v.start_document_number AS document_number, v.row_hash
    FROM entry_versions AS v JOIN sided AS s ON v.rowid = s.rid
    WHERE s.in_a <> s.in_b
),
a_only AS (SELECT * EXCLUDE (in_a) FROM changed WHERE in_a),
b_only AS (SELECT * EXCLUDE (in_a) FROM changed WHERE NOT in_a)
SELECT
    CASE WHEN a.entry_key IS NULL THEN 'added'
         WHEN b.entry_key IS NULL THEN 'removed'
         ELSE 'modified' END AS change_type,
    coalesce(b.list, a.list) AS list,
    coalesce(b.source, a.source) AS source,
    coalesce(b.entry_key, a.entry_key) AS entry_key,
    CASE WHEN b.entry_key IS NULL THEN a.country ELSE b.country END AS country,
    CASE WHEN b.entry_key IS NULL THEN a.name ELSE b.name END AS name,
    CASE WHEN b.entry_key IS NULL THEN a.aliases ELSE b.aliases END AS aliases,
    CASE WHEN b.entry_key IS NULL THEN a.addresses ELSE b.addresses END AS addresses,
    CASE WHEN b.entry_key IS NULL THEN a.license_requirement
         ELSE b.license_requirement END AS license_requirement,
    CASE WHEN b.entry_key IS NULL THEN a.license_review_policy
         ELSE b.license_review_policy END AS license_review_policy,
    CASE WHEN b.entry_key IS NULL THEN a.federal_register_citations
         ELSE b.federal_register_citations END AS federal_register_citations,
    CASE WHEN b.entry_key IS NULL THEN a.valid_from ELSE b.valid_from END AS valid_from,
    CASE WHEN b.entry_key IS NULL THEN a.valid_to ELSE b.valid_to END AS valid_to,
    CASE WHEN a.entry_key IS NULL OR b.entry_key IS NULL THEN CAST([] AS VARCHAR[])
         ELSE list_filter([
            CASE WHEN a.name IS DISTINCT FROM b.name THEN 'name' END,
            CASE WHEN a.country IS DISTINCT FROM b.country THEN 'country' END,
            CASE WHEN list_sort(a.aliases) IS DISTINCT FROM list_sort(b.aliases)
                 THEN 'aliases' END,
            CASE WHEN list_sort(a.addresses) IS DISTINCT FROM list_sort(b.addresses)
                 THEN 'addresses' END,
            CASE WHEN a.license_requirement IS DISTINCT FROM b.license_requirement
                 THEN 'license_requirement' END,
            CASE WHEN a.license_review_policy IS DISTINCT FROM b.license_review_policy
                 THEN 'license_review_policy' END,
            CASE WHEN list_sort(a.federal_register_citations)
                      IS DISTINCT FROM list_sort(b.federal_register_citations)
                 THEN 'federal_register_citations' END,
            CASE WHEN list_sort(a.footnotes) IS DISTINCT FROM list_sort(b.footnotes)
                 THEN 'footnotes' END,
            CASE WHEN list_sort(a.countries) IS DISTINCT FROM list_sort(b.countries)
                 THEN 'countries' END
         ], lambda c: c IS NOT NULL) END AS changed_columns,
    CASE WHEN a.entry_key IS NOT NULL THEN {
        'name': a.name, 'country': a.country, 'aliases': a.aliases, 'addresses': a.addresses,
        'license_requirement': a.license_requirement,
        'license_review_policy': a.license_review_policy,
        'federal_register_citations': a.federal_register_citations,
        'valid_from': a.valid_from, 'document_number': a.document_number} END AS before,
    CASE WHEN b.entry_key IS NOT NULL THEN {
        'name': b.name, 'country': b.country, 'aliases': b.aliases, 'addresses': b.addresses,
        'license_requirement': b.license_requirement,
        'license_review_policy': b.license_review_policy,
        'federal_register_citations': b.federal_register_citations,
        'valid_from': b.valid_from, 'document_number': b.document_number} END AS after
FROM a_only AS a
FULL OUTER JOIN b_only AS b
  ON a.list = b.list AND a.source = b.source AND a.entry_key = b.entry_key
WHERE a.entry_key IS NULL OR b.entry_key IS NULL OR a.row_hash <> b.row_hash;

-- Every change of the entries whose name or an alias matches name_pattern (ILIKE; a pattern
-- without '%' matches anywhere in the name): adds, revisions, corrections and removals.
CREATE OR REPLACE MACRO entity_history(name_pattern) AS TABLE
WITH pat AS (
    SELECT CASE WHEN contains(name_pattern, '%') THEN name_pattern
                ELSE '%' || name_pattern || '%' END AS p
),
keys AS (
    SELECT DISTINCT v.list, v.source, v.entry_key
    FROM entity_versions AS v, pat
    WHERE v.name ILIKE pat.p
       OR EXISTS (SELECT 1 FROM unnest(v.aliases) AS t(alias) WHERE t.alias ILIKE pat.p)
),
events AS (
    SELECT v.*, v.valid_from AS effective_date, 0 AS event_order
    FROM entity_versions AS v SEMI JOIN keys USING (list, source, entry_key)
    UNION ALL BY NAME
    SELECT v.* REPLACE ('remove' AS action, v.end_document_number AS document_number,
                        v.end_citation AS citation),
           v.valid_to AS effective_date, 1 AS event_order
    FROM entity_versions AS v SEMI JOIN keys USING (list, source, entry_key)
    WHERE v.end_action = 'remove'
)
SELECT
    list, source, entry_key, action, effective_date, document_number, citation, country, name,
    aliases, addresses, license_requirement, license_review_policy, federal_register_citations,
    valid_from, valid_to, footnotes, from_snapshot AS snapshot_id, recorded_from
FROM events
ORDER BY list, source, entry_key, effective_date, event_order;
