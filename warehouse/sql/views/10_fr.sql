-- Public views over the loaded Federal Register documents (current recorded version only).

CREATE OR REPLACE VIEW fr_documents AS
SELECT
    document_number, title, type, publication_date, effective_date, citation, volume,
    start_page, end_page, html_url, full_text_xml_url, body_html_url, json_url, abstract,
    fr_action AS action, agencies, cfr_parts, correction_of, source_format, change_count,
    warning_count, content_sha256, metadata_sha256, document_id, recorded_from AS recorded_at
FROM fr_document_versions
WHERE recorded_to IS NULL;

CREATE OR REPLACE VIEW entity_changes AS
SELECT
    c.document_number, d.publication_date, d.effective_date, c.action, c.country, c.name,
    c.previous_name, c.aliases, c.addresses, c.license_requirement, c.license_review_policy,
    c.federal_register_citations, c.footnotes, c.position
FROM fr_changes AS c
JOIN fr_document_versions AS d ON d.document_id = c.document_id
WHERE d.recorded_to IS NULL;

CREATE OR REPLACE VIEW quarantine_open AS
SELECT * FROM quarantine WHERE resolved_at IS NULL;
