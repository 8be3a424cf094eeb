-- Per outlet key over every night (stored nights other than this one + tonight's _tonight_sources):
-- articles, first/last night, main language, upstream sources, a canonical URL (sources/outlets).
WITH src AS (
    SELECT article_id, outlet_key, outlet_key_source, ingest_date FROM marts.article_sources
    WHERE ingest_date <> $partition
    UNION ALL
    SELECT article_id, outlet_key, outlet_key_source, ingest_date FROM _tonight_sources
), art AS (
    SELECT s.*, a.language, a.upstream_source, a.canonical_url, a.wire_credit
    FROM src s JOIN clean.articles a ON a.article_id = s.article_id AND a.ingest_date = s.ingest_date
)

SELECT outlet_key, mode(outlet_key_source) AS outlet_key_source, count(*) AS articles,
       min(ingest_date) AS first_seen, max(ingest_date) AS last_seen, mode(language) AS language,
       list_sort(list_distinct(list(upstream_source) FILTER (WHERE upstream_source IS NOT NULL))) AS upstream_sources,
       min(canonical_url) AS canonical_url_example
FROM art GROUP BY outlet_key ORDER BY outlet_key
