-- Stored quotes of the articles whose extraction is reused (registered as _claim_reuse).
SELECT quote_id, article_id, sentence_id, quote_text, char_start, char_end, kind, cue_verb, speaker_text,
       speaker_start, speaker_end, speaker_name, speaker_key, speaker_resolution, confidence, extracted_speaker_name
FROM claims.quotes
WHERE article_id IN (SELECT article_id FROM _claim_reuse);
