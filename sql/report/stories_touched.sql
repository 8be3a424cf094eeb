-- Live ids of the stories a night added articles to or merged.
SELECT DISTINCT coalesce(l.live_story_id, m.story_id) AS story_id
FROM stories.members AS m LEFT JOIN stories.live_stories AS l ON l.story_id = m.story_id
WHERE m.ingest_date = $partition
UNION
SELECT coalesce(l.live_story_id, g.into_story_id)
FROM stories.merges AS g LEFT JOIN stories.live_stories AS l ON l.story_id = g.into_story_id
WHERE g.ingest_date = $partition
ORDER BY 1
