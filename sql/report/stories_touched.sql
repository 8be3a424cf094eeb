-- Live ids of the stories a night added articles to, or whose membership the night's story pass changed
-- (a snapshot of one of its fragments, a merge into it, a fragment that left it).
SELECT DISTINCT coalesce(l.live_story_id, m.story_id) AS story_id
FROM stories.members AS m LEFT JOIN stories.live_stories AS l ON l.story_id = m.story_id
WHERE m.ingest_date = $partition
UNION
SELECT coalesce(l.live_story_id, s.story_id)
FROM stories.stories AS s LEFT JOIN stories.live_stories AS l ON l.story_id = s.story_id
WHERE s.ingest_date = $partition
UNION
SELECT coalesce(l.live_story_id, g.into_story_id)
FROM stories.merges AS g LEFT JOIN stories.live_stories AS l ON l.story_id = g.into_story_id
WHERE g.ingest_date = $partition
UNION
SELECT coalesce(l.live_story_id, u.from_story_id)
FROM stories.unmerges AS u LEFT JOIN stories.live_stories AS l ON l.story_id = u.from_story_id
WHERE u.ingest_date = $partition
ORDER BY 1
