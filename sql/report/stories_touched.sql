-- Live ids of the stories a night added articles to, or whose membership the night's story pass changed.
SELECT live_story_id AS story_id
FROM stories.touched_stories
WHERE ingest_date = $partition
ORDER BY 1
