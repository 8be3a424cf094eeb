-- Articles per outlet and earlier night since $since: the trailing window run health compares tonight to.
SELECT k.outlet_id, s.ingest_date AS night, count(*) AS articles
FROM marts.article_sources s JOIN (SELECT outlet_id, unnest(outlet_keys) AS outlet_key FROM marts.outlets) k ON k.outlet_key = s.outlet_key
WHERE s.ingest_date >= $since AND s.ingest_date < $partition
GROUP BY ALL
