-- Question: which outlets carried the most widely carried story, and what did each copy change?
-- (README walkthrough, step 2 of 3; replace the subquery with a story_id from step 1 to look at another)
SELECT outlet, copy_group_id, is_representative, inserted_sentences, removed_sentences, title
FROM marts.story_copies
WHERE story_id = (SELECT story_id FROM marts.stories ORDER BY outlet_count DESC, article_count DESC, story_id LIMIT 1)
ORDER BY copy_group_id, is_representative DESC, outlet;
