-- Members of the touched stories (registered as _claim_members: article_id, ingest_date) whose stored
-- per-article claims rows (sentences, quotes, quantities, dates) can stand in for extracting them again:
-- from an earlier night; extracted before, from the body they have now (every stored sentence is still
-- the slice of the current body at its offsets); and with quotes that carry the speaker name their own
-- extraction gave (rows written before migration 0005 do not: those articles are extracted again).
WITH candidates AS (
    SELECT DISTINCT article_id FROM _claim_members WHERE ingest_date < $partition
),
bodies AS (
    SELECT article_id, arg_max(body, ingest_date) AS body
    FROM clean.articles
    WHERE article_id IN (SELECT article_id FROM candidates)
    GROUP BY article_id
),
sentences_match AS (
    SELECT s.article_id
    FROM claims.sentences AS s
    JOIN bodies AS b USING (article_id)
    GROUP BY s.article_id
    HAVING bool_and(substr(b.body, s.char_start + 1, s.char_end - s.char_start) = s.text)
)
SELECT article_id
FROM sentences_match
WHERE article_id NOT IN (
    SELECT article_id FROM claims.quotes
    WHERE article_id IN (SELECT article_id FROM candidates)
      AND speaker_name IS NOT NULL AND extracted_speaker_name IS NULL
)
ORDER BY article_id;
