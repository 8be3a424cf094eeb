-- Every claims row that points into an article: are its offsets inside clean.articles.body, and is the
-- body slice equal to the stored text? One row per (table, row). DuckDB substr/length count characters
-- (code points) like the Python offsets the library writes.
WITH spans AS (
    SELECT 'claims.sentences' AS table_name, sentence_id AS row_key, article_id, char_start, char_end, text AS stored_text
    FROM claims.sentences WHERE (ingest_date = $partition OR run_id = $run_id)
    UNION ALL
    SELECT 'claims.quotes', quote_id, article_id, char_start, char_end, quote_text
    FROM claims.quotes WHERE (ingest_date = $partition OR run_id = $run_id)
    UNION ALL
    SELECT 'claims.quotes.speaker', quote_id, article_id, speaker_start, speaker_end, speaker_text
    FROM claims.quotes WHERE (ingest_date = $partition OR run_id = $run_id) AND speaker_start IS NOT NULL
    UNION ALL
    SELECT 'claims.quantities', quantity_id, article_id, char_start, char_end, surface
    FROM claims.quantities WHERE (ingest_date = $partition OR run_id = $run_id)
    UNION ALL
    SELECT 'claims.dates', date_id, article_id, char_start, char_end, surface
    FROM claims.dates WHERE (ingest_date = $partition OR run_id = $run_id)
    UNION ALL
    SELECT 'claims.claim_mentions', claim_id, article_id, char_start, char_end, text
    FROM claims.claim_mentions WHERE (ingest_date = $partition OR run_id = $run_id)
    UNION ALL
    SELECT 'claims.conflicts.a', conflict_id, article_a, a_start, a_end, value_a
    FROM claims.conflicts WHERE (ingest_date = $partition OR run_id = $run_id)
    UNION ALL
    SELECT 'claims.conflicts.b', conflict_id, article_b, b_start, b_end, value_b
    FROM claims.conflicts WHERE (ingest_date = $partition OR run_id = $run_id)
),
latest AS (  -- the latest stored body of each article the spans point into (not of the whole history)
    SELECT article_id, arg_max(body, ingest_date) AS body
    FROM clean.articles
    WHERE article_id IN (SELECT DISTINCT article_id FROM spans)
    GROUP BY article_id
),
bodies AS (  -- length() counts a UTF-8 body's characters from its start: once per article, not per span
    SELECT article_id, body, length(body) AS body_length
    FROM latest
),
-- substr walks a UTF-8 string from its start to find a character offset (~1 ns a byte, for every span), so
-- a span is sliced from an overlapping piece of its body: 2,048 characters starting every 1,024. A span
-- that starts in piece k and is at most 1,024 characters long lies inside it; any other span is sliced
-- from the whole body, as before. Same values, a third of the time (3.9M spans: 16 s -> 6 s).
pieces AS (
    SELECT article_id, piece_start, substr(body, piece_start + 1, 2048) AS piece
    FROM bodies, unnest(range(0, body_length, 1024)) AS starts(piece_start)
)
SELECT
    s.table_name,
    s.row_key,
    s.article_id,
    s.char_start,
    s.char_end,
    b.body IS NOT NULL
        AND s.char_start >= 0 AND s.char_end >= s.char_start AND s.char_end <= b.body_length AS in_body,
    coalesce(CASE WHEN p.piece IS NOT NULL AND s.char_end >= s.char_start AND s.char_end - p.piece_start <= 2048
                  THEN substr(p.piece, s.char_start - p.piece_start + 1, s.char_end - s.char_start) = s.stored_text
                  ELSE substr(b.body, s.char_start + 1, s.char_end - s.char_start) = s.stored_text END,
             false) AS slice_matches
FROM spans s
LEFT JOIN bodies b USING (article_id)
LEFT JOIN pieces p ON p.article_id = s.article_id AND s.char_start >= 0 AND p.piece_start = s.char_start // 1024 * 1024
