-- 0006: the story pass keeps the copy-group pairs it finds (stories.group_pairs, created by the DDL) so that
-- later nights multiply only their new groups against the story window; stories.doc_terms.pairs_threshold
-- says at which cosine a group's pairs were kept. Rows written before keep NULL: the story pass pairs
-- those groups again every night until they leave the window. Idempotent; every write is INSERT BY NAME.

ALTER TABLE IF EXISTS stories.doc_terms ADD COLUMN IF NOT EXISTS pairs_threshold FLOAT;
