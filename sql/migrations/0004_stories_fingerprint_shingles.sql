-- 0004: stories.fingerprints gained shingles (the body's sorted 4-gram hashes) so that later nights
-- verify candidate copies against stored shingles instead of shingling earlier bodies again. Rows
-- written before keep NULL: the copy stage re-shingles those articles' bodies from clean.articles, as
-- it did for every earlier article before. Idempotent; every write is INSERT BY NAME.

ALTER TABLE IF EXISTS stories.fingerprints ADD COLUMN IF NOT EXISTS shingles UINTEGER[];
