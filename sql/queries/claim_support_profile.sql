-- Question: how is support distributed? Claims per type by number of independent origins, and how many
-- of them are single-source.
SELECT claim_type, independent_origins, count(*) AS claims, count(*) FILTER (WHERE single_source) AS single_source,
       count(*) FILTER (WHERE conflict_count > 0) AS with_conflicts
FROM marts.claims_by_story
GROUP BY claim_type, independent_origins
ORDER BY claim_type, independent_origins DESC;
