-- Question: what did the cleaner take out of the articles, and why? (each removed line is kept in
-- clean.removed_lines with its rule, so a wrong removal can be found and undone)
SELECT reason_code, count(*) AS lines_removed, count(DISTINCT article_id) AS articles,
       count(*) FILTER (WHERE lifted_as IS NOT NULL) AS lifted_into_metadata
FROM clean.removed_lines
GROUP BY reason_code
ORDER BY lines_removed DESC, reason_code;
