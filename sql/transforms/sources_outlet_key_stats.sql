-- Per outlet key over every night, after the CTEs of sources_all_nights.sql: articles, first/last night,
-- main language, upstream sources, a canonical URL (sources/outlets).
SELECT outlet_key, mode(outlet_key_source) AS outlet_key_source, count(*) AS articles,
       min(ingest_date) AS first_seen, max(ingest_date) AS last_seen, mode(language) AS language,
       list_sort(list_distinct(list(upstream_source) FILTER (WHERE upstream_source IS NOT NULL))) AS upstream_sources,
       min(canonical_url) AS canonical_url_example
FROM art GROUP BY outlet_key ORDER BY outlet_key
