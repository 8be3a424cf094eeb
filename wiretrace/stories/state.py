"""How the asset loads a night's ``StoryState`` from the warehouse and which tables a night writes.

Each query takes ``$night`` (the partition being computed, DATE) and ``$since`` (DATE: night minus
``max(copy_window_days, story_window_days + max_story_span_days) + max_published_lag_days``) and reads
only earlier nights, so deleting a night's rows and rerunning it sees exactly the same state.
"""

# Tables the night writes (delete WHERE ingest_date = $night, then insert the NightResult frames).
TABLES = (
    "stories.members", "stories.copy_groups", "stories.stories", "stories.diffs",
    "stories.fingerprints", "stories.doc_terms", "stories.merges", "stories.unmerges", "stories.group_pairs",
)

_ACTIVE_STORIES = """
    SELECT story_id FROM stories.stories_current
    WHERE ingest_date < $night AND last_seen >= $since
"""

_ACTIVE_GROUPS = f"""
    SELECT copy_group_id FROM stories.doc_terms WHERE ingest_date < $night AND story_id IN ({_ACTIVE_STORIES})
"""

STATE_SQL = {
    "stories": f"""
        SELECT * EXCLUDE (ingest_date, run_id, rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY story_id ORDER BY ingest_date DESC) AS rn
            FROM stories.stories WHERE ingest_date < $night)
        WHERE rn = 1 AND story_id IN ({_ACTIVE_STORIES})""",
    "copy_groups": """
        SELECT * EXCLUDE (ingest_date, run_id, rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY copy_group_id ORDER BY ingest_date DESC) AS rn
            FROM stories.copy_groups WHERE ingest_date < $night)
        WHERE rn = 1 AND last_published >= $since""",
    "fingerprints": f"""
        SELECT * EXCLUDE (ingest_date, run_id) FROM stories.fingerprints
        WHERE ingest_date < $night AND (published_date >= $since OR story_id IN ({_ACTIVE_STORIES}))""",
    "doc_terms": f"""
        SELECT * EXCLUDE (ingest_date, run_id) FROM stories.doc_terms
        WHERE ingest_date < $night AND story_id IN ({_ACTIVE_STORIES})""",
    # a pair kept again by a later night (a group paired anew) is one row here
    "group_pairs": f"""
        SELECT copy_group_id, paired_copy_group_id, max(similarity) AS similarity FROM stories.group_pairs
        WHERE ingest_date < $night
          AND copy_group_id IN ({_ACTIVE_GROUPS}) AND paired_copy_group_id IN ({_ACTIVE_GROUPS})
        GROUP BY ALL""",
}

# Bodies and titles of the state's articles, read per call for the ids a night asks for ($ids, a list),
# not loaded with the state (StoryState.bodies): the latest clean version of each.
BODIES_SQL = f"""
    SELECT a.article_id, a.body, a.title FROM clean.articles a
    JOIN stories.fingerprints f USING (article_id)
    WHERE a.article_id IN (SELECT unnest($ids)) AND f.ingest_date < $night
      AND (f.published_date >= $since OR f.story_id IN ({_ACTIVE_STORIES}))
    QUALIFY row_number() OVER (PARTITION BY a.article_id ORDER BY a.ingest_date DESC) = 1"""
