--
-- Writes at COMMIT (hubspot_fdw.write_mode = 'commit'): INSERT, upsert,
-- UPDATE and DELETE are checked and queued, and sent at COMMIT, compacted
-- and in batches; ROLLBACK sends nothing.
--
CREATE FOREIGN TABLE deferred_items (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    name        text,
    price       numeric,
    sku         text OPTIONS (property 'hs_sku')
) SERVER hubspot OPTIONS (object 'products');

-- the requests since the last emu.reset()/clear_log(), and their inputs
CREATE FUNCTION deferred_log() RETURNS TABLE (method text, path text, inputs int, status int)
LANGUAGE sql AS $$
  SELECT method, path, jsonb_array_length(body->'inputs'), status FROM emu.requests()
  WHERE path NOT LIKE '/crm/v3/properties/%' ORDER BY seq
$$;

CALL emu.reset();
SELECT jsonb_array_length(emu.seed('{"count": 5, "properties": {"name": "Item {i}", "price": "{i}", "hs_sku": "SKU-{i}"}}')->'ids');
SET hubspot_fdw.write_mode = 'commit';
SHOW hubspot_fdw.write_mode;

-- ROLLBACK sends nothing: not one request
CALL emu.clear_log();
BEGIN;
INSERT INTO deferred_items (name, price) VALUES ('new 1', 1), ('new 2', 2);
UPDATE deferred_items SET price = 100 WHERE id = '1000001';
DELETE FROM deferred_items WHERE id = '1000002';
ROLLBACK;
SELECT count(*) AS writes FROM emu.requests() WHERE method <> 'GET' AND path NOT LIKE '%/search'
  AND path NOT LIKE '%batch/read';
SELECT o->>'id' AS id, o->'properties'->>'price' AS price, o->'archived' AS archived
  FROM emu.objects() o ORDER BY 1;

-- 100 one-row INSERT statements in a transaction: one batch/create of 100
CALL emu.clear_log();
BEGIN;
DO $$ BEGIN
  FOR i IN 1..100 LOOP
    INSERT INTO deferred_items (name, price) VALUES ('bulk ' || i, i);
  END LOOP;
END $$;
SELECT count(*) AS requests_before_commit FROM emu.requests();
COMMIT;
SELECT * FROM deferred_log();
SELECT count(*) FROM emu.objects() o WHERE o->'properties'->>'name' LIKE 'bulk %';

-- ... and with 100 statements of their own, from psql
CALL emu.reset();
CALL emu.clear_log();
BEGIN;
\set ECHO none
SELECT format('INSERT INTO deferred_items (name, price) VALUES (%L, %s)', 'stmt ' || i, i)
  FROM generate_series(1, 100) i \gexec
\set ECHO all
COMMIT;
SELECT * FROM deferred_log();

-- COPY is queued too: nothing on ROLLBACK, one batch at COMMIT
CALL emu.clear_log();
BEGIN;
COPY deferred_items (name, price) FROM STDIN;
copied 1	1
copied 2	2
\.
ROLLBACK;
SELECT count(*) AS requests FROM emu.requests();
BEGIN;
COPY deferred_items (name, price) FROM STDIN;
copied 1	1
copied 2	2
copied 3	3
\.
COMMIT;
SELECT * FROM deferred_log();

-- an autocommit statement is its own transaction: sent at its commit
CALL emu.reset();
SELECT jsonb_array_length(emu.seed('{"count": 5, "properties": {"name": "Item {i}", "price": "{i}", "hs_sku": "SKU-{i}"}}')->'ids');
CALL emu.clear_log();
INSERT INTO deferred_items (name, price) VALUES ('auto', 7);
SELECT * FROM deferred_log();

-- ROLLBACK TO SAVEPOINT drops only what was queued after the savepoint
CALL emu.clear_log();
BEGIN;
INSERT INTO deferred_items (name) VALUES ('kept 1');
SAVEPOINT s1;
INSERT INTO deferred_items (name) VALUES ('dropped 1');
UPDATE deferred_items SET price = 999 WHERE id = '1000003';
SAVEPOINT s2;
INSERT INTO deferred_items (name) VALUES ('dropped 2');
RELEASE s2;
ROLLBACK TO s1;
INSERT INTO deferred_items (name) VALUES ('kept 2');
SAVEPOINT s3;
UPDATE deferred_items SET price = 31 WHERE id = '1000003';
RELEASE s3;
COMMIT;
SELECT * FROM deferred_log();
SELECT jsonb_agg(i->'properties' ORDER BY i->>'objectWriteTraceId') FROM emu.requests() r,
  jsonb_array_elements(r.body->'inputs') i WHERE r.path LIKE '%batch/%';

-- an error inside an exception block drops that block's writes only
CALL emu.clear_log();
BEGIN;
INSERT INTO deferred_items (name) VALUES ('outer');
DO $$ BEGIN
  BEGIN
    INSERT INTO deferred_items (name) VALUES ('inner');
    RAISE EXCEPTION 'boom';
  EXCEPTION WHEN OTHERS THEN NULL;
  END;
END $$;
COMMIT;
SELECT jsonb_agg(i->'properties'->>'name') FROM emu.requests() r,
  jsonb_array_elements(r.body->'inputs') i WHERE r.path LIKE '%batch/create';

-- an error that aborts the transaction sends nothing at all
CALL emu.clear_log();
BEGIN;
INSERT INTO deferred_items (name) VALUES ('never');
SELECT 1 / 0;
COMMIT;
SELECT count(*) AS requests FROM emu.requests();

-- UPDATE then DELETE of the same record: one batch/archive, no update
CALL emu.clear_log();
BEGIN;
UPDATE deferred_items SET price = 5 WHERE id = '1000004';
UPDATE deferred_items SET name = 'renamed' WHERE id = '1000004';
DELETE FROM deferred_items WHERE id = '1000004';
COMMIT;
SELECT * FROM deferred_log();
SELECT body FROM emu.requests() WHERE path LIKE '%batch/archive';

-- updates of one record in several statements: merged, the later value wins
CALL emu.clear_log();
BEGIN;
UPDATE deferred_items SET price = 50, name = 'first' WHERE id = '1000005';
UPDATE deferred_items SET name = 'second' WHERE id = '1000005';
UPDATE deferred_items SET sku = 'S5' WHERE id IN ('1000005', '1000001');
COMMIT;
SELECT * FROM deferred_log();
SELECT i->>'id' AS id, i->'properties' AS properties FROM emu.requests() r,
  jsonb_array_elements(r.body->'inputs') i WHERE r.path LIKE '%batch/update' ORDER BY 1;

-- a procedure's COMMIT and ROLLBACK send and drop what was queued so far;
-- what follows is sent when the CALL's own transaction commits
CALL emu.clear_log();
CREATE PROCEDURE deferred_proc() LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO deferred_items (name) VALUES ('proc 1'), ('proc 2');
  COMMIT;
  INSERT INTO deferred_items (name) VALUES ('proc rolled back');
  ROLLBACK;
  INSERT INTO deferred_items (name) VALUES ('proc 3');
  UPDATE deferred_items SET price = 9 WHERE name = 'proc 1';
END $$;
CALL deferred_proc();
SELECT * FROM deferred_log() WHERE method = 'POST' AND path NOT LIKE '%/search';
SELECT jsonb_agg(i->'properties' ORDER BY r.seq, i->>'objectWriteTraceId') FROM emu.requests() r,
  jsonb_array_elements(r.body->'inputs') i WHERE r.path LIKE '%batch/create';
