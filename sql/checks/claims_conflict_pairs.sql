-- One row per conflict of the partition (filed under the night or written by the gated run): are its two articles different members of the conflict's story?
-- (A claim's story is a live story: its members are resolved through merges, as the claims stage reads them.)
SELECT
    f.conflict_id,
    f.story_id,
    f.article_a,
    f.article_b,
    f.article_a <> f.article_b
        AND ma.story_id IS NOT NULL AND mb.story_id IS NOT NULL AS two_articles_of_story
FROM claims.conflicts f
LEFT JOIN (SELECT DISTINCT live_story_id AS story_id, article_id FROM stories.live_members) ma
    ON ma.story_id = f.story_id AND ma.article_id = f.article_a
LEFT JOIN (SELECT DISTINCT live_story_id AS story_id, article_id FROM stories.live_members) mb
    ON mb.story_id = f.story_id AND mb.article_id = f.article_b
WHERE f.ingest_date = $partition OR f.run_id = $run_id
