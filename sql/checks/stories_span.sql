-- Stories touched by the partition (latest snapshot): their publication span in days and whether the
-- members' stories/copy groups exist, so "no story spans more than its window" is a range check.
SELECT s.story_id,
       date_diff('day', s.first_seen, s.last_seen) AS span_days,
       s.article_count,
       s.copy_group_count,
       s.article_count >= s.copy_group_count AS counts_consistent
FROM stories.stories s
WHERE s.ingest_date = $partition
