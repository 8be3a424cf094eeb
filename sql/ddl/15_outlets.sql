-- Sources (issue 9): the outlet directory, which outlet and which usable date each article has, and
-- per-night run health. Written by the sources/outlets and sources/run_health assets
-- (wiretrace.outlets, wiretrace.health); analyst views over them in sql/marts/sources_views.sql and
-- sql/marts/run_health.sql.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS marts.outlets (
    outlet_id               VARCHAR NOT NULL,
    display_name            VARCHAR NOT NULL,
    domains                 VARCHAR[],
    aliases                 VARCHAR[],
    outlet_keys             VARCHAR[],
    id_source               VARCHAR NOT NULL,
    country                 VARCHAR,
    country_source          VARCHAR,
    language                VARCHAR,
    language_source         VARCHAR,
    wire_affiliations       VARCHAR[],
    wire_affiliation_source VARCHAR,
    wire_credit_counts      STRUCT(agency VARCHAR, articles BIGINT)[],
    upstream_sources        VARCHAR[],
    canonical_url_example   VARCHAR,
    collections             VARCHAR[],
    article_count           BIGINT NOT NULL,
    first_seen              DATE,
    last_seen               DATE,
    needs_review            BOOLEAN NOT NULL,
    review_reason           VARCHAR,
    ingest_date             DATE NOT NULL,
    run_id                  VARCHAR
);
COMMENT ON TABLE marts.outlets IS 'Outlet directory: one row per outlet, every entry of wiretrace/outlets/outlets.yaml (the curated, versioned list) plus every outlet seen in the articles. Rebuilt whole each night from all articles so far, so an edit of outlets.yaml (an alias, a collection) applies to every earlier night at the next run. Outlets not in outlets.yaml have needs_review = true.';
COMMENT ON COLUMN marts.outlets.outlet_id IS 'Stable outlet id: the outlets.yaml id (by convention the main domain), else the domain the articles came from (www./m./amp. stripped), else the JSON source, inbox folder or file name, case-folded with other characters as "-".';
COMMENT ON COLUMN marts.outlets.display_name IS 'Name to show: outlets.yaml name, else outlet_id.';
COMMENT ON COLUMN marts.outlets.domains IS 'Hosts the outlet publishes under (outlets.yaml; for an unlisted outlet its id when that is a domain). Subdomains match their parent.';
COMMENT ON COLUMN marts.outlets.aliases IS 'Other names the data may use for it (outlets.yaml aliases; for an unlisted outlet, other keys that resolved to it).';
COMMENT ON COLUMN marts.outlets.outlet_keys IS 'Every outlet key seen in marts.article_sources that resolves to this outlet: the join key from articles to outlets (marts.article_outlets does it).';
COMMENT ON COLUMN marts.outlets.id_source IS 'Where the outlet comes from: outlets.yaml, or for an unlisted outlet the evidence of its key: url (record URL host) | json (JSON source field) | folder (inbox folder) | canonical_url (host of the article''s canonical URL, used instead of a file name) | file (file name: a weak guess).';
COMMENT ON COLUMN marts.outlets.country IS 'ISO 3166-1 alpha-2 country the outlet is based in, where known.';
COMMENT ON COLUMN marts.outlets.country_source IS 'outlets.yaml | domain (country-code top-level domain such as .ua; generic ones like .co or .io are ignored) | null.';
COMMENT ON COLUMN marts.outlets.language IS 'ISO 639-1 main publication language.';
COMMENT ON COLUMN marts.outlets.language_source IS 'outlets.yaml | articles (most frequent detected language of its articles) | null.';
COMMENT ON COLUMN marts.outlets.wire_affiliations IS 'Agencies whose copy the outlet republishes (AFP, AP, Reuters, ...): outlets.yaml, else every agency credited in at least 20% of its articles.';
COMMENT ON COLUMN marts.outlets.wire_affiliation_source IS 'outlets.yaml | wire_credit (derived from clean.articles.wire_credit) | null (no affiliation known).';
COMMENT ON COLUMN marts.outlets.wire_credit_counts IS 'Articles per credited agency (clean.articles.wire_credit), most frequent first: the evidence behind a derived affiliation.';
COMMENT ON COLUMN marts.outlets.upstream_sources IS 'Sources the outlet names as where its text came from (clean.articles.upstream_source, e.g. economictimes.indiatimes): it republishes them.';
COMMENT ON COLUMN marts.outlets.canonical_url_example IS 'One canonical URL of its articles (clean.articles.canonical_url), to find the outlet''s site.';
COMMENT ON COLUMN marts.outlets.collections IS 'User-defined collections (outlets.yaml) the outlet belongs to, e.g. "Ukrainian regional press".';
COMMENT ON COLUMN marts.outlets.article_count IS 'Articles attributed to the outlet so far (all nights).';
COMMENT ON COLUMN marts.outlets.first_seen IS 'First night (ingest date) an article of the outlet arrived; null if never seen.';
COMMENT ON COLUMN marts.outlets.last_seen IS 'Latest night an article of the outlet arrived.';
COMMENT ON COLUMN marts.outlets.needs_review IS 'True for outlets added automatically (not in outlets.yaml): check the id, then list it in outlets.yaml or add its key as an alias of an existing entry.';
COMMENT ON COLUMN marts.outlets.review_reason IS 'Why needs_review is set.';
COMMENT ON COLUMN marts.outlets.ingest_date IS 'Latest night the directory covers (the latest last_seen; the table holds only the latest build, and rerunning an earlier night rebuilds the same rows).';
COMMENT ON COLUMN marts.outlets.run_id IS 'Dagster run that rebuilt the directory; join meta.runs.';

CREATE TABLE IF NOT EXISTS marts.article_sources (
    article_id               VARCHAR NOT NULL,
    outlet_key               VARCHAR NOT NULL,
    outlet_key_source        VARCHAR NOT NULL,
    canonical_domain         VARCHAR,
    published_date           DATE,
    published_source         VARCHAR,
    published_date_plausible BOOLEAN NOT NULL,
    published_date_flag      VARCHAR,
    effective_date           DATE NOT NULL,
    language                 VARCHAR,
    language_confidence      DOUBLE,
    ingest_date              DATE NOT NULL,
    run_id                   VARCHAR
);
COMMENT ON TABLE marts.article_sources IS 'Per clean article: which outlet key it carries (resolved to an outlet in marts.outlets) and whether its publication date can be trusted. Time windows and daily volumes use effective_date.';
COMMENT ON COLUMN marts.article_sources.article_id IS 'clean.articles.article_id.';
COMMENT ON COLUMN marts.article_sources.outlet_key IS 'What the data says about the publisher: the record URL host, JSON source or inbox folder as ingest recorded it; for a bare file name the host of the canonical URL when there is one. Joins marts.outlets through outlet_keys.';
COMMENT ON COLUMN marts.article_sources.outlet_key_source IS 'url | json | folder | canonical_url | file (see marts.outlets.id_source).';
COMMENT ON COLUMN marts.article_sources.canonical_domain IS 'Host of clean.articles.canonical_url (www./m./amp. stripped), whatever the outlet key.';
COMMENT ON COLUMN marts.article_sources.published_date IS 'Publication date as lifted by the cleaner (clean.articles.published_date), trusted or not.';
COMMENT ON COLUMN marts.article_sources.published_source IS 'Where published_date came from: metadata | text | url | hint.';
COMMENT ON COLUMN marts.article_sources.published_date_plausible IS 'False when published_date is missing, more than 1 day after the ingest date, before 1990, or more than 30 days before the ingest date (the story stage''s max_published_lag_days).';
COMMENT ON COLUMN marts.article_sources.published_date_flag IS 'Why it is not plausible: missing | future | before_1990 | far_before_ingest; null when plausible.';
COMMENT ON COLUMN marts.article_sources.effective_date IS 'Date used for time windows and daily volumes: published_date when plausible, else the ingest date (the same rule the story stage applies).';
COMMENT ON COLUMN marts.article_sources.language IS 'ISO 639-1 language detected on the body (clean.articles.language, py3langid). Claim rules are English-only; other languages still flow through cleaning and stories.';
COMMENT ON COLUMN marts.article_sources.language_confidence IS 'Detector probability of language, 0..1.';
COMMENT ON COLUMN marts.article_sources.ingest_date IS 'Nightly partition (ingest date) of the article.';
COMMENT ON COLUMN marts.article_sources.run_id IS 'Dagster run that wrote the row; join meta.runs.';

CREATE TABLE IF NOT EXISTS marts.run_health (
    outlet_id            VARCHAR NOT NULL,
    articles_in          BIGINT NOT NULL,
    trailing_nights      BIGINT NOT NULL,
    trailing_median      DOUBLE,
    volume_ratio         DOUBLE,
    coverage_gap         BOOLEAN NOT NULL,
    rejects              BIGINT NOT NULL,
    reject_reasons       VARCHAR[],
    boilerplate_share    DOUBLE,
    mean_kept_share      DOUBLE,
    duplicate_share      DOUBLE,
    non_english_articles BIGINT NOT NULL,
    implausible_dates    BIGINT NOT NULL,
    newest_published     DATE,
    freshness_days       BIGINT,
    ingest_date          DATE NOT NULL,
    run_id               VARCHAR
);
COMMENT ON TABLE marts.run_health IS 'Per night and outlet: articles in against the outlet''s trailing median, rejects, boilerplate removed, copies, non-English articles and freshness. An outlet that sent articles in the trailing window but none tonight has a row with articles_in = 0. The warning-level suite expectations/marts.run_health.json fails on a coverage gap without blocking the night.';
COMMENT ON COLUMN marts.run_health.outlet_id IS 'marts.outlets.outlet_id.';
COMMENT ON COLUMN marts.run_health.articles_in IS 'Clean articles of the outlet this night.';
COMMENT ON COLUMN marts.run_health.trailing_nights IS 'Earlier nights with a run in the baseline (at most 7).';
COMMENT ON COLUMN marts.run_health.trailing_median IS 'Median articles per night of the outlet over those nights (0 on nights it sent nothing); null without earlier nights.';
COMMENT ON COLUMN marts.run_health.volume_ratio IS 'articles_in / trailing_median; null when the median is 0 or unknown.';
COMMENT ON COLUMN marts.run_health.coverage_gap IS 'True when articles_in < 50% of trailing_median, given at least 2 baseline nights and a median of at least 1 article.';
COMMENT ON COLUMN marts.run_health.rejects IS 'Inputs of the outlet refused this night: cleaning failures (clean.failures) plus ingest rejects (raw.rejects) whose inbox folder names the outlet. Rejects without a known outlet are only in marts.run_health_nightly.';
COMMENT ON COLUMN marts.run_health.reject_reasons IS 'Reasons with counts, most frequent first, e.g. "clean: no article text found by trafilatura x3".';
COMMENT ON COLUMN marts.run_health.boilerplate_share IS 'Characters of lines removed as boilerplate (clean.removed_lines, not counting metadata lifted into columns or trafilatura''s page-chrome summary) over those plus the kept body. HTML page chrome dropped by trafilatura is not in it.';
COMMENT ON COLUMN marts.run_health.mean_kept_share IS 'Mean clean.articles.kept_share (body chars / raw chars; small for HTML, where markup counts).';
COMMENT ON COLUMN marts.run_health.duplicate_share IS 'Share of the outlet''s articles this night that joined a copy group with an earlier member (syndicated copies); null when the story stage has not assigned them.';
COMMENT ON COLUMN marts.run_health.non_english_articles IS 'Articles detected in a language other than English (claim rules skip them; stories include them).';
COMMENT ON COLUMN marts.run_health.implausible_dates IS 'Articles whose publication date is missing or implausible (marts.article_sources.published_date_flag).';
COMMENT ON COLUMN marts.run_health.newest_published IS 'Newest plausible publication date among the night''s articles.';
COMMENT ON COLUMN marts.run_health.freshness_days IS 'Night minus newest_published in days: a feed that stopped updating shows a growing number.';
COMMENT ON COLUMN marts.run_health.ingest_date IS 'The night.';
COMMENT ON COLUMN marts.run_health.run_id IS 'Dagster run that wrote the row; join meta.runs.';
