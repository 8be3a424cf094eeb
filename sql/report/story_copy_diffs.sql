-- The copy diffs reports.copy_diffs keeps for the members of the reports' stories (one row per copy:
-- the latest written). A kept diff stands in for diffing the copy again only while its diff_key still
-- names the two texts (wiretrace/report/markup.py).
SELECT m.live_story_id AS story_id, d.article_id, d.diff_key, d.rows_html, d.inserted, d.removed, d.changed
FROM stories.live_members AS m
JOIN reports.copy_diffs AS d USING (article_id)
WHERE m.live_story_id IN (SELECT unnest($story_ids));
