-- Question: which claims are corroborated by the most independent origins (not just many copies of one
-- wire text), and how many claims rest on a single article?
SELECT story_id, claim_type, canonical_text, claimant, article_count, outlet_count, independent_origins,
       conflict_count
FROM marts.claims_by_story
ORDER BY independent_origins DESC, article_count DESC, claim_type, canonical_text
LIMIT 10;
