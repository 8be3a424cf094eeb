-- One row per claim of the partition (filed under the night or written by the gated run): does it have a
-- mention, and do its support counts fit its story?
WITH story_size AS (  -- of the live story, merged fragments included (the story the claims were computed for)
    SELECT live_story_id AS story_id, count(DISTINCT article_id) AS story_articles
    FROM stories.live_members GROUP BY live_story_id
),
mentioned AS (
    SELECT DISTINCT claim_id FROM claims.claim_mentions
)
SELECT
    c.claim_id,
    c.story_id,
    c.article_count,
    c.outlet_count,
    c.copy_group_count,
    m.claim_id IS NOT NULL AS has_mention,
    c.article_count >= 1
        AND c.outlet_count <= c.article_count
        AND c.copy_group_count <= c.article_count
        AND (c.story_id IS NULL OR c.article_count <= coalesce(s.story_articles, 0)) AS support_within_story
FROM claims.claims c
LEFT JOIN mentioned m USING (claim_id)
LEFT JOIN story_size s USING (story_id)
WHERE c.ingest_date = $partition OR c.run_id = $run_id
