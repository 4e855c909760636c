-- The PostgreSQL twin of migrations/sqlite/20261121000010_search_indexes.sql,
-- kept so both backends number their migrations alike. PostgreSQL needs
-- no new index: its planner, given the query's words (listings run as
-- unnamed statements, see postgres.rs), chooses between the GIN index
-- and the order's index from its statistics, and its bitmap scans read
-- each release's row only once.
SELECT 1;
