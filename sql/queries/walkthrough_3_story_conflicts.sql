-- Question: where do the outlets carrying that story disagree?
-- (README walkthrough, step 3 of 3; value_a/value_b are the exact body text at the conflict offsets)
SELECT c.conflict_type, c.value_a, a.outlet AS outlet_a, c.value_b, b.outlet AS outlet_b, c.claim_text
FROM marts.conflicts AS c
JOIN clean.articles AS a ON a.article_id = c.article_a
JOIN clean.articles AS b ON b.article_id = c.article_b
WHERE c.story_id = (SELECT story_id FROM marts.stories ORDER BY outlet_count DESC, article_count DESC, story_id LIMIT 1)
ORDER BY c.conflict_type, c.value_a, c.value_b;
