-- Articles per outlet key and credited agency over every night (sources/outlets): the evidence behind a
-- derived wire affiliation.
WITH src AS (
    SELECT article_id, outlet_key, outlet_key_source, ingest_date FROM marts.article_sources
    WHERE ingest_date <> $partition
    UNION ALL
    SELECT article_id, outlet_key, outlet_key_source, ingest_date FROM _tonight_sources
), art AS (
    SELECT s.*, a.language, a.upstream_source, a.canonical_url, a.wire_credit
    FROM src s JOIN clean.articles a ON a.article_id = s.article_id AND a.ingest_date = s.ingest_date
)

SELECT outlet_key, wire_credit AS agency, count(*) AS articles
FROM art WHERE wire_credit IS NOT NULL GROUP BY ALL ORDER BY ALL
