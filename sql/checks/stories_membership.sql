-- One row per clean article of the partition: how many stories.members rows it has (must be exactly 1),
-- so "every clean article belongs to exactly one story and one copy group" is a column check.
SELECT a.article_id,
       count(m.article_id) AS member_rows,
       count(DISTINCT m.story_id) AS story_count,
       count(DISTINCT m.copy_group_id) AS copy_group_count
FROM clean.articles a
LEFT JOIN stories.members m ON m.article_id = a.article_id
WHERE a.ingest_date = $partition
GROUP BY a.article_id
