-- Members of every story the night touched, with story ids resolved to live stories (a fragment merged
-- by the story pass counts as the story it went into). A story is touched when the night added articles
-- to it or changed its membership (the view stories.touched_stories).
-- Claims are recomputed for whole stories, because a new copy can create or settle agreements and
-- conflicts with articles of earlier nights.
WITH
members AS (
    SELECT article_id, live_story_id AS story_id, copy_group_id, ingest_date FROM stories.live_members
),
touched AS (
    SELECT live_story_id AS story_id FROM stories.touched_stories WHERE ingest_date = $partition
)
SELECT article_id, story_id, copy_group_id, ingest_date
FROM members
WHERE story_id IN (SELECT story_id FROM touched)
ORDER BY story_id, article_id;
