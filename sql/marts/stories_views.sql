-- Analyst views over the stories (and clean) schemas: which outlets carried a story, what each copy
-- changed, and how much each outlet published. Fragments merged by the nightly story pass are resolved
-- to the story they are in now, so every article counts once, under its live story.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE VIEW marts.story_members AS
SELECT
    coalesce(l.live_story_id, m.story_id) AS story_id,
    m.article_id,
    m.copy_group_id,
    coalesce(g.representative_article_id, m.representative_article_id) AS representative_article_id,
    m.article_id = coalesce(g.representative_article_id, m.representative_article_id) AS is_representative,
    m.outlet,
    a.title,
    a.published_date,
    m.published_date AS effective_date,
    m.representative_jaccard,
    m.representative_containment,
    m.copy_order,
    m.story_id AS assigned_story_id,
    m.assigned_night
FROM stories.members AS m
LEFT JOIN stories.live_stories AS l ON l.story_id = m.story_id
LEFT JOIN stories.copy_groups_current AS g ON g.copy_group_id = m.copy_group_id
LEFT JOIN (
    -- one row per article even if a later night re-cleaned it: the latest version
    SELECT article_id, title, published_date FROM clean.articles
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY ingest_date DESC) = 1
) AS a ON a.article_id = m.article_id;
COMMENT ON VIEW marts.story_members IS 'Every article of every live story, one row per article: its copy group, the group''s current representative, outlet, headline and dates. Stories absorbed by a merge are resolved to the story they went into (assigned_story_id keeps the original).';
COMMENT ON COLUMN marts.story_members.story_id IS 'Live story (merges resolved): join key to marts.stories.';
COMMENT ON COLUMN marts.story_members.article_id IS 'clean.articles.article_id.';
COMMENT ON COLUMN marts.story_members.copy_group_id IS 'Copy group: copies of one source text (one independent origin).';
COMMENT ON COLUMN marts.story_members.representative_article_id IS 'Current representative of the copy group (most complete member): the text copies are compared with.';
COMMENT ON COLUMN marts.story_members.is_representative IS 'True for the copy group''s representative itself.';
COMMENT ON COLUMN marts.story_members.outlet IS 'Outlet that published the article.';
COMMENT ON COLUMN marts.story_members.title IS 'Headline of the article (clean.articles.title); null when none was found.';
COMMENT ON COLUMN marts.story_members.published_date IS 'Publication date found in the article; null when unknown.';
COMMENT ON COLUMN marts.story_members.effective_date IS 'Date used for ordering and windows: published_date, or the ingest date when unknown or implausible.';
COMMENT ON COLUMN marts.story_members.representative_jaccard IS 'Word 4-gram Jaccard similarity to the representative at assignment (1.0 for the representative).';
COMMENT ON COLUMN marts.story_members.representative_containment IS 'Share of the shorter text''s 4-grams found in the other (high for partial copies).';
COMMENT ON COLUMN marts.story_members.copy_order IS 'Publication order within the copy group as known on the assignment night (1 = first).';
COMMENT ON COLUMN marts.story_members.assigned_story_id IS 'Story the article was first assigned to (differs from story_id after a merge).';
COMMENT ON COLUMN marts.story_members.assigned_night IS 'Night (partition) that assigned the article.';

CREATE OR REPLACE VIEW marts.stories AS
WITH per_story AS (
    SELECT
        story_id,
        count(*) AS article_count,
        count(DISTINCT outlet) AS outlet_count,
        count(DISTINCT copy_group_id) AS independent_origins,
        min(effective_date) AS first_seen,
        max(effective_date) AS last_seen,
        list(DISTINCT outlet ORDER BY outlet) FILTER (WHERE outlet IS NOT NULL) AS outlets
    FROM marts.story_members
    GROUP BY story_id
),
claim_counts AS (
    SELECT story_id, count(*) AS claim_count FROM claims.claims GROUP BY story_id
),
conflict_counts AS (
    SELECT story_id, count(*) AS conflict_count FROM claims.conflicts GROUP BY story_id
)
SELECT
    s.story_id,
    s.label,
    p.first_seen,
    p.last_seen,
    p.article_count,
    p.outlet_count,
    p.independent_origins,
    p.outlets,
    coalesce(c.claim_count, 0) AS claim_count,
    coalesce(f.conflict_count, 0) AS conflict_count,
    s.representative_article_id,
    s.ingest_date AS last_changed_night
FROM stories.stories_current AS s
JOIN per_story AS p USING (story_id)
LEFT JOIN claim_counts AS c USING (story_id)
LEFT JOIN conflict_counts AS f USING (story_id)
WHERE s.merged_into IS NULL;
COMMENT ON VIEW marts.stories IS 'One row per live story (one event): its headline, when it was seen, how many articles and outlets carried it, how many independent origins (copy groups: ten copies of one wire text count once), which outlets, and how many claims and conflicts it has. Start here.';
COMMENT ON COLUMN marts.stories.story_id IS 'st_ + 12 hex chars; stable across nights and reruns.';
COMMENT ON COLUMN marts.stories.label IS 'Headline of the story representative (may be null when that article has no headline).';
COMMENT ON COLUMN marts.stories.first_seen IS 'Earliest effective date (publication date, else ingest date) of a member.';
COMMENT ON COLUMN marts.stories.last_seen IS 'Latest effective date of a member.';
COMMENT ON COLUMN marts.stories.article_count IS 'Articles in the story, merged stories included.';
COMMENT ON COLUMN marts.stories.outlet_count IS 'Distinct outlets that carried the story.';
COMMENT ON COLUMN marts.stories.independent_origins IS 'Distinct copy groups: texts written independently (a wire text and its copies count once).';
COMMENT ON COLUMN marts.stories.outlets IS 'The outlets, sorted by name.';
COMMENT ON COLUMN marts.stories.claim_count IS 'Rows in claims.claims for the story.';
COMMENT ON COLUMN marts.stories.conflict_count IS 'Rows in claims.conflicts for the story: places where copies disagree.';
COMMENT ON COLUMN marts.stories.representative_article_id IS 'Representative of the largest copy group (the most syndicated version).';
COMMENT ON COLUMN marts.stories.last_changed_night IS 'Night (partition) of the story''s latest snapshot.';

CREATE OR REPLACE VIEW marts.story_copies AS
WITH changes AS (
    SELECT
        article_id,
        copy_group_id,
        count(*) FILTER (WHERE op = 'inserted') AS inserted_sentences,
        count(*) FILTER (WHERE op = 'removed') AS removed_sentences,
        string_agg(sentence, chr(10) ORDER BY sentence_index) FILTER (WHERE op = 'inserted') AS inserted_text,
        string_agg(sentence, chr(10) ORDER BY sentence_index) FILTER (WHERE op = 'removed') AS removed_text
    FROM stories.diffs_current
    GROUP BY article_id, copy_group_id
)
SELECT
    m.story_id,
    m.copy_group_id,
    m.article_id,
    m.outlet,
    m.title,
    m.published_date,
    m.representative_article_id,
    m.is_representative,
    m.representative_jaccard,
    m.representative_containment,
    coalesce(c.inserted_sentences, 0) AS inserted_sentences,
    coalesce(c.removed_sentences, 0) AS removed_sentences,
    c.inserted_text,
    c.removed_text
FROM marts.story_members AS m
LEFT JOIN changes AS c ON c.article_id = m.article_id AND c.copy_group_id = m.copy_group_id;
COMMENT ON VIEW marts.story_copies IS 'What each copy changed: every article of a story against its copy group''s current representative, with the number and text of the sentences it added (inserted) or dropped (removed). The representative and exact copies show 0 and 0. Independent rewrites are their own copy group (and their own representative).';
COMMENT ON COLUMN marts.story_copies.story_id IS 'Live story (merges resolved).';
COMMENT ON COLUMN marts.story_copies.copy_group_id IS 'Copy group the article belongs to.';
COMMENT ON COLUMN marts.story_copies.article_id IS 'The copy described.';
COMMENT ON COLUMN marts.story_copies.outlet IS 'Outlet that published the copy.';
COMMENT ON COLUMN marts.story_copies.title IS 'Headline of the copy.';
COMMENT ON COLUMN marts.story_copies.published_date IS 'Publication date of the copy; null when unknown.';
COMMENT ON COLUMN marts.story_copies.representative_article_id IS 'The text the copy is compared with.';
COMMENT ON COLUMN marts.story_copies.is_representative IS 'True for the representative itself (no changes by definition).';
COMMENT ON COLUMN marts.story_copies.representative_jaccard IS 'Word 4-gram Jaccard similarity to the representative at assignment.';
COMMENT ON COLUMN marts.story_copies.representative_containment IS 'Share of the shorter text''s 4-grams found in the other.';
COMMENT ON COLUMN marts.story_copies.inserted_sentences IS 'Sentences in this copy but not in the representative.';
COMMENT ON COLUMN marts.story_copies.removed_sentences IS 'Sentences of the representative this copy does not have.';
COMMENT ON COLUMN marts.story_copies.inserted_text IS 'The inserted sentences in order, one per line; null when none.';
COMMENT ON COLUMN marts.story_copies.removed_text IS 'The removed sentences in order, one per line; null when none.';

CREATE OR REPLACE VIEW marts.daily_outlet_volume AS
SELECT
    a.outlet,
    a.ingest_date,
    a.published_date,
    count(*) AS article_count,
    count(DISTINCT m.story_id) AS story_count,
    sum(a.body_chars) AS body_chars
FROM clean.articles AS a
LEFT JOIN marts.story_members AS m USING (article_id)
GROUP BY a.outlet, a.ingest_date, a.published_date;
COMMENT ON VIEW marts.daily_outlet_volume IS 'Articles per outlet per night (ingest date) and publication date: how much each outlet published and across how many stories. Sum article_count over published_date for a per-night total.';
COMMENT ON COLUMN marts.daily_outlet_volume.outlet IS 'Outlet (null when ingest could not name one).';
COMMENT ON COLUMN marts.daily_outlet_volume.ingest_date IS 'Night (partition) the articles arrived.';
COMMENT ON COLUMN marts.daily_outlet_volume.published_date IS 'Publication date stated by the articles; null when unknown.';
COMMENT ON COLUMN marts.daily_outlet_volume.article_count IS 'Clean articles.';
COMMENT ON COLUMN marts.daily_outlet_volume.story_count IS 'Distinct live stories those articles belong to.';
COMMENT ON COLUMN marts.daily_outlet_volume.body_chars IS 'Characters of clean body text.';
