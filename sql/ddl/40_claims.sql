-- claims: what each article claims, who says it, and how the copies of a story agree or disagree.
-- Every row carries article_id + character offsets into clean.articles.body: body[char_start:char_end]
-- (0-based, end exclusive, Python slicing; in SQL: substr(body, char_start + 1, char_end - char_start)).
CREATE SCHEMA IF NOT EXISTS claims;

CREATE TABLE IF NOT EXISTS claims.sentences (
    sentence_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    sentence_no INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE claims.sentences IS 'Sentences of each clean article (rule-based splitter that survives abbreviations such as U.S. and paragraphs glued without a space).';
COMMENT ON COLUMN claims.sentences.sentence_id IS 'article_id || '':s'' || sentence_no.';
COMMENT ON COLUMN claims.sentences.article_id IS 'clean.articles.article_id the sentence belongs to.';
COMMENT ON COLUMN claims.sentences.sentence_no IS '0-based position of the sentence in the article.';
COMMENT ON COLUMN claims.sentences.char_start IS '0-based offset of the first character in clean.articles.body.';
COMMENT ON COLUMN claims.sentences.char_end IS 'Offset one past the last character (body[char_start:char_end] = text).';
COMMENT ON COLUMN claims.sentences.text IS 'The sentence, exactly as in the body.';
COMMENT ON COLUMN claims.sentences.ingest_date IS 'Night the article was ingested (its rows stay filed under this night; a later night that extends its story keeps them as written, and extracts them again only when the body changed).';
COMMENT ON COLUMN claims.sentences.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS claims.quotes (
    quote_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    sentence_id VARCHAR NOT NULL,
    quote_text VARCHAR NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    cue_verb VARCHAR,
    speaker_text VARCHAR,
    speaker_start INTEGER,
    speaker_end INTEGER,
    speaker_name VARCHAR,
    speaker_key VARCHAR,
    speaker_resolution VARCHAR NOT NULL,
    confidence DOUBLE NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR,
    extracted_speaker_name VARCHAR
);
COMMENT ON TABLE claims.quotes IS 'Quotes and attributions with their speakers: direct quotes, partial quotes inside a sentence, indirect speech (X said that ...) and according-to attributions.';
COMMENT ON COLUMN claims.quotes.quote_id IS 'article_id || '':q'' || n.';
COMMENT ON COLUMN claims.quotes.article_id IS 'clean.articles.article_id.';
COMMENT ON COLUMN claims.quotes.sentence_id IS 'claims.sentences row where the quote starts.';
COMMENT ON COLUMN claims.quotes.quote_text IS 'Quoted words without the quote marks (for indirect speech: the reported clause).';
COMMENT ON COLUMN claims.quotes.char_start IS 'Offset of quote_text in the body.';
COMMENT ON COLUMN claims.quotes.char_end IS 'Offset one past the end of quote_text.';
COMMENT ON COLUMN claims.quotes.kind IS 'direct (a full quoted utterance), partial (quoted words inside the writer''s sentence), indirect (reported speech), according_to.';
COMMENT ON COLUMN claims.quotes.cue_verb IS 'The attribution cue (said, told, added, according to, saying ...); null when the speaker came from carry-over.';
COMMENT ON COLUMN claims.quotes.speaker_text IS 'Speaker phrase as written ("he", "Ukrainian President Volodymyr Zelensky"); null for carry-over.';
COMMENT ON COLUMN claims.quotes.speaker_start IS 'Offset of speaker_text in the body.';
COMMENT ON COLUMN claims.quotes.speaker_end IS 'Offset one past the end of speaker_text.';
COMMENT ON COLUMN claims.quotes.speaker_name IS 'Normalised speaker: a person''s fullest name in the article after pronoun resolution ("he" -> "Dmitry Medvedev", "Zelensky" -> "Volodymyr Zelensky"), or the organisation/group phrase. Within a story, forms that differ only by spelling, transliteration, case or apostrophes get one canonical form (the one most articles use, ties to the earliest article); speaker_text keeps the article''s own form. Null when unresolved.';
COMMENT ON COLUMN claims.quotes.speaker_key IS 'Spelling-insensitive key of speaker_name (case, apostrophes, possessive, British/American spelling and transliteration folded): group by it to count one speaker across stories.';
COMMENT ON COLUMN claims.quotes.extracted_speaker_name IS 'speaker_name as this article''s own extraction gave it, before the story chose one spelling: a later night that extends the story reuses the stored extraction of earlier articles from it. Null when unresolved, and on rows written before 2026-12 (their articles are extracted again).';
COMMENT ON COLUMN claims.quotes.speaker_resolution IS 'How the speaker was found: explicit (named in the frame), pronoun, colon (introduced before a colon), carry_over (previous quote''s speaker), introduced (person named in the previous paragraph), unresolved.';
COMMENT ON COLUMN claims.quotes.confidence IS 'Rule confidence in [0, 1]: explicit 0.9, pronoun 0.75, colon 0.7, carry-over 0.6, indirect 0.6, unresolved 0.2.';
COMMENT ON COLUMN claims.quotes.ingest_date IS 'Night the article was ingested (its rows are recomputed when a later night extends its story, but stay filed under this night).';
COMMENT ON COLUMN claims.quotes.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS claims.quantities (
    quantity_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    surface VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    unit VARCHAR,
    qualifier VARCHAR,
    normalised VARCHAR NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE claims.quantities IS 'Numbers stated in articles with qualifier and unit/object ("more than 1,200", "nearly 3 million people"). Years and days of dates are in claims.dates instead.';
COMMENT ON COLUMN claims.quantities.quantity_id IS 'article_id || '':n'' || n.';
COMMENT ON COLUMN claims.quantities.article_id IS 'clean.articles.article_id.';
COMMENT ON COLUMN claims.quantities.char_start IS 'Offset of surface in the body.';
COMMENT ON COLUMN claims.quantities.char_end IS 'Offset one past the end of surface.';
COMMENT ON COLUMN claims.quantities.surface IS 'The number as written, with its qualifier ("some 6,000", "three million").';
COMMENT ON COLUMN claims.quantities.value IS 'Numeric value: number words and digit formats normalised ("three million" = 3000000, "1,200" = 1200, "a dozen" = 12).';
COMMENT ON COLUMN claims.quantities.unit IS 'Unit or counted object as written (people, bodies, kilometres, percent, year); the noun before "of" when none follows ("population of 3 million"). Null when none found.';
COMMENT ON COLUMN claims.quantities.qualifier IS 'Hedge before the number: more than, nearly, around, some, about, at least, up to ... Null when exact.';
COMMENT ON COLUMN claims.quantities.normalised IS 'Value and folded singular unit ("3000000 people", "12 kilometer") for grouping.';
COMMENT ON COLUMN claims.quantities.ingest_date IS 'Night the article was ingested (its rows stay filed under this night; a later night that extends its story keeps them as written, and extracts them again only when the body changed).';
COMMENT ON COLUMN claims.quantities.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS claims.dates (
    date_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    surface VARCHAR NOT NULL,
    resolved_date DATE,
    granularity VARCHAR NOT NULL,
    relative BOOLEAN NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE claims.dates IS 'Date expressions, resolved against the article''s publication date when relative ("Sunday", "last week", "yesterday").';
COMMENT ON COLUMN claims.dates.date_id IS 'article_id || '':d'' || n.';
COMMENT ON COLUMN claims.dates.article_id IS 'clean.articles.article_id.';
COMMENT ON COLUMN claims.dates.char_start IS 'Offset of surface in the body.';
COMMENT ON COLUMN claims.dates.char_end IS 'Offset one past the end of surface.';
COMMENT ON COLUMN claims.dates.surface IS 'The expression as written ("June 2", "last week", "February 2022").';
COMMENT ON COLUMN claims.dates.resolved_date IS 'First day of the window named: the day; for week the first of seven days (last week = the 7 days before publication, next week = the 7 after); for month the 1st; for year 1 January. Null when relative and the publication date is unknown.';
COMMENT ON COLUMN claims.dates.granularity IS 'day, week, month or year: the width of the window starting at resolved_date.';
COMMENT ON COLUMN claims.dates.relative IS 'True when the expression needs the publication date (weekday names, last/next week, yesterday).';
COMMENT ON COLUMN claims.dates.ingest_date IS 'Night the article was ingested (its rows stay filed under this night; a later night that extends its story keeps them as written, and extracts them again only when the body changed).';
COMMENT ON COLUMN claims.dates.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS claims.claims (
    claim_id VARCHAR NOT NULL,
    story_id VARCHAR,
    claim_type VARCHAR NOT NULL,
    canonical_text VARCHAR NOT NULL,
    claimant VARCHAR,
    value DOUBLE,
    article_count INTEGER NOT NULL,
    outlet_count INTEGER NOT NULL,
    copy_group_count INTEGER NOT NULL,
    mention_count INTEGER NOT NULL,
    first_article VARCHAR NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE claims.claims IS 'One row per thing stated within a story: mentions in different articles that say the same thing are aligned into one claim, with its support.';
COMMENT ON COLUMN claims.claims.claim_id IS 'cl_ + 12 hex chars from story, type and the first mention; stable across reruns.';
COMMENT ON COLUMN claims.claims.story_id IS 'stories.stories.story_id; null for an article not yet in a story.';
COMMENT ON COLUMN claims.claims.claim_type IS 'quote (a direct/partial quote), attribution (a sentence reporting what a source said), quantity (a number), event (any other statement).';
COMMENT ON COLUMN claims.claims.canonical_text IS 'Representative wording: the most common version (quotes, sentences) or the normalised value and unit (quantities).';
COMMENT ON COLUMN claims.claims.claimant IS 'Who makes the claim: most common speaker of the mentions; null when the outlet states it itself.';
COMMENT ON COLUMN claims.claims.value IS 'Numeric value for quantity claims; null otherwise.';
COMMENT ON COLUMN claims.claims.article_count IS 'Distinct articles carrying the claim.';
COMMENT ON COLUMN claims.claims.outlet_count IS 'Distinct outlets carrying the claim.';
COMMENT ON COLUMN claims.claims.copy_group_count IS 'Independent origins: distinct copy groups carrying it (ten copies of one wire text count once).';
COMMENT ON COLUMN claims.claims.mention_count IS 'Rows in claims.claim_mentions for this claim.';
COMMENT ON COLUMN claims.claims.first_article IS 'Earliest published article carrying the claim (ties: lowest article_id).';
COMMENT ON COLUMN claims.claims.ingest_date IS 'Latest ingest night among the story''s members: the night the story was last extended.';
COMMENT ON COLUMN claims.claims.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS claims.claim_mentions (
    claim_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    copy_group_id VARCHAR,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    speaker_name VARCHAR,
    slot_numbers DOUBLE[],
    slot_names VARCHAR[],
    slot_dates DATE[],
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE claims.claim_mentions IS 'Where each claim is stated: one row per article span (sentence, quote or number) aligned into the claim.';
COMMENT ON COLUMN claims.claim_mentions.claim_id IS 'claims.claims.claim_id.';
COMMENT ON COLUMN claims.claim_mentions.article_id IS 'clean.articles.article_id of the mention.';
COMMENT ON COLUMN claims.claim_mentions.copy_group_id IS 'stories.copy_groups id of the article: mentions from one copy group are one origin.';
COMMENT ON COLUMN claims.claim_mentions.char_start IS 'Offset of text in the body.';
COMMENT ON COLUMN claims.claim_mentions.char_end IS 'Offset one past the end of text.';
COMMENT ON COLUMN claims.claim_mentions.text IS 'The mention as written.';
COMMENT ON COLUMN claims.claim_mentions.speaker_name IS 'Speaker of this mention (quotes and attributions).';
COMMENT ON COLUMN claims.claim_mentions.slot_numbers IS 'Numbers in the mention, normalised (1,200 -> 1200).';
COMMENT ON COLUMN claims.claim_mentions.slot_names IS 'Capitalised names in the mention (or its speaker, for quotes).';
COMMENT ON COLUMN claims.claim_mentions.slot_dates IS 'Resolved dates in the mention.';
COMMENT ON COLUMN claims.claim_mentions.ingest_date IS 'Night the article was ingested (its rows are recomputed when a later night extends its story, but stay filed under this night).';
COMMENT ON COLUMN claims.claim_mentions.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS claims.conflicts (
    conflict_id VARCHAR NOT NULL,
    story_id VARCHAR,
    claim_id VARCHAR NOT NULL,
    conflict_type VARCHAR NOT NULL,
    value_a VARCHAR NOT NULL,
    article_a VARCHAR NOT NULL,
    a_start INTEGER NOT NULL,
    a_end INTEGER NOT NULL,
    value_b VARCHAR NOT NULL,
    article_b VARCHAR NOT NULL,
    b_start INTEGER NOT NULL,
    b_end INTEGER NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE claims.conflicts IS 'Aligned mentions of one claim that disagree. Spelling/transliteration variants (Lugansk/Luhansk, defence/defense), number formats (1,200/1200) and dates resolving to the same window are not conflicts. One row per distinct pair of values.';
COMMENT ON COLUMN claims.conflicts.conflict_id IS 'cf_ + 12 hex chars from claim, type and the two values.';
COMMENT ON COLUMN claims.conflicts.story_id IS 'Story of both articles.';
COMMENT ON COLUMN claims.conflicts.claim_id IS 'The claim both mentions were aligned into.';
COMMENT ON COLUMN claims.conflicts.conflict_type IS 'number, name, place, date, speaker, quote_shortened (article_b quotes less), quote_extended (article_b quotes more), quote_altered (different words).';
COMMENT ON COLUMN claims.conflicts.value_a IS 'Value in article_a, exactly as in its body at a_start..a_end.';
COMMENT ON COLUMN claims.conflicts.article_a IS 'The earlier article (publication order) carrying value_a.';
COMMENT ON COLUMN claims.conflicts.a_start IS 'Evidence offset of value_a in article_a''s body.';
COMMENT ON COLUMN claims.conflicts.a_end IS 'Offset one past the end of value_a.';
COMMENT ON COLUMN claims.conflicts.value_b IS 'Differing value in article_b, exactly as in its body at b_start..b_end.';
COMMENT ON COLUMN claims.conflicts.article_b IS 'The other article carrying value_b.';
COMMENT ON COLUMN claims.conflicts.b_start IS 'Evidence offset of value_b in article_b''s body.';
COMMENT ON COLUMN claims.conflicts.b_end IS 'Offset one past the end of value_b.';
COMMENT ON COLUMN claims.conflicts.ingest_date IS 'Latest ingest night among the story''s members: the night the story was last extended.';
COMMENT ON COLUMN claims.conflicts.run_id IS 'Dagster run that wrote the row.';
