--
-- usage: hubspot_fdw_usage() and the view hubspot_fdw_usage count what this
-- backend asked of HubSpot, per server and user mapping, since it started:
-- requests (every attempt), retries, errors, 429s, rows read and written,
-- the time waited for the rate limit and HubSpot's last rate-limit headers.
-- Their counts are those of the emulator's request log.
--
\d hubspot_fdw_usage
-- a new backend has used nothing yet
SELECT count(*) FROM hubspot_fdw_usage;

CREATE FOREIGN TABLE up (id text, name text) SERVER hubspot OPTIONS (object 'products');
CALL emu.reset();

-- a sequence of statements: 2 batch/create, list pages, an update, an archive
INSERT INTO up (name) SELECT 'U' || i FROM generate_series(1, 150) i;
SELECT count(*) FROM up;
UPDATE up SET name = 'U1!' WHERE name = 'U1';
DELETE FROM up WHERE name = 'U2';
-- a 500 on a read (sent again), a 404 (an error: a record that does not exist)
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "status": 500}');
SELECT count(*) FROM up WHERE name LIKE 'U1%';
SELECT count(*) FROM up WHERE id = '12345';
-- a 429, sent again after the millisecond Retry-After asks for
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 429, "headers": {"Retry-After": "0"}}');
INSERT INTO up (name) VALUES ('after a 429');

SELECT method, path, status, count(*) FROM emu.requests() GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT server_name, user_name = current_user AS current_user, requests, retries, errors,
       throttled, rows_read, rows_written, rate_wait_ms > 0 AS waited,
       rate_limit_max, rate_limit_remaining BETWEEN 0 AND rate_limit_max AS remaining_known,
       rate_limit_interval_ms, daily_limit,
       daily_remaining BETWEEN 0 AND daily_limit AS daily_remaining_known,
       last_request_at BETWEEN now() - interval '1 hour' AND clock_timestamp() AS last_request_at_known
  FROM hubspot_fdw_usage;
-- the same counts, from the emulator's log
SELECT count(*) AS requests,
       count(*) FILTER (WHERE status >= 400 AND status <> 429) AS errors,
       count(*) FILTER (WHERE status = 429) AS throttled,
       sum(jsonb_array_length(body->'inputs')) FILTER (WHERE path LIKE '%/batch/%' AND path NOT LIKE '%/batch/read' AND status <> 429)
         AS rows_written  -- inputs of a request sent again count once
  FROM emu.requests();

-- how much of the daily limit a job used: the view before and after
CREATE TEMP TABLE usage_before AS SELECT * FROM hubspot_fdw_usage;
CALL emu.clear_log();
UPDATE up SET name = name || '+' WHERE name IN ('U10', 'U11', 'U12');
SELECT a.requests - b.requests AS requests,
       a.rows_written - b.rows_written AS rows_written,
       b.daily_remaining - a.daily_remaining AS daily_budget_used
  FROM hubspot_fdw_usage a JOIN usage_before b USING (server_name, user_name);
SELECT count(*) AS requests FROM emu.requests();

-- two servers, and two user mappings of one server: one row each, named by
-- the mapping's user (PUBLIC for a public mapping)
\getenv emulator_url HUBSPOT_EMULATOR_URL
CREATE SERVER hubspot_usage2 FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emulator_url', max_concurrent_requests '1');
CREATE USER MAPPING FOR PUBLIC SERVER hubspot_usage2 OPTIONS (access_token 'pat-usage-public');
CREATE FOREIGN TABLE up2 (id text, name text) SERVER hubspot_usage2 OPTIONS (object 'products');
SELECT count(*) FROM up2 WHERE id = '1';
CREATE ROLE usage_other;
CREATE USER MAPPING FOR usage_other SERVER hubspot OPTIONS (access_token 'pat-usage-other');
GRANT SELECT ON up TO usage_other;
SET ROLE usage_other;
SELECT count(*) FROM up WHERE id = '1';
RESET ROLE;
SELECT server_name, CASE WHEN user_name = current_user THEN 'me' ELSE user_name END AS user_name,
       requests, rows_read
  FROM hubspot_fdw_usage;

-- the access token never shows
SELECT count(*) AS rows_with_a_token FROM hubspot_fdw_usage u WHERE u::text LIKE '%pat-%';

-- any role may read its own backend's usage
SET ROLE usage_other;
SELECT count(*) > 0 AS readable FROM hubspot_fdw_usage;
RESET ROLE;

DROP USER MAPPING FOR usage_other SERVER hubspot;
REVOKE SELECT ON up FROM usage_other;
DROP ROLE usage_other;
DROP SERVER hubspot_usage2 CASCADE;
DROP FOREIGN TABLE up;
