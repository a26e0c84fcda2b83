--
-- summary: hubspot_fdw.statement_summary ends every top-level statement that
-- touched HubSpot with one NOTICE (rows created, updated, archived, rejected
-- and read; requests by endpoint; retries, 429s, time waited for the rate
-- limit), whose counts are those of the emulator's request log.  EXPLAIN
-- ANALYZE shows the same per node.
--
CREATE FOREIGN TABLE sp (id text, name text, price numeric, external_id text)
  SERVER hubspot OPTIONS (object 'products');
CALL emu.reset();

-- off by default: no NOTICE
SHOW hubspot_fdw.statement_summary;
INSERT INTO sp (name) VALUES ('quiet');

SET hubspot_fdw.statement_summary = on;

-- 250 rows: three batch/create requests
CALL emu.clear_log();
INSERT INTO sp (name, price, external_id)
  SELECT 'P' || i, i, 'K-' || i FROM generate_series(1, 250) i;
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 1, 2;

-- a SELECT: list pages (rows read)
CALL emu.clear_log();
SELECT count(*) FROM sp WHERE price > 0;
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 1, 2;

-- UPDATE: a read, then batch/update
CALL emu.clear_log();
UPDATE sp SET price = price + 1000 WHERE external_id IN ('K-1', 'K-2', 'K-3');
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 1, 2;

-- DELETE by id: one record read by id... and archived
CALL emu.clear_log();
DELETE FROM sp WHERE id = (SELECT min(id) FROM sp WHERE external_id = 'K-4');
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 1, 2;

-- upsert: 2 of the keys exist (updated), 1 is new (created)
CREATE FOREIGN TABLE sp_keyed (id text, name text, external_id text)
  SERVER hubspot OPTIONS (object 'products', id_property 'external_id');
CALL emu.clear_log();
INSERT INTO sp_keyed (external_id, name) VALUES ('K-10', 'ten'), ('K-11', 'eleven'), ('K-new', 'new');
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 1, 2;

-- a 207 under on_error 'skip': the rejected row is counted
CREATE FOREIGN TABLE sp_skip (id text, name text, price text)
  SERVER hubspot OPTIONS (object 'products', on_error 'skip');
CALL emu.clear_log();
INSERT INTO sp_skip (name, price) VALUES ('good', '1'), ('bad', 'two'), ('good too', '3');
SELECT method, path, status, count(*) FROM emu.requests() GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- a 429, sent again after the millisecond Retry-After asks for: the NOTICE
-- would show that wait (1 or 2 ms), so it is shown through EXPLAIN ANALYZE,
-- whose node has the same counts, with the wait masked
CREATE FUNCTION explain_lines(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    RETURN NEXT regexp_replace(line, 'Rate Limit Wait: [0-9.]+ ms', 'Rate Limit Wait: N ms');
  END LOOP;
END $$;
CALL emu.clear_log();
CALL emu.fault('{"path": "/crm/v3/objects/products/batch/create", "status": 429, "headers": {"Retry-After": "0"}}');
SET client_min_messages = warning;
SELECT explain_lines($$INSERT INTO sp (name) VALUES ('after a 429')$$);
RESET client_min_messages;
SELECT method, path, status, count(*) FROM emu.requests() GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- a 500 on a read: sent again
CALL emu.clear_log();
CALL emu.fault('{"path": "/crm/v3/objects/products", "method": "GET", "status": 500}');
SELECT count(*) FROM sp;
SELECT method, path, status, count(*) FROM emu.requests() GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- a nested statement's requests count toward the outer one: one NOTICE
CREATE FUNCTION add_product(n text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sp (name) VALUES (n);
  RETURN 1;
END $$;
CALL emu.clear_log();
SELECT add_product('one') + add_product('two') AS added;
DO $$
BEGIN
  INSERT INTO sp (name) VALUES ('three');
  UPDATE sp SET price = 3 WHERE external_id = 'K-20';
END $$;
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 1, 2;

-- COPY into a foreign table
CALL emu.clear_log();
COPY sp (name) FROM STDIN;
copied 1
copied 2
\.
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 1, 2;

-- a dry run: its own NOTICE names the requests it would send; the summary
-- counts the reads it made and no row written
CALL emu.clear_log();
SET hubspot_fdw.dry_run = on;
INSERT INTO sp (name) VALUES ('dry 1'), ('dry 2');
UPDATE sp SET price = 5 WHERE external_id = 'K-21';
RESET hubspot_fdw.dry_run;
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 1, 2;

-- writes at COMMIT: a statement in a transaction block tells the rows it
-- queued; the COMMIT tells what it sent; an autocommit statement has one
-- summary, after its rows were sent; ROLLBACK sends nothing and tells nothing
CALL emu.clear_log();
SET hubspot_fdw.write_mode = 'commit';
INSERT INTO sp (name) VALUES ('c1'), ('c2');
BEGIN;
INSERT INTO sp (name) VALUES ('c3');
INSERT INTO sp (name) VALUES ('c4');
COMMIT;
BEGIN;
INSERT INTO sp (name) VALUES ('c5');
ROLLBACK;
RESET hubspot_fdw.write_mode;
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests() ORDER BY seq;

-- a statement that fails gives no summary (its error tells what was applied)
CALL emu.clear_log();
INSERT INTO sp (name, price) VALUES ('ok', 1), ('broken', 1 / 0);
SELECT count(*) AS requests FROM emu.requests();
-- ... and leaves nothing to the next statement's
SELECT count(*) FROM sp WHERE id = '1';

-- statements that do not touch HubSpot: no NOTICE
SELECT 1 AS one;
CREATE TEMP TABLE t (x int);
DROP TABLE t;

-- EXPLAIN ANALYZE: each node shows its own figures (and the statement has its
-- NOTICE)
CALL emu.clear_log();
SELECT explain_lines($$INSERT INTO sp (name) SELECT 'E' || i FROM generate_series(1, 120) i$$);
SELECT explain_lines($$UPDATE sp SET price = 7 WHERE external_id IN ('K-30', 'K-31')$$);
SELECT explain_lines($$INSERT INTO sp_keyed (external_id, name) VALUES ('K-40', 'x'), ('K-new2', 'y')$$);
SELECT explain_lines($$INSERT INTO sp_skip (name, price) VALUES ('fine', '1'), ('wrong', 'x')$$);
SELECT explain_lines($$DELETE FROM sp WHERE external_id IN ('K-50', 'K-51')$$);
SELECT method, path, status, count(*) FROM emu.requests() GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

RESET hubspot_fdw.statement_summary;
DROP FUNCTION add_product(text);
DROP FUNCTION explain_lines(text);
DROP FOREIGN TABLE sp, sp_keyed, sp_skip;
