-- Baseline: the schema as created by sql/ddl at version 0.1.0. Later migrations bring older
-- warehouses up to date with idempotent statements (ALTER TABLE ... ADD COLUMN IF NOT EXISTS ...).
SELECT 1;
