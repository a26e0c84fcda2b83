--
-- errors: bad input is refused before anything is sent; HubSpot's errors,
-- rate limits, timeouts and broken connections.  (Rows HubSpot rejects:
-- on_error.sql.)
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CALL emu.reset();
SET timezone = 'UTC';

CREATE FOREIGN TABLE products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    associations jsonb
) SERVER hubspot OPTIONS (object 'products');

-- properties must be a JSON object of scalars
CALL emu.clear_log();
INSERT INTO products (properties) VALUES ('{"name": "ok"}'), ('[1, 2]');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO products (properties) VALUES ('"just a string"');
INSERT INTO products (properties) VALUES ('{"name": "ok"}'), ('{"name": "x"}'), ('{"name": {"first": "x"}}');
INSERT INTO products (properties) VALUES ('{"sales_channels": ["web", "retail"]}');
-- unknown and read-only properties, and columns HubSpot assigns
INSERT INTO products (properties) VALUES ('{"name": "ok", "colour": "red"}');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO products (properties) VALUES ('{"name": "ok", "hs_lastmodifieddate": "2026-01-01"}');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO products (id, properties) VALUES ('123', '{"name": "ok"}');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO products (properties, created_at) VALUES ('{"name": "ok"}', now());
INSERT INTO products (properties, associations) VALUES ('{"name": "ok"}', '{"to": 1}');
INSERT INTO products (properties, associations) VALUES ('{"name": "ok"}', '[1]');
-- typed columns: conflicting values, values HubSpot cannot hold
CREATE FOREIGN TABLE products_e (id text, properties jsonb, price numeric, weight_kg float8,
    launch_date date, sales_channels text[], createdate timestamptz) SERVER hubspot;
INSERT INTO products_e (properties, price) VALUES ('{"price": "5"}', 6);
INSERT INTO products_e (price) VALUES ('NaN');
INSERT INTO products_e (weight_kg) VALUES ('Infinity');
INSERT INTO products_e (launch_date) VALUES ('infinity');
INSERT INTO products_e (sales_channels) VALUES (ARRAY['web', NULL]);
INSERT INTO products_e (sales_channels) VALUES (ARRAY['web;retail']);
-- none of these sent anything: the catalogue was read, and read again when
-- "colour" was not in it (it might have been created since)
SELECT method, path FROM emu.requests();
SELECT count(*) FROM emu.objects();

-- a batch refused as a whole (400)
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 400,
                   "body": {"status": "error", "message": "Something about the batch is wrong",
                            "correlationId": "aaaaaaaa-0000-0000-0000-000000000001", "category": "VALIDATION_ERROR"}}');
INSERT INTO products (properties) VALUES ('{"name": "a"}');
\echo :LAST_ERROR_SQLSTATE

-- authentication: HubSpot's 401 becomes 28000; the token appears nowhere
CALL emu.config('{"tokens": ["another-token"]}');
SELECT count(*) FROM products;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO products (properties) VALUES ('{"name": "a"}');
CALL emu.config('{"tokens": null, "expired_tokens": ["pat-test-token"]}');
SELECT count(*) FROM products;
-- missing scopes: 403 becomes 42501
CALL emu.config('{"expired_tokens": [], "read_only_tokens": ["pat-test-token"]}');
INSERT INTO products (properties) VALUES ('{"name": "a"}');
\echo :LAST_ERROR_SQLSTATE
CALL emu.config('{"read_only_tokens": []}');

-- an object type hubspot_fdw does not know: refused at CREATE, the detail
-- listing the standard objects (custom objects: sql/objects.sql)
CREATE FOREIGN TABLE widgets (id text) SERVER hubspot OPTIONS (object 'widgets');
\echo :LAST_ERROR_SQLSTATE

-- 429 TEN_SECONDLY_ROLLING is waited out (Retry-After) and retried, even for a create
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 429, "headers": {"Retry-After": "1"}}');
INSERT INTO products (properties) VALUES ('{"name": "after 429"}');
SELECT method, path, status FROM emu.requests() ORDER BY seq;
SELECT count(*) FROM emu.objects();
-- ... and without Retry-After, for X-HubSpot-RateLimit-Interval-Milliseconds,
-- a number as strtod reads it ("1.5e2" is 150 ms, not the 10 s default)
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "status": 429,
                   "headers": {"X-HubSpot-RateLimit-Interval-Milliseconds": "1.5e2"}}');
SET statement_timeout = '5s';
SELECT count(*) FROM products;
RESET statement_timeout;
SELECT method, status FROM emu.requests() ORDER BY seq;
-- ... and the emulator's own rolling window, 3 requests in 3 seconds: 5 pages
-- paced from its X-HubSpot-RateLimit-* headers, without a 429
CALL emu.reset();
SELECT emu.seed('{"count": 500}') IS NOT NULL AS seeded;
CALL emu.config('{"rate_limit": {"max": 3, "interval_ms": 3000}}');
SELECT count(*) FROM products;
SELECT status, count(*) FROM emu.requests() GROUP BY 1 ORDER BY 1;
CALL emu.config('{"rate_limit": {"max": 1000, "interval_ms": 10000}}');
-- DAILY is an immediate error with a hint
CALL emu.fault('{"path": "/crm/v3/objects/products", "status": 429,
  "body": {"status": "error", "message": "You have reached your daily limit.", "errorType": "RATE_LIMIT",
           "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24", "policyName": "DAILY"}}');
SELECT count(*) FROM products;
\echo :LAST_ERROR_SQLSTATE

-- 502 on a read is retried; on a create it is never resent
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "status": 502}');
SELECT count(*) FROM products;
SELECT method, status FROM emu.requests() ORDER BY seq;
CALL emu.clear_log();
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 503}');
INSERT INTO products (properties) VALUES ('{"name": "maybe"}');
\echo :LAST_ERROR_SQLSTATE
SELECT method, path, status FROM emu.requests() ORDER BY seq;

-- a connection dropped before HubSpot processed a read: retried
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "action": "reset_before"}');
SELECT count(*) FROM products;
SELECT method, status FROM emu.requests() ORDER BY seq;
-- a connection dropped after HubSpot processed a create, on a reused
-- keep-alive connection: the rows exist, and the request is not sent again
CALL emu.clear_log();
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "action": "reset_after"}');
\set VERBOSITY terse
INSERT INTO products (properties) VALUES ('{"name": "once 1"}'), ('{"name": "once 2"}');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT method, path, status FROM emu.requests() ORDER BY seq;
SELECT o->'properties'->>'name' AS name FROM emu.objects() o ORDER BY 1;

-- a malformed response is an error, never an empty result
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "action": "malformed"}');
SELECT count(*) FROM products;

-- redirects are never followed: the token must not go anywhere else
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "status": 302,
                   "headers": {"Location": "http://127.0.0.1:9/elsewhere"}}');
SELECT count(*) FROM products;
SELECT method, path, status FROM emu.requests();

-- a response larger than the cap (64 MB) is refused, not buffered
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "status": 200,
                   "body": {"results": []}, "pad_bytes": 70000000}');
\set VERBOSITY terse
SELECT count(*) FROM products;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM products;

-- statement_timeout interrupts a slow response promptly; the backend stays usable
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "action": "delay", "delay_ms": 3000}');
SET statement_timeout = '300ms';
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM products;
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '2 seconds' AS prompt;
SELECT count(*) FROM products;
CALL emu.wait_idle();  -- the emulator finishes the abandoned request before the next test
-- ... and a create interrupted while in flight says its outcome is unknown
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "action": "delay", "delay_ms": 1000}');
SET statement_timeout = '300ms';
INSERT INTO products (properties) VALUES ('{"name": "interrupted"}');
RESET statement_timeout;
CALL emu.wait_idle();  -- the emulator finishes the request it was given
SELECT o->'properties'->>'name' AS name FROM emu.objects() o;

-- the server's timeout_ms: reads are retried, then fail; creates fail at once
CREATE SERVER hubspot_slow FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emulator_url', timeout_ms '200', max_retries '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_slow OPTIONS (access_token 'pat-test-token');
CREATE FOREIGN TABLE products_slow (id text, properties jsonb) SERVER hubspot_slow;
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "action": "delay", "delay_ms": 1000, "times": 5}');
\set VERBOSITY terse
SELECT count(*) FROM products_slow;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
CALL emu.wait_idle();  -- the emulator logs a delayed request when it is done
SELECT method, path FROM emu.requests() ORDER BY seq;
CALL emu.reset();
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "action": "delay", "delay_ms": 1000}');
\set VERBOSITY terse
INSERT INTO products_slow (properties) VALUES ('{"name": "slow"}');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
CALL emu.wait_idle();
SELECT method, path FROM emu.requests() ORDER BY seq;
SELECT o->'properties'->>'name' AS name FROM emu.objects() o;

-- nothing listens: connection failures are retried, then reported
CREATE SERVER hubspot_closed FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url 'http://127.0.0.1:9', max_retries '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_closed OPTIONS (access_token 'pat-test-token');
CREATE FOREIGN TABLE products_closed (id text) SERVER hubspot_closed;
\set VERBOSITY terse
SELECT * FROM products_closed;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE

-- errors free what they allocated: 300 rejected batches whose 200 kB error
-- bodies json-c parsed, and 300 broken connections, leave the backend's
-- memory where it was
CALL emu.reset();
CREATE FUNCTION backend_rss_kb() RETURNS bigint LANGUAGE sql
  AS $$ SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmRSS:\s+(\d+) kB'))[1]::bigint $$;
CREATE PROCEDURE fail_repeatedly(n int) LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      INSERT INTO products (properties) VALUES ('{"name": "refused"}');
    EXCEPTION WHEN invalid_parameter_value THEN NULL;
    END;
    BEGIN
      PERFORM count(*) FROM products_closed;
    EXCEPTION WHEN sqlclient_unable_to_establish_sqlconnection THEN NULL;
    END;
  END LOOP;
END $$;
ALTER SERVER hubspot_closed OPTIONS (SET max_retries '0');
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 400, "times": null,
                   "pad_bytes": 200000}');
CALL fail_repeatedly(20);
SELECT backend_rss_kb() AS rss_kb_before \gset
CALL fail_repeatedly(300);
SELECT count(*) AS refused_batches FROM emu.requests() WHERE status = 400;
SELECT backend_rss_kb() - :rss_kb_before < 8192 AS rss_grew_less_than_8mb;

DROP FOREIGN TABLE products, products_e, products_slow, products_closed;
DROP USER MAPPING FOR CURRENT_USER SERVER hubspot_slow;
DROP USER MAPPING FOR CURRENT_USER SERVER hubspot_closed;
DROP SERVER hubspot_slow, hubspot_closed;
DROP FUNCTION backend_rss_kb();
DROP PROCEDURE fail_repeatedly(int);
