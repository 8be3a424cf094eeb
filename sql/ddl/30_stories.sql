-- Story stage: copy groups (one source text republished) and stories (one event), night by night.
-- Every table is partitioned by ingest_date (the night that wrote the row); a rerun deletes the night's
-- rows and inserts them again. copy_groups and stories hold one snapshot per night a group/story was
-- touched: the *_current views give the latest version.
CREATE SCHEMA IF NOT EXISTS stories;

CREATE TABLE IF NOT EXISTS stories.members (
    article_id VARCHAR NOT NULL,
    story_id VARCHAR NOT NULL,
    copy_group_id VARCHAR NOT NULL,
    outlet VARCHAR,
    published_date DATE NOT NULL,
    story_similarity DOUBLE,
    representative_article_id VARCHAR NOT NULL,
    representative_jaccard DOUBLE,
    representative_containment DOUBLE,
    match_jaccard DOUBLE,
    match_containment DOUBLE,
    copy_order INTEGER,
    assigned_night DATE NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.members IS 'One row per clean article: the story fragment and copy group it was assigned to on its night. Never rewritten; the live story of a fragment is stories.live_stories.live_story_id (the nightly story pass may merge fragments, re-point or undo a merge).';
COMMENT ON COLUMN stories.members.article_id IS 'clean.articles.article_id.';
COMMENT ON COLUMN stories.members.story_id IS 'Story fragment at assignment (joins made on the night, final): st_ + 12 hex of sha256(founding article id). Resolve to the live story through stories.live_stories.';
COMMENT ON COLUMN stories.members.copy_group_id IS 'Copy group (copies of one source text): cg_ + 12 hex of sha256(founding article id).';
COMMENT ON COLUMN stories.members.outlet IS 'Outlet that published the article (from clean.articles).';
COMMENT ON COLUMN stories.members.published_date IS 'Publication date used for windows: published_date, or ingest_date when missing or implausible.';
COMMENT ON COLUMN stories.members.story_similarity IS 'Average cosine (TF-IDF with title, name and number features) of the copy group''s text to the story''s other copy groups; 1.0 when the story has one copy group.';
COMMENT ON COLUMN stories.members.representative_article_id IS 'Representative (most complete member) of the copy group at assignment.';
COMMENT ON COLUMN stories.members.representative_jaccard IS 'Jaccard similarity of word 4-gram shingles between this article and the representative (1.0 for the representative).';
COMMENT ON COLUMN stories.members.representative_containment IS 'Share of the smaller text''s shingles found in the other (partial copies score high here, low on Jaccard).';
COMMENT ON COLUMN stories.members.match_jaccard IS 'Jaccard against the earlier member through which the article joined its group (1.0 for founders and exact copies).';
COMMENT ON COLUMN stories.members.match_containment IS 'Containment against the earlier member through which the article joined its group.';
COMMENT ON COLUMN stories.members.copy_order IS 'Publication order within the copy group as known on the assignment night (1 = first published).';
COMMENT ON COLUMN stories.members.assigned_night IS 'Night (partition) that assigned the article.';
COMMENT ON COLUMN stories.members.ingest_date IS 'Partition: the night that wrote this row.';
COMMENT ON COLUMN stories.members.run_id IS 'Dagster run that wrote this row.';

CREATE TABLE IF NOT EXISTS stories.copy_groups (
    copy_group_id VARCHAR NOT NULL,
    story_id VARCHAR NOT NULL,
    representative_article_id VARCHAR NOT NULL,
    founding_article_id VARCHAR NOT NULL,
    member_count INTEGER NOT NULL,
    outlet_count INTEGER NOT NULL,
    first_published DATE NOT NULL,
    last_published DATE NOT NULL,
    representative_shingles INTEGER,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.copy_groups IS 'Snapshot of each copy group (exact and edited copies of one source text) on every night it gained members; latest version in stories.copy_groups_current.';
COMMENT ON COLUMN stories.copy_groups.copy_group_id IS 'cg_ + 12 hex of sha256(founding article id).';
COMMENT ON COLUMN stories.copy_groups.story_id IS 'Story fragment the group was assigned to (resolve through stories.live_stories).';
COMMENT ON COLUMN stories.copy_groups.representative_article_id IS 'Most complete member (most shingles, then earliest published): the text diffs are taken against.';
COMMENT ON COLUMN stories.copy_groups.founding_article_id IS 'First article of the group; its id derives copy_group_id.';
COMMENT ON COLUMN stories.copy_groups.member_count IS 'Articles in the group.';
COMMENT ON COLUMN stories.copy_groups.outlet_count IS 'Distinct outlets carrying the text.';
COMMENT ON COLUMN stories.copy_groups.first_published IS 'Earliest publication date of a member.';
COMMENT ON COLUMN stories.copy_groups.last_published IS 'Latest publication date of a member.';
COMMENT ON COLUMN stories.copy_groups.representative_shingles IS 'Distinct word 4-grams of the representative (its length measure).';
COMMENT ON COLUMN stories.copy_groups.ingest_date IS 'Partition: the night of this snapshot.';
COMMENT ON COLUMN stories.copy_groups.run_id IS 'Dagster run that wrote this row.';

CREATE TABLE IF NOT EXISTS stories.stories (
    story_id VARCHAR NOT NULL,
    label VARCHAR,
    representative_article_id VARCHAR NOT NULL,
    founding_article_id VARCHAR NOT NULL,
    first_seen DATE NOT NULL,
    last_seen DATE NOT NULL,
    article_count INTEGER NOT NULL,
    outlet_count INTEGER NOT NULL,
    copy_group_count INTEGER NOT NULL,
    merged_into VARCHAR,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.stories IS 'Snapshot of each story id (a fragment: the unit a night assigns) on every night it changed: gained members, was merged, re-pointed or un-merged by the story pass, or its live story changed; latest version in stories.stories_current. A row with merged_into NULL describes the live story (all fragments merged into it); a merged row describes the fragment alone.';
COMMENT ON COLUMN stories.stories.story_id IS 'st_ + 12 hex of sha256(founding article id); never changes once written.';
COMMENT ON COLUMN stories.stories.label IS 'Headline of the story representative.';
COMMENT ON COLUMN stories.stories.representative_article_id IS 'Representative of the story''s largest copy group (its most syndicated version).';
COMMENT ON COLUMN stories.stories.founding_article_id IS 'Earliest article of the night that opened the story.';
COMMENT ON COLUMN stories.stories.first_seen IS 'Earliest publication date of a member.';
COMMENT ON COLUMN stories.stories.last_seen IS 'Latest publication date of a member.';
COMMENT ON COLUMN stories.stories.article_count IS 'Articles in the story.';
COMMENT ON COLUMN stories.stories.outlet_count IS 'Distinct outlets covering the story.';
COMMENT ON COLUMN stories.stories.copy_group_count IS 'Copy groups (distinct texts) in the story.';
COMMENT ON COLUMN stories.stories.merged_into IS 'Live story this fragment counts as, set by the nightly story pass (stories.merges); a later snapshot may re-point it or set it back to NULL (stories.unmerges). NULL for live stories.';
COMMENT ON COLUMN stories.stories.ingest_date IS 'Partition: the night of this snapshot.';
COMMENT ON COLUMN stories.stories.run_id IS 'Dagster run that wrote this row.';

CREATE TABLE IF NOT EXISTS stories.diffs (
    copy_group_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    representative_article_id VARCHAR NOT NULL,
    op VARCHAR NOT NULL,
    sentence_index INTEGER NOT NULL,
    sentence VARCHAR NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.diffs IS 'What each copy changed: sentences a member inserted or removed relative to its copy group representative. A member identical to it has no rows. Rows for a new representative are written when it changes; stories.diffs_current keeps those against the current one.';
COMMENT ON COLUMN stories.diffs.copy_group_id IS 'Copy group.';
COMMENT ON COLUMN stories.diffs.article_id IS 'The member (copy) being described.';
COMMENT ON COLUMN stories.diffs.representative_article_id IS 'The representative it is compared with.';
COMMENT ON COLUMN stories.diffs.op IS 'inserted: the sentence is in the member only; removed: in the representative only.';
COMMENT ON COLUMN stories.diffs.sentence_index IS '0-based sentence position: in the member for inserted, in the representative for removed.';
COMMENT ON COLUMN stories.diffs.sentence IS 'Sentence text (regex split; compared ignoring case, quotes and spacing).';
COMMENT ON COLUMN stories.diffs.ingest_date IS 'Partition: the night that computed this diff.';
COMMENT ON COLUMN stories.diffs.run_id IS 'Dagster run that wrote this row.';

CREATE TABLE IF NOT EXISTS stories.merges (
    merged_story_id VARCHAR NOT NULL,
    into_story_id VARCHAR NOT NULL,
    similarity DOUBLE NOT NULL,
    merged_article_count INTEGER NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.merges IS 'Fragments the nightly story pass joined to a live story (average link >= story_threshold), one row per night the join was made or re-pointed; whether it still holds is stories.stories_current.merged_into (undone joins: stories.unmerges).';
COMMENT ON COLUMN stories.merges.merged_story_id IS 'Fragment absorbed (its members keep this id in stories.members).';
COMMENT ON COLUMN stories.merges.into_story_id IS 'Live story: the fragment of the group whose founding article was published first (then lowest article id).';
COMMENT ON COLUMN stories.merges.similarity IS 'Average-link cosine between the absorbed story and the rest of the merged story.';
COMMENT ON COLUMN stories.merges.merged_article_count IS 'Articles the absorbed story brought.';
COMMENT ON COLUMN stories.merges.ingest_date IS 'Partition: the night of the story pass.';
COMMENT ON COLUMN stories.merges.run_id IS 'Dagster run that wrote this row.';

CREATE TABLE IF NOT EXISTS stories.unmerges (
    unmerged_story_id VARCHAR NOT NULL,
    from_story_id VARCHAR NOT NULL,
    now_into_story_id VARCHAR,
    similarity DOUBLE,
    unmerged_article_count INTEGER NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.unmerges IS 'Merges undone by the nightly story pass: a fragment merged into a story no longer belongs to it (its story grew apart, or the group got another surviving id). One row per fragment and night; the same night''s stories.stories snapshot holds its new merged_into.';
COMMENT ON COLUMN stories.unmerges.unmerged_story_id IS 'Fragment that left the story (its members keep this id in stories.members).';
COMMENT ON COLUMN stories.unmerges.from_story_id IS 'Story it had been merged into until this night.';
COMMENT ON COLUMN stories.unmerges.now_into_story_id IS 'Story it is merged into from this night (also in stories.merges); NULL when it is a live story of its own again.';
COMMENT ON COLUMN stories.unmerges.similarity IS 'Average-link cosine, on this night''s vectors, between the fragment and the rest of the story it left (NULL when nothing of it is left).';
COMMENT ON COLUMN stories.unmerges.unmerged_article_count IS 'Articles of the fragment.';
COMMENT ON COLUMN stories.unmerges.ingest_date IS 'Partition: the night of the story pass.';
COMMENT ON COLUMN stories.unmerges.run_id IS 'Dagster run that wrote this row.';

CREATE TABLE IF NOT EXISTS stories.fingerprints (
    article_id VARCHAR NOT NULL,
    copy_group_id VARCHAR NOT NULL,
    story_id VARCHAR NOT NULL,
    outlet VARCHAR,
    published_date DATE NOT NULL,
    n_shingles INTEGER NOT NULL,
    body_hash VARCHAR NOT NULL,
    minhash UINTEGER[] NOT NULL,
    shingles UINTEGER[],
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.fingerprints IS 'Stage state: per-article MinHash signature, body hash and shingle hashes, so later nights find and verify copies without re-reading or re-shingling history.';
COMMENT ON COLUMN stories.fingerprints.article_id IS 'clean.articles.article_id.';
COMMENT ON COLUMN stories.fingerprints.copy_group_id IS 'Copy group at assignment.';
COMMENT ON COLUMN stories.fingerprints.story_id IS 'Story fragment at assignment.';
COMMENT ON COLUMN stories.fingerprints.outlet IS 'Outlet (for outlet counts of later snapshots).';
COMMENT ON COLUMN stories.fingerprints.published_date IS 'Effective publication date (windows).';
COMMENT ON COLUMN stories.fingerprints.n_shingles IS 'Distinct word 4-grams of the body.';
COMMENT ON COLUMN stories.fingerprints.body_hash IS 'xxh3 of the normalised token stream: equal for exact copies.';
COMMENT ON COLUMN stories.fingerprints.minhash IS '128 MinHash values (multiply-shift family, seed 1) over the 4-gram hashes; LSH bands of 2.';
COMMENT ON COLUMN stories.fingerprints.shingles IS 'Sorted distinct 32-bit hashes of the body''s word 4-grams (n_shingles of them): later nights verify candidate copies against them exactly. NULL on rows written before migration 0004 (their bodies are shingled again when needed).';
COMMENT ON COLUMN stories.fingerprints.ingest_date IS 'Partition: the night that wrote this row.';
COMMENT ON COLUMN stories.fingerprints.run_id IS 'Dagster run that wrote this row.';

CREATE TABLE IF NOT EXISTS stories.doc_terms (
    copy_group_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    story_id VARCHAR NOT NULL,
    published_date DATE NOT NULL,
    term_ids UINTEGER[] NOT NULL,
    term_weights FLOAT[] NOT NULL,
    pairs_threshold FLOAT,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.doc_terms IS 'Stage state: raw (pre-IDF) hashed term weights of each copy group''s founding text, so later nights compare against stories without a fitted vocabulary.';
COMMENT ON COLUMN stories.doc_terms.copy_group_id IS 'Copy group the vector stands for.';
COMMENT ON COLUMN stories.doc_terms.article_id IS 'Founding article of the group.';
COMMENT ON COLUMN stories.doc_terms.story_id IS 'Story fragment at assignment.';
COMMENT ON COLUMN stories.doc_terms.published_date IS 'Effective publication date.';
COMMENT ON COLUMN stories.doc_terms.term_ids IS 'Hashed feature ids (xxh32; words below 2^23, names and numbers above).';
COMMENT ON COLUMN stories.doc_terms.term_weights IS 'Sublinear, position- and title-weighted counts; IDF is applied at comparison time.';
COMMENT ON COLUMN stories.doc_terms.pairs_threshold IS 'Cosine at or above which this group''s pairs with the story pool were kept in stories.group_pairs on its night (StoryParams.kept_pair_threshold). NULL: none kept (written before migration 0006, or with kept pairs off): the story pass pairs the group again every night.';
COMMENT ON COLUMN stories.doc_terms.ingest_date IS 'Partition: the night that wrote this row.';
COMMENT ON COLUMN stories.doc_terms.run_id IS 'Dagster run that wrote this row.';

CREATE TABLE IF NOT EXISTS stories.group_pairs (
    copy_group_id VARCHAR NOT NULL,
    paired_copy_group_id VARCHAR NOT NULL,
    similarity FLOAT NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE stories.group_pairs IS 'Stage state: pairs of copy groups whose founding texts'' story vectors reached the kept-pair threshold (below the story threshold) in the story pass of the night that wrote them. Later nights take them as candidates and recompute their cosines with that night''s weights, so a night multiplies only its new groups against the story window.';
COMMENT ON COLUMN stories.group_pairs.copy_group_id IS 'The lower copy_group_id of the pair (stories.doc_terms).';
COMMENT ON COLUMN stories.group_pairs.paired_copy_group_id IS 'The higher copy_group_id of the pair.';
COMMENT ON COLUMN stories.group_pairs.similarity IS 'Cosine of the two story vectors with the document frequencies of that night''s story pool.';
COMMENT ON COLUMN stories.group_pairs.ingest_date IS 'Partition: the night that wrote this row.';
COMMENT ON COLUMN stories.group_pairs.run_id IS 'Dagster run that wrote this row.';

CREATE OR REPLACE VIEW stories.stories_current AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY story_id ORDER BY ingest_date DESC) AS rn FROM stories.stories)
WHERE rn = 1;
COMMENT ON VIEW stories.stories_current IS 'Latest snapshot of every story.';

CREATE OR REPLACE VIEW stories.live_stories AS
WITH RECURSIVE live(story_id, live_story_id, depth) AS (
    SELECT story_id, story_id, 0 FROM stories.stories_current WHERE merged_into IS NULL
    UNION ALL
    SELECT s.story_id, l.live_story_id, l.depth + 1
    FROM stories.stories_current AS s JOIN live AS l ON s.merged_into = l.story_id
    WHERE l.depth < 100
)
SELECT story_id, live_story_id FROM live;
COMMENT ON VIEW stories.live_stories IS 'Every story id with the live story it counts as: itself, or for a fragment merged by the story pass the story it went into (latest snapshot; chains followed, an undone merge resolves to itself). Join stories.members on story_id and use live_story_id.';
COMMENT ON COLUMN stories.live_stories.story_id IS 'A story id as written in stories.members or stories.merges.';
COMMENT ON COLUMN stories.live_stories.live_story_id IS 'The story it counts as now (merged_into followed to a story that is not merged).';

CREATE OR REPLACE VIEW stories.live_members AS
SELECT m.article_id, coalesce(l.live_story_id, m.story_id) AS live_story_id, m.story_id, m.copy_group_id,
       m.representative_article_id, m.outlet, m.published_date, m.ingest_date
FROM stories.members AS m
LEFT JOIN stories.live_stories AS l ON l.story_id = m.story_id;
COMMENT ON VIEW stories.live_members IS 'stories.members with each article''s live story: the stories claims and story reports are computed for and checked against.';
COMMENT ON COLUMN stories.live_members.article_id IS 'The article (stories.members.article_id).';
COMMENT ON COLUMN stories.live_members.live_story_id IS 'The live story the article counts in now (its fragment, or the story the fragment was merged into).';
COMMENT ON COLUMN stories.live_members.story_id IS 'The fragment it was assigned to on its night (stories.members.story_id).';
COMMENT ON COLUMN stories.live_members.copy_group_id IS 'Its copy group (stories.members.copy_group_id).';
COMMENT ON COLUMN stories.live_members.representative_article_id IS 'Its copy group''s representative on its night (stories.members.representative_article_id).';
COMMENT ON COLUMN stories.live_members.outlet IS 'Its outlet (stories.members.outlet).';
COMMENT ON COLUMN stories.live_members.published_date IS 'Its effective publication date (stories.members.published_date).';
COMMENT ON COLUMN stories.live_members.ingest_date IS 'The night it was assigned (stories.members.ingest_date).';

-- One definition of "the night touched this story", shared by the claims stage and the story reports.
CREATE OR REPLACE VIEW stories.touched_stories AS
SELECT DISTINCT t.ingest_date, coalesce(l.live_story_id, t.story_id) AS live_story_id
FROM (
    SELECT ingest_date, story_id FROM stories.members
    UNION ALL SELECT ingest_date, story_id FROM stories.stories
    UNION ALL SELECT ingest_date, into_story_id FROM stories.merges
    UNION ALL SELECT ingest_date, from_story_id FROM stories.unmerges
) AS t
LEFT JOIN stories.live_stories AS l ON l.story_id = t.story_id;
COMMENT ON VIEW stories.touched_stories IS 'Live stories each night touched: it added articles to them, or its story pass changed their membership (a snapshot of one of their fragments, a merge into them, a fragment that left them). Claims and story reports are recomputed for these.';
COMMENT ON COLUMN stories.touched_stories.ingest_date IS 'The night (partition).';
COMMENT ON COLUMN stories.touched_stories.live_story_id IS 'A live story the night touched (merges resolved).';

CREATE OR REPLACE VIEW stories.copy_groups_current AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY copy_group_id ORDER BY ingest_date DESC) AS rn FROM stories.copy_groups)
WHERE rn = 1;
COMMENT ON VIEW stories.copy_groups_current IS 'Latest snapshot of every copy group.';

CREATE OR REPLACE VIEW stories.diffs_current AS
SELECT d.* FROM stories.diffs d
JOIN stories.copy_groups_current g
  ON g.copy_group_id = d.copy_group_id AND g.representative_article_id = d.representative_article_id;
COMMENT ON VIEW stories.diffs_current IS 'Diffs against each copy group''s current representative: "what did each outlet change?" is a join of this view with stories.members on article_id.';
