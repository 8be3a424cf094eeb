-- Question: who is quoted most widely, how (direct, partial, indirect, according to), and in how many
-- articles? (top 10)
SELECT speaker_name, kind, quote_count, article_count, story_count, round(mean_confidence, 2) AS mean_confidence
FROM marts.quotes_by_speaker
ORDER BY article_count DESC, quote_count DESC, speaker_name, kind
LIMIT 10;
