--
-- ratelimit: the waits on HubSpot made visible.  hubspot_fdw_waits() lists the
-- backends waiting on HubSpot (HubSpotRequest) or on its rate limit
-- (HubSpotRateLimit); hubspot_fdw_activity joins it to pg_stat_activity.  No
-- backend is waiting here, preloaded or not: both are empty.  The budgets are in
-- shared memory exactly when hubspot_fdw is in shared_preload_libraries (the
-- sanitized run of this suite preloads it; test/ratelimit/shared.sh checks that
-- backends share them).
--
SELECT pg_get_function_result('hubspot_fdw_waits()'::regprocedure);
SELECT * FROM hubspot_fdw_waits();
\d hubspot_fdw_activity
SELECT * FROM hubspot_fdw_activity;

-- a few statements against HubSpot change nothing of that once they are done
CALL emu.reset();
CREATE FOREIGN TABLE rp (id text, name text) SERVER hubspot OPTIONS (object 'products');
SELECT emu.seed('{"count": 2, "properties": {"name": "Rate {i}", "price": "{i}"}}')->'ids' AS ids;
SELECT id, name FROM rp ORDER BY id;
INSERT INTO rp (name) VALUES ('Rate 3');
SELECT count(*) AS waits FROM hubspot_fdw_waits();
DROP FOREIGN TABLE rp;

-- any role may call them (other roles' waits are shown as pg_stat_activity shows
-- them: to members of those roles and of pg_read_all_stats)
CREATE ROLE ratelimit_reader;
SET ROLE ratelimit_reader;
SELECT count(*) AS waits FROM hubspot_fdw_waits();
SELECT count(*) AS waiting FROM hubspot_fdw_activity;
RESET ROLE;
DROP ROLE ratelimit_reader;

SELECT (SELECT count(*) FROM pg_shmem_allocations
         WHERE name = 'hubspot_fdw rate limits') =
       (SELECT count(*) FROM regexp_split_to_table(current_setting('shared_preload_libraries'), '\s*,\s*') l
         WHERE l = 'hubspot_fdw') AS shared_memory_iff_preloaded;
