-- Articles per outlet key and credited agency over every night, after the CTEs of sources_all_nights.sql
-- (sources/outlets): the evidence behind a derived wire affiliation.
SELECT outlet_key, wire_credit AS agency, count(*) AS articles
FROM art WHERE wire_credit IS NOT NULL GROUP BY ALL ORDER BY ALL
