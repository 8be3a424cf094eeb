-- Stored dates of the articles whose extraction is reused (registered as _claim_reuse).
SELECT date_id, article_id, char_start, char_end, surface, resolved_date, granularity, relative
FROM claims.dates
WHERE article_id IN (SELECT article_id FROM _claim_reuse);
