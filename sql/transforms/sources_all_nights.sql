-- Outlet keys of every night: the stored nights other than this one plus tonight's frame (_tonight_sources,
-- not yet written), with the article fields the directory derives from. Head of sources_outlet_*.sql.
WITH src AS (
    SELECT article_id, outlet_key, outlet_key_source, ingest_date FROM marts.article_sources
    WHERE ingest_date <> $partition
    UNION ALL
    SELECT article_id, outlet_key, outlet_key_source, ingest_date FROM _tonight_sources
), art AS (
    SELECT s.*, a.language, a.upstream_source, a.canonical_url, a.wire_credit
    FROM src s JOIN clean.articles a ON a.article_id = s.article_id AND a.ingest_date = s.ingest_date
)
