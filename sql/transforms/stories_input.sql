-- The night's clean articles, in the columns the story stage takes.
SELECT article_id, outlet, title, body, published_date, ingest_date
FROM clean.articles
WHERE ingest_date = $partition
ORDER BY article_id;
