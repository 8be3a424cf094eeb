-- Question: which stories were carried most widely, by how many outlets and independent origins?
-- (README walkthrough, step 1 of 3; marts.stories has one row per live story)
SELECT story_id, label, article_count, outlet_count, independent_origins, conflict_count, outlets
FROM marts.stories
ORDER BY outlet_count DESC, article_count DESC, story_id
LIMIT 10;
