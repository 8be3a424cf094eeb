-- Conflicts of the reports' stories with the text of their claim.
SELECT f.story_id, f.conflict_id, f.claim_id, f.conflict_type, c.canonical_text AS claim_text,
       f.value_a, f.article_a, f.a_start, f.a_end, f.value_b, f.article_b, f.b_start, f.b_end
FROM claims.conflicts AS f
LEFT JOIN claims.claims AS c USING (claim_id)
WHERE f.story_id IN (SELECT unnest($story_ids))
ORDER BY f.story_id, f.conflict_type, f.conflict_id
