-- Aggregate access-policy counters: how many requests per hour, scope,
-- country, deciding rule and decision. Never an address, never a member.
CREATE TABLE policy_counters (
    hour INTEGER NOT NULL,          -- Unix time / 3600
    scope TEXT NOT NULL,
    country TEXT NOT NULL,
    rule TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('allow', 'deny', 'shadow')),
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (hour, scope, country, rule, decision)
) WITHOUT ROWID;
