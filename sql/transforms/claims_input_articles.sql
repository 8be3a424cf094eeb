-- Bodies of the articles whose claims are recomputed (registered as _claim_members).
SELECT a.article_id, a.outlet, a.title, a.body, a.published_date
FROM clean.articles AS a
WHERE a.article_id IN (SELECT article_id FROM _claim_members)
ORDER BY a.article_id;
