-- Analyst views over the claims schema. Offsets are 0-based into clean.articles.body.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE VIEW marts.claims_by_story AS
SELECT
    c.story_id,
    c.claim_id,
    c.claim_type,
    c.canonical_text,
    c.claimant,
    c.value,
    c.article_count,
    c.outlet_count,
    c.copy_group_count AS independent_origins,
    c.article_count = 1 AS single_source,
    c.first_article,
    (SELECT count(*) FROM claims.conflicts f WHERE f.claim_id = c.claim_id) AS conflict_count,
    c.ingest_date
FROM claims.claims c;
COMMENT ON VIEW marts.claims_by_story IS 'Every claim of every story with its support: articles, outlets and independent origins (copy groups; ten copies of one wire text count once), whether it is single-source, and how many conflicts it has. Sort by independent_origins to see what is corroborated.';

CREATE OR REPLACE VIEW marts.conflicts AS
SELECT
    f.story_id,
    f.conflict_id,
    f.conflict_type,
    c.claim_type,
    c.canonical_text AS claim_text,
    f.value_a,
    f.article_a,
    f.a_start,
    f.a_end,
    f.value_b,
    f.article_b,
    f.b_start,
    f.b_end,
    f.ingest_date
FROM claims.conflicts f
JOIN claims.claims c USING (claim_id);
COMMENT ON VIEW marts.conflicts IS 'Where copies of a story disagree: a different number, name, place or date in aligned statements, a changed speaker, or a quote one copy shortened, extended or altered. value_a/value_b are exactly the body text at the given offsets of article_a/article_b.';

CREATE OR REPLACE VIEW marts.quotes_by_speaker AS
WITH named AS (
    SELECT q.*, coalesce(q.speaker_key, lower(q.speaker_name)) AS key
    FROM claims.quotes q
    WHERE q.speaker_name IS NOT NULL
),
-- one display name per speaker key: the form most articles use, ties broken alphabetically
forms AS (
    SELECT key, speaker_name,
           row_number() OVER (PARTITION BY key ORDER BY count(DISTINCT article_id) DESC, count(*) DESC,
                                                        speaker_name) AS rank
    FROM named
    GROUP BY key, speaker_name
),
variants AS (
    SELECT key, list(DISTINCT speaker_name ORDER BY speaker_name) AS name_variants FROM named GROUP BY key
)
SELECT
    f.speaker_name,
    n.kind,
    count(*) AS quote_count,
    count(DISTINCT n.article_id) AS article_count,
    count(DISTINCT m.story_id) AS story_count,
    avg(n.confidence) AS mean_confidence,
    min(n.quote_text) FILTER (WHERE n.kind = 'direct') AS example_direct_quote,
    any_value(v.name_variants) AS name_variants,
    n.key AS speaker_key
FROM named n
JOIN forms f ON f.key = n.key AND f.rank = 1
JOIN variants v ON v.key = n.key
LEFT JOIN (SELECT DISTINCT article_id, story_id FROM stories.members) m ON m.article_id = n.article_id
GROUP BY f.speaker_name, n.kind, n.key;
COMMENT ON VIEW marts.quotes_by_speaker IS 'Who is quoted, how (direct, partial, indirect, according_to), how often and across how many articles and stories. One row per speaker and kind: forms of a name that differ only by spelling, transliteration, case or apostrophes (Russia''s defence ministry / Russia''s Defense Ministry) are one speaker (speaker_key), shown under the form most articles use; name_variants lists the forms seen. Names are normalised within each article (pronouns resolved, surnames expanded to the full name).';
