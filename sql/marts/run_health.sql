-- Views over marts.run_health (written by the sources/run_health asset): one row per night, and the gaps.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE VIEW marts.run_health_nightly AS
WITH per_night AS (
    SELECT
        ingest_date AS night,
        count(*) FILTER (WHERE articles_in > 0) AS outlets_in,
        count(*) AS outlets_expected,
        sum(articles_in) AS articles_in,
        count(*) FILTER (WHERE coverage_gap) AS coverage_gaps,
        list(outlet_id ORDER BY outlet_id) FILTER (WHERE coverage_gap) AS gap_outlets,
        sum(non_english_articles) AS non_english_articles,
        sum(implausible_dates) AS implausible_dates,
        sum(boilerplate_share * articles_in) / nullif(sum(articles_in) FILTER (WHERE boilerplate_share IS NOT NULL), 0)
            AS boilerplate_share,
        sum(duplicate_share * articles_in) / nullif(sum(articles_in) FILTER (WHERE duplicate_share IS NOT NULL), 0)
            AS duplicate_share,
        max(freshness_days) AS max_freshness_days
    FROM marts.run_health
    GROUP BY ingest_date
),
rejects AS (
    SELECT ingest_date AS night, count(*) AS ingest_rejects,
           list(reason_code || ' x' || n ORDER BY n DESC, reason_code) AS reject_reasons
    FROM (SELECT ingest_date, reason_code, count(*) AS n FROM raw.rejects GROUP BY ALL)
    GROUP BY ingest_date
),
failures AS (
    SELECT ingest_date AS night, count(*) AS clean_failures FROM clean.failures GROUP BY ingest_date
)
SELECT p.*, coalesce(r.ingest_rejects, 0) AS ingest_rejects, r.reject_reasons,
       coalesce(f.clean_failures, 0) AS clean_failures
FROM per_night AS p
LEFT JOIN rejects AS r USING (night)
LEFT JOIN failures AS f USING (night)
ORDER BY night;
COMMENT ON VIEW marts.run_health_nightly IS 'One row per night: outlets that sent articles against those expected (seen in the trailing window), coverage gaps and which outlets, every ingest reject by reason (also those no outlet can be attributed to), cleaning failures, non-English articles (counted: claim rules are English-only), untrusted publication dates, boilerplate and duplicate shares weighted by articles.';

CREATE OR REPLACE VIEW marts.coverage_gaps AS
SELECT h.ingest_date AS night, h.outlet_id, o.display_name, o.collections, h.articles_in, h.trailing_median,
       h.volume_ratio, h.trailing_nights, o.last_seen
FROM marts.run_health AS h
LEFT JOIN marts.outlets AS o USING (outlet_id)
WHERE h.coverage_gap
ORDER BY night DESC, h.trailing_median DESC;
COMMENT ON VIEW marts.coverage_gaps IS 'Outlets that fell below half their trailing 7-night median, newest night first: counts for those nights undercount them.';
