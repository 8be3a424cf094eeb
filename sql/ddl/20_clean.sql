-- Cleaning stage (issue 3): clean articles, the audit of every removed line, per-outlet line statistics.
-- Idempotent. Written by the clean/articles asset from wiretrace.clean.clean_documents(...).

CREATE SCHEMA IF NOT EXISTS clean;

CREATE TABLE IF NOT EXISTS clean.articles (
    article_id          VARCHAR NOT NULL,
    document_id         VARCHAR NOT NULL,
    outlet              VARCHAR,
    title               VARCHAR,
    dek                 VARCHAR,
    body                VARCHAR NOT NULL,
    subheadings         VARCHAR[],
    published_date      DATE,
    published_source    VARCHAR,
    byline              VARCHAR,
    dateline            VARCHAR,
    wire_credit         VARCHAR,
    canonical_url       VARCHAR,
    upstream_source     VARCHAR,
    section             VARCHAR,
    language            VARCHAR,
    language_confidence DOUBLE,
    body_chars          BIGINT,
    kept_share          DOUBLE,
    ingest_date         DATE NOT NULL,
    run_id              VARCHAR
);
COMMENT ON TABLE clean.articles IS 'One cleaned article per raw document: the article''s own text (boilerplate removed, markdown stripped) plus metadata lifted out of the page. Read this instead of raw.documents.';
COMMENT ON COLUMN clean.articles.article_id IS 'Article identifier; equals document_id (a document yields at most one article).';
COMMENT ON COLUMN clean.articles.document_id IS 'raw.documents.document_id this article was cleaned from.';
COMMENT ON COLUMN clean.articles.outlet IS 'Publishing outlet (as recorded at ingest); line frequency rules are per outlet.';
COMMENT ON COLUMN clean.articles.title IS 'Headline: trafilatura metadata for HTML, else the first heading or first short line of the text.';
COMMENT ON COLUMN clean.articles.dek IS 'Standfirst/subtitle under the headline, when present (not part of body).';
COMMENT ON COLUMN clean.articles.body IS 'Article text: plain text, paragraphs separated by one blank line, markdown markup removed, article wording otherwise untouched. Claim offsets point into this string.';
COMMENT ON COLUMN clean.articles.subheadings IS 'Cross-headings inside the article (e.g. "Strategic setback"). They are ALSO kept in body as their own paragraph so character offsets into body stay continuous.';
COMMENT ON COLUMN clean.articles.published_date IS 'Publication date, from the source named in published_source.';
COMMENT ON COLUMN clean.articles.published_source IS 'Where published_date came from: metadata (HTML meta via htmldate) > text (a date line) > url (/2025/06/08/) > hint (ingest hint).';
COMMENT ON COLUMN clean.articles.byline IS 'Author or desk as printed ("By X", "Report by X"); an agency when the byline is an agency.';
COMMENT ON COLUMN clean.articles.dateline IS 'Place of the dateline opening the first paragraph ("MOSCOW -" -> MOSCOW). The dateline stays in body.';
COMMENT ON COLUMN clean.articles.wire_credit IS 'Normalised news agency credited (AFP, AP, Reuters, dpa, ...) from credit lines, bylines or "(AFP)" datelines; "told AFP" in a sentence is not a credit.';
COMMENT ON COLUMN clean.articles.canonical_url IS 'Original/canonical URL: "Original url:" lines, HTML canonical link, else null.';
COMMENT ON COLUMN clean.articles.upstream_source IS 'Where a re-publisher says the text came from ("Source of information and images X", "SOURCE: X").';
COMMENT ON COLUMN clean.articles.section IS 'Section/category label of the outlet (e.g. "World News").';
COMMENT ON COLUMN clean.articles.language IS 'ISO 639-1 language of body (py3langid model on its first 400 characters).';
COMMENT ON COLUMN clean.articles.language_confidence IS 'py3langid normalised probability of language, 0..1.';
COMMENT ON COLUMN clean.articles.body_chars IS 'Length of body in characters.';
COMMENT ON COLUMN clean.articles.kept_share IS 'body_chars / raw_text characters. Text/markdown: typically 0.5-1; HTML: small (markup counts in the denominator).';
COMMENT ON COLUMN clean.articles.ingest_date IS 'Nightly partition (ingest date) that wrote the row.';
COMMENT ON COLUMN clean.articles.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS clean.removed_lines (
    article_id   VARCHAR NOT NULL,
    line_no      BIGINT,
    char_start   BIGINT,
    text         VARCHAR,
    reason_code  VARCHAR NOT NULL,
    rule         VARCHAR,
    lifted_as    VARCHAR,
    ingest_date  DATE NOT NULL,
    run_id       VARCHAR
);
COMMENT ON TABLE clean.removed_lines IS 'Audit of everything the cleaner took out of a document, one row per removed line, with the rule that removed it: a wrong removal is visible here and reversible.';
COMMENT ON COLUMN clean.removed_lines.article_id IS 'Article (= document_id) the line was removed from; may also be a document listed as a cleaning failure.';
COMMENT ON COLUMN clean.removed_lines.line_no IS '1-based line number in raw_text (text/markdown) or in trafilatura''s extracted text (HTML); null for the html_extractor summary row.';
COMMENT ON COLUMN clean.removed_lines.char_start IS 'Character offset of the line in raw.documents.raw_text; null for HTML (lines come from the extractor output).';
COMMENT ON COLUMN clean.removed_lines.text IS 'The removed line as it appeared (markup included).';
COMMENT ON COLUMN clean.removed_lines.reason_code IS 'Why: pattern (pattern list), frequency (recurs across distinct stories of the outlet), position_edge (head-block furniture), caption (repeats a body sentence with a credit), metadata_lifted (moved to a metadata column), markup (nothing left after markup removal), html_extractor (page chrome dropped by trafilatura; one summary row per page).';
COMMENT ON COLUMN clean.removed_lines.rule IS 'Which rule: pattern:<id> from wiretrace/clean/patterns.yaml, block:<id> (link line under a Related heading), frequency evidence ("seen in 7 distinct stories of outlet x"), head:<rule>, caption evidence, or the trafilatura settings.';
COMMENT ON COLUMN clean.removed_lines.lifted_as IS 'clean.articles column the line was lifted into (title, dek, byline, published_date, section, wire_credit, canonical_url, upstream_source), else null.';
COMMENT ON COLUMN clean.removed_lines.ingest_date IS 'Nightly partition (ingest date) that wrote the row.';
COMMENT ON COLUMN clean.removed_lines.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS clean.line_stats (
    outlet        VARCHAR NOT NULL,
    line_hash     VARCHAR NOT NULL,
    example_text  VARCHAR,
    n_stories     BIGINT NOT NULL,
    n_documents   BIGINT NOT NULL,
    first_seen    DATE,
    last_seen     DATE,
    story_keys    VARCHAR[],
    ingest_date   DATE NOT NULL,
    run_id        VARCHAR
);
COMMENT ON TABLE clean.line_stats IS 'Per-outlet recurrence of text lines across DISTINCT stories (copies of one story count once). A line in >= 3 distinct stories of an outlet is treated as boilerplate. Carried from night to night: the latest partition holds the full state.';
COMMENT ON COLUMN clean.line_stats.outlet IS 'Outlet the line was seen in.';
COMMENT ON COLUMN clean.line_stats.line_hash IS 'xxh3-64 hex of the normalised line (lower case, years folded to 0000, white space collapsed).';
COMMENT ON COLUMN clean.line_stats.example_text IS 'The line as first seen.';
COMMENT ON COLUMN clean.line_stats.n_stories IS 'Distinct stories (near-duplicate clusters of sampled word 5-gram shingles) of the outlet containing the line.';
COMMENT ON COLUMN clean.line_stats.n_documents IS 'Documents of the outlet containing the line, summed over nights (copies counted). Each night''s partition is a full snapshot computed from the previous night''s: a rerun of a night starts from the same snapshot, so it does not add its documents twice; a document ingested again on a later night counts again.';
COMMENT ON COLUMN clean.line_stats.first_seen IS 'Night the line was first seen.';
COMMENT ON COLUMN clean.line_stats.last_seen IS 'Night the line was last seen.';
COMMENT ON COLUMN clean.line_stats.story_keys IS 'Up to 32 story keys already counted in n_stories, so a story seen again on a later night is not counted twice (key: smallest sampled shingle hash of the story''s founding document).';
COMMENT ON COLUMN clean.line_stats.ingest_date IS 'Nightly partition that wrote this state.';
COMMENT ON COLUMN clean.line_stats.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS clean.failures (
    document_id  VARCHAR NOT NULL,
    outlet       VARCHAR,
    reason       VARCHAR NOT NULL,
    ingest_date  DATE NOT NULL,
    run_id       VARCHAR
);
COMMENT ON TABLE clean.failures IS 'Documents of raw.documents the cleaner could not turn into an article (empty page, no article text, page too large, parser failure). With clean.articles it accounts for every raw document: nothing is lost silently.';
COMMENT ON COLUMN clean.failures.document_id IS 'raw.documents.document_id that failed.';
COMMENT ON COLUMN clean.failures.outlet IS 'Outlet of the document.';
COMMENT ON COLUMN clean.failures.reason IS 'A sentence saying why (e.g. "html too large: 9100000 bytes > 8000000", "no article text found by trafilatura").';
COMMENT ON COLUMN clean.failures.ingest_date IS 'Nightly partition that wrote the row.';
COMMENT ON COLUMN clean.failures.run_id IS 'Dagster run that wrote the row.';
