-- Stored quantities of the articles whose extraction is reused (registered as _claim_reuse).
SELECT quantity_id, article_id, char_start, char_end, surface, value, unit, qualifier, normalised
FROM claims.quantities
WHERE article_id IN (SELECT article_id FROM _claim_reuse);
