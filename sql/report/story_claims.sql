-- Claims of the reports' stories with their conflict counts, the conflicted and best supported first.
WITH story_claims AS (
    SELECT * FROM claims.claims WHERE story_id IN (SELECT unnest($story_ids))
),
conflict_counts AS (
    SELECT claim_id, count(*) AS conflict_count
    FROM claims.conflicts
    WHERE story_id IN (SELECT unnest($story_ids))
    GROUP BY claim_id
)
SELECT c.story_id, c.claim_id, c.claim_type, c.canonical_text, c.claimant, c.article_count, c.outlet_count,
       c.copy_group_count AS independent_origins, c.mention_count,
       coalesce(f.conflict_count, 0) AS conflict_count
FROM story_claims AS c
LEFT JOIN conflict_counts AS f USING (claim_id)
ORDER BY c.story_id, coalesce(f.conflict_count, 0) > 0 DESC, c.copy_group_count DESC, c.article_count DESC,
         c.claim_type, c.claim_id
