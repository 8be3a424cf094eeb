-- Story rows of the reports being built ($story_ids: live story ids).
SELECT story_id, label, first_seen, last_seen, article_count, outlet_count, copy_group_count, ingest_date
FROM stories.stories_current
WHERE story_id IN (SELECT unnest($story_ids))
