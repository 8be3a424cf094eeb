-- One row per article of the night with what run health aggregates per outlet: outlet id, language, date
-- plausibility, kept share, boilerplate characters removed, whether it is a copy (sources/run_health).
WITH removed AS (
    SELECT article_id, sum(length(text)) AS chars FROM clean.removed_lines
    WHERE ingest_date = $partition AND reason_code NOT IN ('metadata_lifted', 'html_extractor')
    GROUP BY article_id
), copies AS (
    SELECT article_id, arg_max(copy_order, ingest_date) > 1 AS is_copy FROM stories.members
    WHERE ingest_date <= $partition GROUP BY article_id
)
SELECT s.article_id, k.outlet_id, s.language, s.published_date_plausible, s.effective_date, a.body_chars,
       a.kept_share, coalesce(r.chars, 0) AS boilerplate_chars, c.is_copy
FROM marts.article_sources s
JOIN clean.articles a ON a.article_id = s.article_id AND a.ingest_date = s.ingest_date
JOIN (SELECT outlet_id, unnest(outlet_keys) AS outlet_key FROM marts.outlets) k ON k.outlet_key = s.outlet_key
LEFT JOIN removed r ON r.article_id = s.article_id
LEFT JOIN copies c ON c.article_id = s.article_id
WHERE s.ingest_date = $partition
