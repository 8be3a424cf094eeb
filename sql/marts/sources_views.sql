-- Analyst views over the outlet directory (issue 9): articles with their resolved outlet, counts done
-- right for stories, claims and collections, and one row per run for provenance.
-- Counting rule (docs/SOURCES.md): articles = every copy; independent_origins = distinct copy groups
-- (a wire text and all its copies count once); outlets = distinct marts.outlets ids (aliases and
-- domains of one outlet count once). Only base tables are used here, so the file does not depend on
-- the order in which sql/marts/*.sql files run.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE VIEW marts.article_outlets AS
SELECT
    s.article_id,
    o.outlet_id,
    o.display_name AS outlet_name,
    o.collections,
    o.country,
    o.wire_affiliations,
    o.needs_review AS outlet_needs_review,
    s.outlet_key,
    s.outlet_key_source,
    s.canonical_domain,
    s.published_date,
    s.published_source,
    s.published_date_plausible,
    s.published_date_flag,
    s.effective_date,
    s.language,
    s.language_confidence,
    s.ingest_date,
    s.run_id
FROM marts.article_sources AS s
LEFT JOIN (SELECT outlet_id, unnest(outlet_keys) AS outlet_key FROM marts.outlets) AS k USING (outlet_key)
LEFT JOIN marts.outlets AS o USING (outlet_id);
COMMENT ON VIEW marts.article_outlets IS 'Every article with its outlet from the directory (marts.outlets), its collections, and whether its publication date is trusted (published_date_plausible, published_date_flag; effective_date is what windows and daily volumes use).';

CREATE OR REPLACE VIEW marts.story_sources AS
WITH
members AS (
    SELECT article_id, arg_max(story_id, ingest_date) AS story_id, arg_max(copy_group_id, ingest_date) AS copy_group_id
    FROM stories.members GROUP BY article_id
)
SELECT
    coalesce(l.live_story_id, m.story_id) AS story_id,
    count(*) AS article_count,
    count(DISTINCT m.copy_group_id) AS independent_origins,
    count(DISTINCT coalesce(a.outlet_id, 'article:' || m.article_id)) AS outlet_count,
    count(*) - count(DISTINCT m.copy_group_id) AS copies_beyond_origins,
    count(DISTINCT a.outlet_id) FILTER (WHERE len(a.wire_affiliations) > 0) AS wire_affiliated_outlets,
    list_sort(list_distinct(flatten(list(a.collections)))) AS collections,
    count(*) FILTER (WHERE a.language IS NOT NULL AND a.language <> 'en') AS non_english_articles,
    count(*) FILTER (WHERE NOT a.published_date_plausible) AS implausible_dates,
    count(*) FILTER (WHERE a.outlet_needs_review) AS articles_from_unreviewed_outlets,
    min(a.effective_date) AS first_effective_date,
    max(a.effective_date) AS last_effective_date
FROM members AS m
LEFT JOIN stories.live_stories AS l ON l.story_id = m.story_id
LEFT JOIN marts.article_outlets AS a USING (article_id)
GROUP BY ALL;
COMMENT ON VIEW marts.story_sources IS 'Per live story (merges resolved): raw article count beside independent origins (copy groups) and distinct outlets of the directory, plus collections, wire-affiliated outlets, non-English articles and untrusted dates. Ten copies of one AFP text in ten outlets: article_count 10, independent_origins 1, outlet_count 10.';

CREATE OR REPLACE VIEW marts.claim_sources AS
-- mentions are counted per claim_id (the claims suite keeps it unique) before the claim's text joins
-- them: grouping the joined rows by the text as well took 6.0 s instead of 3.1 s on ten history nights
WITH mention_sources AS (
    SELECT
        cm.claim_id,
        count(DISTINCT cm.article_id) AS article_count,
        count(DISTINCT cm.copy_group_id) AS independent_origins,
        count(DISTINCT coalesce(a.outlet_id, 'article:' || cm.article_id)) AS outlet_count,
        list_sort(list_distinct(flatten(list(a.collections)))) AS collections
    FROM claims.claim_mentions AS cm
    LEFT JOIN marts.article_outlets AS a ON a.article_id = cm.article_id
    GROUP BY cm.claim_id
)
SELECT
    c.claim_id,
    c.story_id,
    c.claim_type,
    c.canonical_text,
    m.article_count,
    m.independent_origins,
    m.outlet_count,
    m.collections,
    c.ingest_date
FROM claims.claims AS c
JOIN mention_sources AS m USING (claim_id);
COMMENT ON VIEW marts.claim_sources IS 'Per claim: articles carrying it beside independent origins (copy groups) and distinct outlets of the directory (aliases merged), and the collections it reached. marts.claims_by_story has the same counts from the claim stage with outlets as ingest named them.';

CREATE OR REPLACE VIEW marts.outlet_daily_volume_by_collection AS
WITH articles AS (
    SELECT a.article_id, a.outlet_id, a.effective_date, m.copy_group_id,
           CASE WHEN len(a.collections) > 0 THEN a.collections ELSE ['(no collection)'] END AS collections
    FROM marts.article_outlets AS a
    LEFT JOIN (SELECT article_id, arg_max(copy_group_id, ingest_date) AS copy_group_id
               FROM stories.members GROUP BY article_id) AS m USING (article_id)
)
SELECT
    effective_date AS published_date,
    collection,
    count(*) AS article_count,
    count(DISTINCT coalesce(copy_group_id, 'article:' || article_id)) AS independent_origins,
    count(DISTINCT outlet_id) AS outlet_count
FROM articles, unnest(collections) AS t(collection)
GROUP BY ALL;
COMMENT ON VIEW marts.outlet_daily_volume_by_collection IS 'Articles per publication date (effective_date: the ingest date when the publication date is not plausible) and collection of outlets.yaml, beside independent origins (copy groups; an article not yet in a copy group counts as its own origin) and distinct outlets. An outlet in two collections counts in both; outlets in none are under "(no collection)".';

CREATE OR REPLACE VIEW marts.runs AS
SELECT
    run_id,
    min(partition_date) AS partition_date,
    any_value(job_name) AS job_name,
    min(started_at) AS started_at,
    max(finished_at) AS finished_at,
    CASE WHEN bool_or(status = 'failed') THEN 'failed'
         WHEN bool_or(status = 'started') THEN 'incomplete' ELSE 'succeeded' END AS status,
    any_value(wiretrace_version) AS wiretrace_version,
    arg_max(package_versions, started_at) AS package_versions,
    map_from_entries(list(struct_pack(k := asset_key, v := config_hash) ORDER BY asset_key)) AS config_hashes,
    sha256(string_agg(asset_key || '=' || config_hash, ';' ORDER BY asset_key)) AS run_config_hash,
    list(asset_key ORDER BY asset_key) AS asset_steps
FROM meta.runs
GROUP BY run_id;
COMMENT ON VIEW marts.runs IS 'One row per Dagster run: night, status over its steps, code and library versions, and the settings hash of every asset step (run_config_hash summarises them: equal hashes, equal settings). Every derived row carries run_id; join here to tell which night and which code made a number.';
