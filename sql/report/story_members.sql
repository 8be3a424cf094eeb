-- Members of the reports' stories with their latest clean text. Members are picked first and only their
-- articles are read, so a batch costs one pass over the tables, not one per story.
WITH members AS (
    SELECT live_story_id AS story_id, article_id, copy_group_id, representative_article_id, outlet, published_date
    FROM stories.live_members
    WHERE live_story_id IN (SELECT unnest($story_ids))
),
articles AS (
    SELECT a.article_id, a.outlet, a.title, a.published_date, a.body
    FROM clean.articles AS a
    WHERE a.article_id IN (SELECT article_id FROM members)
    QUALIFY row_number() OVER (PARTITION BY a.article_id ORDER BY a.ingest_date DESC) = 1
)
SELECT m.story_id, m.article_id, m.copy_group_id,
       coalesce(g.representative_article_id, m.representative_article_id) AS representative_article_id,
       coalesce(a.outlet, m.outlet) AS outlet, a.title, a.published_date, m.published_date AS effective_date,
       coalesce(a.body, '') AS body
FROM members AS m
LEFT JOIN stories.copy_groups_current AS g ON g.copy_group_id = m.copy_group_id
LEFT JOIN articles AS a ON a.article_id = m.article_id
ORDER BY m.story_id, m.copy_group_id, m.published_date, m.article_id
