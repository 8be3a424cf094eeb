-- Stored sentences of the articles whose extraction is reused (registered as _claim_reuse).
SELECT sentence_id, article_id, sentence_no, char_start, char_end, text
FROM claims.sentences
WHERE article_id IN (SELECT article_id FROM _claim_reuse);
