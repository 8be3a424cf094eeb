-- 0003: claims.quotes gained speaker_key (a spelling-insensitive key of speaker_name) after the first
-- claims tables were deployed. Rows written before get NULL: the key is rebuilt when their story is
-- recomputed by the next claims run that touches it. Idempotent (IF EXISTS / IF NOT EXISTS); every
-- write is INSERT BY NAME, so the column landing last is harmless.

ALTER TABLE IF EXISTS claims.quotes ADD COLUMN IF NOT EXISTS speaker_key VARCHAR;
