-- Story ids the night wrote a snapshot of (the story stage's partition). A fragment merged tonight no
-- longer counts as a story of its own: per-story claims rows filed under its id are deleted with those
-- of the touched live stories.
SELECT DISTINCT story_id FROM stories.stories WHERE ingest_date = $partition ORDER BY story_id;
