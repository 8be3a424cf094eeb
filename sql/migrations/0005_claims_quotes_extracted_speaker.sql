-- 0005: claims.quotes gained extracted_speaker_name (the speaker as this article's extraction named it,
-- before its story chose one spelling) so that a later night extending the story can reuse the stored
-- extraction instead of extracting earlier articles again. Rows written before keep NULL: their articles
-- are extracted again when a night next touches their story. Idempotent; every write is INSERT BY NAME.

ALTER TABLE IF EXISTS claims.quotes ADD COLUMN IF NOT EXISTS extracted_speaker_name VARCHAR;
