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
SELECT
    q.speaker_name,
    q.kind,
    count(*) AS quote_count,
    count(DISTINCT q.article_id) AS article_count,
    count(DISTINCT m.story_id) AS story_count,
    avg(q.confidence) AS mean_confidence,
    min(q.quote_text) FILTER (WHERE q.kind = 'direct') AS example_direct_quote
FROM claims.quotes q
LEFT JOIN (SELECT DISTINCT article_id, story_id FROM stories.members) m USING (article_id)
WHERE q.speaker_name IS NOT NULL
GROUP BY q.speaker_name, q.kind;
COMMENT ON VIEW marts.quotes_by_speaker IS 'Who is quoted, how (direct, partial, indirect, according_to), how often and across how many articles and stories. speaker_name is normalised within each article (pronouns resolved, surnames expanded to the full name).';
