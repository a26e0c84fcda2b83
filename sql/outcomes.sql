--
-- outcomes: when HubSpot may or may not have applied a write, the error names
-- the rows concerned and counts exactly the rows known to be written; and any
-- error that ends a statement after HubSpot was written, PostgreSQL's own
-- included, says what HubSpot already applied.
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CALL emu.reset();

CREATE FOREIGN TABLE prices (
    id          text,
    name        text,
    price       numeric
) SERVER hubspot OPTIONS (object 'products');

-- An error without its DETAIL, which quotes libcurl's varying words for a
-- timeout or a broken connection.
CREATE FUNCTION show_error(statement text) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  state text; message text; hint text; context text;
BEGIN
  EXECUTE statement;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          hint = PG_EXCEPTION_HINT, context = PG_EXCEPTION_CONTEXT;
  RAISE NOTICE E'%: %\nHINT: %\nCONTEXT: %', state, message, hint,
    regexp_replace(context, E'\n?(SQL statement|PL/pgSQL function)[^\n]*', '', 'g');
END $f$;

-- 150 records, ids 1000001..1000150, price = i
CREATE PROCEDURE seed_prices(n int) LANGUAGE sql AS $$
  CALL emu.reset();
  CALL emu.config('{"rate_limit": {"max": 1000, "interval_ms": 10000, "daily": 250000}}');
  SELECT emu.seed(format('{"count": %s, "properties": {"name": "Item {i}", "price": "{i}"}}', n)::jsonb);
  CALL emu.clear_log();
$$;

--
-- A batch/update whose 200 answer cannot be read: applied, but which rows?
--
CALL seed_prices(150);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/update", "action": "malformed", "skip": 1}');
UPDATE prices SET price = price + 1;
\echo :LAST_ERROR_SQLSTATE
-- every row was updated: the first 100 known, the last 50 unknown to us
SELECT count(*) FILTER (WHERE (o->'properties'->>'price')::int = (o->>'id')::int - 1000000 + 1) AS updated
  FROM emu.objects() o;
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests()
 WHERE method = 'POST' ORDER BY seq;

-- ... or an answer that names fewer rows than were sent
CALL seed_prices(150);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/update", "status": 200, "skip": 1,
                   "body": {"status": "COMPLETE", "results": []}}');
UPDATE prices SET price = price + 1;
\echo :LAST_ERROR_SQLSTATE

--
-- Every attempt timed out: the archives may or may not have happened
--
CREATE SERVER hubspot_slow FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emulator_url', timeout_ms '1000', max_retries '1',
           max_concurrent_requests '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_slow OPTIONS (access_token 'pat-test-token');
CREATE FOREIGN TABLE prices_slow (id text, name text, price numeric)
  SERVER hubspot_slow OPTIONS (object 'products');
CALL seed_prices(150);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/archive", "action": "delay",
                   "delay_ms": 2000, "skip": 1, "times": 2}');
SELECT show_error('DELETE FROM prices_slow');
CALL emu.wait_idle();  -- the emulator finishes both delayed attempts
-- all 150 are archived: HubSpot did apply the request it never answered
SELECT count(*) AS live FROM emu.objects();
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests()
 WHERE method = 'POST' ORDER BY seq;

--
-- Cancelled (statement_timeout) while a batch was in flight
--
CALL seed_prices(150);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/update", "action": "delay",
                   "delay_ms": 4000, "skip": 1}');
SET statement_timeout = '2s';
UPDATE prices SET price = price + 1;
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
CALL emu.wait_idle();  -- the emulator finishes the request it was given
SELECT count(*) FILTER (WHERE (o->'properties'->>'price')::int = (o->>'id')::int - 1000000 + 1) AS updated
  FROM emu.objects() o;

--
-- HTTP 500 does not promise that nothing was written: a create is never
-- sent again, while an update is retried
--
CALL seed_prices(0);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 500}');
INSERT INTO prices (name) VALUES ('five hundred');
\echo :LAST_ERROR_SQLSTATE
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "POST", "status": 500}');
INSERT INTO prices (name) VALUES ('five hundred, returning') RETURNING name;
\echo :LAST_ERROR_SQLSTATE
SELECT method, path, status FROM emu.requests() ORDER BY seq;
CALL seed_prices(3);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/update", "status": 500}');
UPDATE prices SET price = price * 10;
SELECT method, path, status FROM emu.requests() WHERE method = 'POST' ORDER BY seq;
SELECT name, price FROM prices ORDER BY id;
-- ... and a read too
CALL emu.clear_log();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "status": 500}');
SELECT count(*) FROM prices;
SELECT method, path, status FROM emu.requests() ORDER BY seq;

-- an upsert whose answer is lost after every retry
CREATE FOREIGN TABLE keyed_slow (id text, external_id text, name text)
  SERVER hubspot_slow OPTIONS (object 'products', id_property 'external_id');
CALL seed_prices(0);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/upsert", "action": "reset_after", "times": null}');
SELECT show_error($$INSERT INTO keyed_slow (external_id, name) VALUES ('K-1', 'one'), ('K-2', 'two')$$);
SELECT o->'properties'->>'external_id' AS key FROM emu.objects() o ORDER BY 1;

--
-- A statement that fails for a PostgreSQL reason after HubSpot was written
--
-- an expression in UPDATE (102 records: the first batch of 100 is sent
-- before row 102 divides by zero)
CALL seed_prices(102);
UPDATE prices SET price = CASE WHEN id = '1000102' THEN price / (price - price) ELSE price + 1 END;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FILTER (WHERE (o->'properties'->>'price')::int = (o->>'id')::int - 1000000 + 1) AS updated
  FROM emu.objects() o;
-- an expression in INSERT ... SELECT
CALL seed_prices(0);
INSERT INTO prices (name, price) SELECT 'n' || g, 1 / (g - 150) FROM generate_series(1, 200) g;
SELECT count(*) AS created FROM emu.objects();
-- a condition of DELETE
CALL seed_prices(150);
DELETE FROM prices WHERE 1 / (1000102 - id::int) > -2;
SELECT count(*) AS live FROM emu.objects();
-- an upsert
CREATE FOREIGN TABLE upserted (id text, external_id text, name text)
  SERVER hubspot OPTIONS (object 'products', id_property 'external_id');
CALL seed_prices(0);
INSERT INTO upserted (external_id, name) SELECT 'K-' || g, 'n' || (10 / (g - 120)) FROM generate_series(1, 200) g;
SELECT count(*) AS created FROM emu.objects();
-- COPY with a bad line 2 (one create per row on PostgreSQL 15)
CALL seed_prices(0);
COPY prices (name, price) FROM stdin;
first	1
second	not a number
\.
SELECT count(*) AS created FROM emu.objects();
-- ... also as a new session's first statement, which loads hubspot_fdw
CALL seed_prices(0);
\c -
COPY prices (name, price) FROM stdin;
first	1
second	not a number
\.
SELECT count(*) AS created FROM emu.objects();
-- a local constraint, after a writable CTE created records
CALL seed_prices(0);
CREATE TEMP TABLE created_ids (id text NOT NULL CHECK (id <> '1000002'));
WITH c AS (INSERT INTO prices (name) VALUES ('a'), ('b'), ('c') RETURNING id)
INSERT INTO created_ids SELECT id FROM c;
SELECT count(*) AS created FROM emu.objects();
-- an AFTER STATEMENT trigger
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'refused by trigger'; END $$;
CREATE TRIGGER refuse AFTER INSERT ON prices FOR EACH STATEMENT EXECUTE FUNCTION refuse();
CALL seed_prices(0);
INSERT INTO prices (name) SELECT 'n' || g FROM generate_series(1, 3) g;
SELECT count(*) AS created FROM emu.objects();
DROP TRIGGER refuse ON prices;
-- a nested statement's writes are told once, by the outermost statement
CREATE FUNCTION add_price(n text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO prices (name) VALUES (n); RETURN 1; END $$;
CALL seed_prices(0);
SELECT add_price('x' || g) / (g - 2) FROM generate_series(1, 3) g;
SELECT count(*) AS created FROM emu.objects();

-- a failed nested statement whose error an exception block caught: its
-- writes are told by the outer statement's error too
CREATE FOREIGN TABLE prices_b2 (id text, name text, properties jsonb)
  SERVER hubspot OPTIONS (object 'products', batch_size '2');
CALL seed_prices(0);
DO $$
BEGIN
  BEGIN
    INSERT INTO prices_b2 (properties) VALUES ('{"name": "a"}'), ('{"name": "b"}'), ('{"nosuchprop": "c"}');
  EXCEPTION WHEN OTHERS THEN NULL;
  END;
  PERFORM 1 / 0;
END $$;
SELECT count(*) AS created FROM emu.objects();

--
-- More answers that leave the outcome unknown
--
-- a batch/create answered with more results than inputs: the count says
-- no more than were sent
CALL seed_prices(0);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 201,
                   "body": {"status": "COMPLETE", "results": [{"id": "1"}, {"id": "2"}, {"id": "3"}]}}');
INSERT INTO prices (name) VALUES ('a'), ('b');
\echo :LAST_ERROR_SQLSTATE
-- a 423 after an attempt that timed out (and was applied)
CALL seed_prices(2);
CALL emu.fault('[{"path": "/crm/v3/objects/products/batch/update", "action": "delay", "delay_ms": 2000},
                   {"path": "/crm/v3/objects/products/batch/update", "status": 423, "skip": 1, "times": null}]');
SELECT show_error('UPDATE prices_slow SET price = 7');
CALL emu.wait_idle();
SELECT count(*) FILTER (WHERE o->'properties'->>'price' = '7') AS updated FROM emu.objects() o;
-- cancelled while waiting to retry a batch/update HubSpot answered 503 to
CALL seed_prices(4);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/update", "status": 503, "times": null}');
SET statement_timeout = '300ms';
UPDATE prices SET price = 3;
RESET statement_timeout;

-- batch answers naming rows that were not sent
CALL seed_prices(1);
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/update", "status": 200,
                   "body": {"status": "COMPLETE", "results": [{"id": "9000001", "properties": {}}]}}');
UPDATE prices SET price = 8;
\echo :LAST_ERROR_SQLSTATE
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 201,
                   "body": {"status": "COMPLETE", "results": [{"id": "1", "objectWriteTraceId": "1"},
                                                              {"id": "2", "objectWriteTraceId": "3"}]}}');
INSERT INTO prices (name) VALUES ('a'), ('b');
\echo :LAST_ERROR_SQLSTATE

-- a session's first COPY (which loads hubspot_fdw) whose row trigger writes
-- another foreign table and then fails: each table's writes told once
CREATE FOREIGN TABLE prices_log (id text, name text) SERVER hubspot OPTIONS (object 'products');
CREATE FUNCTION log_price() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO prices_log (name) VALUES ('log ' || NEW.name);
  IF NEW.name = 'bad' THEN PERFORM 1 / (count(*) * 0) FROM pg_class; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER log_price BEFORE INSERT ON prices FOR EACH ROW EXECUTE FUNCTION log_price();
CALL seed_prices(0);
\c -
COPY prices (name) FROM stdin;
a
b
bad
\.
SELECT count(*) AS created FROM emu.objects();
DROP TRIGGER log_price ON prices;
DROP FUNCTION log_price();
DROP FOREIGN TABLE prices_log;

-- rows skipped under on_error 'skip' are warnings: no statement context
CREATE FOREIGN TABLE prices_skip (id text, price numeric, properties jsonb)
  SERVER hubspot OPTIONS (object 'products', on_error 'skip', batch_size '2');
CALL seed_prices(3);
\set SHOW_CONTEXT always
UPDATE prices_skip SET properties = properties ||
  CASE WHEN id = '1000003' THEN '{"price": "bad"}'::jsonb ELSE '{"price": "6"}' END;
\set SHOW_CONTEXT errors

--
-- A written row whose answer does not identify its record: HubSpot wrote it,
-- but RETURNING, AFTER triggers and the statement's scans cannot know which
-- record it is (08007, whatever on_error says)
--
CREATE FOREIGN TABLE prices_up (id text, external_id text, name text)
  SERVER hubspot OPTIONS (object 'products', id_property 'external_id', on_error 'skip');
CREATE FOREIGN TABLE prices_b3 (id text, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products', batch_size '3', on_error 'skip');
-- a create's answer without "id", for the second row
CALL seed_prices(0);
CALL emu.damage('{"kind": "missing", "method": "POST", "path": "/crm/v3/objects/products",
                  "target": "id", "skip": 1}');
INSERT INTO prices (name, price) VALUES ('r1', 1), ('r2', 2) RETURNING id, name;
SELECT count(*) AS created FROM emu.objects();
-- an empty 201 answer
CALL seed_prices(0);
CALL emu.damage('{"kind": "empty", "method": "POST", "path": "/crm/v3/objects/products"}');
INSERT INTO prices (name, price) VALUES ('r1', 1) RETURNING id;
SELECT count(*) AS created FROM emu.objects();
-- an "id" that is not a string of digits: a JSON number, a string cut by \u0000
CALL seed_prices(0);
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products", "status": 201,
                 "body": {"id": 1000001, "properties": {"name": "r1"}}}');
INSERT INTO prices (name, price) VALUES ('r1', 1) RETURNING id;
CALL seed_prices(3);
CALL emu.damage('{"kind": "nul", "method": "PATCH", "path": "/crm/v3/objects/products/*",
                  "target": "id", "raw": false}');
UPDATE prices SET price = price + 1 WHERE id = '1000002' RETURNING id, price;
-- a PATCH answered with another record
CALL seed_prices(3);
CALL emu.fault('{"method": "PATCH", "path": "/crm/v3/objects/products/*", "status": 200,
                 "body": {"id": "1000003", "properties": {"price": "9"}}}');
UPDATE prices SET price = 9 WHERE id = '1000002' RETURNING id, price;
-- a PATCH answered with a JSON array, or a string, instead of a record
CALL seed_prices(3);
CALL emu.fault('{"method": "PATCH", "path": "/crm/v3/objects/products/*", "status": 200, "body": []}');
UPDATE prices SET price = 9 WHERE id = '1000002' RETURNING id, price;
CALL emu.fault('{"method": "PATCH", "path": "/crm/v3/objects/products/*", "status": 200, "body": "just a string"}');
UPDATE prices SET price = 8 WHERE id = '1000002' RETURNING id, price;
SELECT 1 AS still_connected;
-- an upsert's result without "id", under on_error 'skip'
CALL seed_prices(0);
CALL emu.damage('{"kind": "missing", "method": "POST", "path": "/crm/v3/objects/products/batch/upsert",
                  "target": "id"}');
INSERT INTO prices_up (external_id, name) VALUES ('k1', 'u1') RETURNING id, external_id;
SELECT count(*) AS upserted FROM emu.objects();
-- a batch/create result whose "id" has the wrong type
CALL seed_prices(0);
CALL emu.damage('{"kind": "wrong_type", "method": "POST", "path": "/crm/v3/objects/products/batch/create",
                  "target": "id", "seed": 1}');
INSERT INTO prices_b3 (name, price) VALUES ('b1', 1), ('b2', 2), ('b3', 3);
SELECT count(*) AS created FROM emu.objects();
-- a batch/update result without "id" (matched to its row by objectWriteTraceId)
CALL seed_prices(3);
CALL emu.damage('{"kind": "missing", "method": "POST", "path": "/crm/v3/objects/products/batch/update",
                  "target": "id"}');
UPDATE prices_b3 SET price = price + 10;
SELECT count(*) FILTER (WHERE (o->'properties'->>'price')::int > 10) AS updated FROM emu.objects() o;

DROP FOREIGN TABLE prices, prices_slow, upserted, keyed_slow, prices_b2, prices_skip, prices_up, prices_b3;
DROP SERVER hubspot_slow CASCADE;
DROP PROCEDURE seed_prices(int);
DROP FUNCTION refuse(), add_price(text), show_error(text);
