--
-- init: the extension, a server on the emulator, and helpers that let tests
-- look at what the emulator received (its request log) and steer it.
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
\getenv emuctl HUBSPOT_EMUCTL

CREATE EXTENSION hubspot_fdw;
\dx hubspot_fdw

-- One request in flight at a time: the emulator then hands out record ids and
-- logs requests in statement order, which the tests' expected output shows.
-- concurrency.sql tests several in flight.
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emulator_url', max_retries '2', max_concurrent_requests '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot
  OPTIONS (access_token 'pat-test-token');

CREATE FOREIGN TABLE products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    associations jsonb
) SERVER hubspot OPTIONS (object 'products');

-- The emulator's control CLI, run by the server (COPY FROM PROGRAM).
CREATE SCHEMA emu;
CREATE TABLE emu.settings (emuctl text, url text);
INSERT INTO emu.settings VALUES (:'emuctl', :'emulator_url');

CREATE FUNCTION emu.shell_quote(t text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT '''' || replace(t, '''', '''\''''') || '''' $$;

CREATE FUNCTION emu.ctl(cmd text, arg text DEFAULT NULL) RETURNS SETOF jsonb
LANGUAGE plpgsql AS $$
DECLARE
  s emu.settings;
BEGIN
  SELECT * INTO s FROM emu.settings;
  IF to_regclass('pg_temp.emu_output') IS NULL THEN
    CREATE TEMP TABLE emu_output (line text);
  END IF;
  TRUNCATE emu_output;
  EXECUTE format('COPY emu_output FROM PROGRAM %L',
                 format('python3 %s --url %s --copy %s %s', s.emuctl, s.url, cmd,
                        coalesce(emu.shell_quote(arg), '')));
  RETURN QUERY SELECT line::jsonb FROM emu_output;
END $$;

-- Everything back to a known state: empty store, empty log, fixed clock,
-- seeded shuffling (results still come back out of order), correlation ids
-- counting from 1, and properties without a value answered as "", as
-- HubSpot answers cleared values (every test reads them that way).
-- The helpers that only steer the emulator are procedures: CALL prints
-- nothing when it succeeds, and a failing call is an ERROR.
CREATE PROCEDURE emu.reset() LANGUAGE sql AS $$
  SELECT emu.ctl('reset');
  SELECT emu.ctl('config', '{"clock": "2026-01-15T10:00:00.000Z", "random_seed": 7,
                             "correlation_ids": "sequential", "empty_values": "empty"}');
$$;
CREATE PROCEDURE emu.clear_log() LANGUAGE sql AS $$ SELECT emu.ctl('clear-log') $$;
CREATE PROCEDURE emu.config(cfg jsonb) LANGUAGE sql AS $$ SELECT emu.ctl('config', cfg::text) $$;
CREATE PROCEDURE emu.fault(rule jsonb) LANGUAGE sql AS $$ SELECT emu.ctl('fault', rule::text) $$;
-- Damage rules: the next matching answers are sent damaged (emulator.py's
-- DamageRule: kind, method, path, target, seed, ...).
CREATE PROCEDURE emu.damage(rule jsonb) LANGUAGE sql AS $$ SELECT emu.ctl('damage', rule::text) $$;
CREATE PROCEDURE emu.damage_clear() LANGUAGE sql AS $$ SELECT emu.ctl('damage-clear') $$;
-- Wait until the emulator has finished every API request it received (a
-- delayed one whose client gave up included); an ERROR after timeout_s.
CREATE PROCEDURE emu.wait_idle(timeout_s numeric DEFAULT 10) LANGUAGE sql
  AS $$ SELECT emu.ctl('wait-idle', timeout_s::text) $$;
-- Records created directly; returns {"ids": [...]}.
CREATE FUNCTION emu.seed(spec jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT emu.ctl('seed', spec::text) $$;

-- The request log: one row per API request the emulator received.
CREATE FUNCTION emu.requests()
RETURNS TABLE (seq int, method text, path text, query jsonb, status int, body jsonb)
LANGUAGE sql AS $$
  SELECT (r->>'seq')::int, r->>'method', r->>'path', r->'query', (r->>'status')::int, r->'body'
  FROM emu.ctl('log') AS r ORDER BY 1
$$;

-- Stored records, as the emulator holds them.
CREATE FUNCTION emu.objects(which text DEFAULT '') RETURNS SETOF jsonb
LANGUAGE sql AS $$ SELECT emu.ctl('objects ' || which) $$;

-- When each logged request arrived and was answered (milliseconds since the
-- last reset, on one clock), and its app (a hash of its token, never the token).
CREATE FUNCTION emu.request_times()
RETURNS TABLE (seq int, method text, path text, status int, app text,
               started_ms float8, ended_ms float8)
LANGUAGE sql AS $$
  SELECT (r->>'seq')::int, r->>'method', r->>'path', (r->>'status')::int, r->>'app',
         (r->>'started_ms')::float8, (r->>'ended_ms')::float8
  FROM emu.ctl('log') AS r ORDER BY 1
$$;
-- Overlap and pace of the logged requests whose path contains path_filter
-- (all of them when NULL): {"requests", "429", "max_in_flight" (most in
-- flight at once), "max_in_window" (most one app sent in any interval_ms),
-- "interval_ms", "apps": {app: {"requests", "429", "max_in_window"}}}.
CREATE FUNCTION emu.concurrency(path_filter text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql AS $$ SELECT emu.ctl('concurrency', path_filter) $$;

CALL emu.reset();
SELECT count(*) FROM products;
SELECT method, path, status FROM emu.requests();
SELECT emu.concurrency('/crm/v3/objects') - 'apps' AS concurrency;
SELECT count(*) AS answered_after_arrival FROM emu.request_times()
 WHERE app IS NOT NULL AND ended_ms >= started_ms;

-- every test creates the foreign tables it uses
DROP FOREIGN TABLE products;
