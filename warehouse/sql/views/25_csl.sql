-- Screening-list (CSL) views: citation links and the latest reconciliation.

-- Every FR citation of every current official (CSL) entry, linked to the FR document whose
-- printed pages contain it (volume + page within start_page..end_page) when it is loaded.
CREATE OR REPLACE VIEW csl_citation_links AS
WITH cites AS (
    SELECT
        e.list, e.entry_key, e.name, e.country, c.citation,
        TRY_CAST(regexp_extract(c.citation, '^(\d+) FR (\d+)$', 1) AS INTEGER) AS volume,
        TRY_CAST(regexp_extract(c.citation, '^(\d+) FR (\d+)$', 2) AS INTEGER) AS page
    FROM entity_list_current AS e, unnest(e.federal_register_citations) AS c(citation)
    WHERE e.source = 'csl'
),
docs AS (
    SELECT
        document_number, title, publication_date, start_page,
        coalesce(end_page, start_page) AS end_page,
        coalesce(volume, TRY_CAST(regexp_extract(citation, '^(\d+) FR', 1) AS INTEGER)) AS volume
    FROM fr_documents
)
SELECT cites.*, docs.document_number, docs.publication_date, docs.title
FROM cites
LEFT JOIN docs
  ON docs.volume = cites.volume AND cites.page BETWEEN docs.start_page AND docs.end_page;

-- The FR document(s) containing page pg of volume vol: fr_document_for_citation(84, 54002).
CREATE OR REPLACE MACRO fr_document_for_citation(vol, pg) AS TABLE
SELECT *
FROM fr_documents
WHERE coalesce(volume, TRY_CAST(regexp_extract(citation, '^(\d+) FR', 1) AS INTEGER)) = vol
  AND pg BETWEEN start_page AND coalesce(end_page, start_page);

-- Findings of the most recent reconciliation run.
CREATE OR REPLACE VIEW reconciliation_latest AS
SELECT r.*
FROM reconciliation AS r
WHERE r.run_id = (SELECT max(run_id) FROM reconciliation_runs);
