-- Story id -> the live story it counts as: a story absorbed by a merge pass counts as the story it went
-- into (chains followed). Shared head of the report queries (a CTE named "live").
WITH RECURSIVE live(story_id, live_story_id, depth) AS (
    SELECT story_id, story_id, 0 FROM stories.stories_current WHERE merged_into IS NULL
    UNION ALL
    SELECT s.story_id, l.live_story_id, l.depth + 1
    FROM stories.stories_current AS s JOIN live AS l ON s.merged_into = l.story_id
    WHERE l.depth < 100
)
