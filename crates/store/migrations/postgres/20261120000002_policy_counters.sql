-- Aggregate access-policy counters: how many requests per hour, scope,
-- country, deciding rule and decision. Never an address, never a member.
-- The PostgreSQL twin of migrations/sqlite/20261120000002_policy_counters.sql.
-- COLLATE "C" compares bytes like SQLite's BINARY collation, so ORDER BY
-- gives the same order on both backends whatever the cluster's locale.
CREATE TABLE policy_counters (
    hour BIGINT NOT NULL,           -- Unix time / 3600
    scope TEXT COLLATE "C" NOT NULL,
    country TEXT COLLATE "C" NOT NULL,
    rule TEXT COLLATE "C" NOT NULL,
    decision TEXT COLLATE "C" NOT NULL CHECK (decision IN ('allow', 'deny', 'shadow')),
    count BIGINT NOT NULL CHECK (count >= 0),
    PRIMARY KEY (hour, scope, country, rule, decision)
);
