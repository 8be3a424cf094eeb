-- Question: how many articles did each outlet send each night, and across how many stories?
SELECT ingest_date, outlet, sum(article_count) AS articles, sum(story_count) AS stories,
       sum(body_chars)::BIGINT AS body_chars
FROM marts.daily_outlet_volume
GROUP BY ingest_date, outlet
ORDER BY ingest_date, articles DESC, outlet;
