--
-- on_error: rows HubSpot rejects in INSERT, UPDATE, DELETE and upsert.
-- 'abort' (the default) ends the statement with one ERROR per failing batch;
-- 'skip' gives a WARNING per rejected row, and the row count counts what
-- HubSpot accepted.
--
CREATE FOREIGN TABLE products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    associations jsonb
) SERVER hubspot OPTIONS (object 'products');

-- HubSpot rejects some rows of a batch (207): one ERROR lists them all
CALL emu.reset();
INSERT INTO products (properties) VALUES
  ('{"name": "good 1", "price": "1"}'),
  ('{"name": "bad 2", "price": "two"}'),
  ('{"name": "good 3", "price": "3"}'),
  ('{"name": "bad 4", "recurringbillingfrequency": "fortnightly"}'),
  ('{"name": "good 5"}');
\echo :LAST_ERROR_SQLSTATE
-- HubSpot created the good rows, and the hint said so: nothing is rolled back
SELECT o->'properties'->>'name' AS name FROM emu.objects() o ORDER BY 1;
SELECT status, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests()
  WHERE path LIKE '%batch/create';

-- ... also when earlier batches went through
CREATE FOREIGN TABLE products_b2 (id text, properties jsonb) SERVER hubspot OPTIONS (batch_size '2');
CALL emu.reset();
INSERT INTO products_b2 (properties) VALUES
  ('{"name": "r1"}'), ('{"name": "r2"}'), ('{"name": "r3", "price": "x"}'), ('{"name": "r4"}'),
  ('{"name": "r5"}');
SELECT status, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests() ORDER BY seq;
SELECT count(*) FROM emu.objects();

-- a create rejected with RETURNING (one request per row)
CALL emu.reset();
INSERT INTO products (properties) VALUES ('{"name": "a"}'), ('{"name": "b", "price": "b"}') RETURNING id;

-- the rest upserts into, updates and deletes from a table keyed by
-- external_id, and shows the row counts
CALL emu.reset();
\set QUIET off
CREATE FOREIGN TABLE keyed (
    id          text,
    properties  jsonb,
    external_id text,
    name        text,
    price       numeric
) SERVER hubspot OPTIONS (object 'products', id_property 'external_id');

-- 150 records keyed E-1..E-150, ids 1000001..1000150, price = 10 * i
SELECT jsonb_array_length(emu.seed('{"count": 150, "properties": {"external_id": "E-{i}", "name": "Product {i}", "price": "{i}0"}}')->'ids');

--
-- on_error 'abort' (the default): one ERROR per failing batch, listing the
-- rejected rows; what HubSpot accepted stays
--
CALL emu.clear_log();
INSERT INTO keyed (external_id, properties) VALUES
  ('E-500', '{"price": "5"}'),
  ('E-501', '{"price": "five"}'),
  ('E-502', '{"price": "7"}');
\echo :LAST_ERROR_SQLSTATE
SELECT o->'properties'->>'external_id' AS key, o->'properties'->>'price' AS price
  FROM emu.objects() o WHERE o->'properties'->>'external_id' LIKE 'E-50_' ORDER BY 1;

--
-- on_error 'skip': a WARNING per rejected row, the row count counts what
-- HubSpot accepted
--
ALTER FOREIGN TABLE keyed OPTIONS (ADD on_error 'skip');
CALL emu.clear_log();
INSERT INTO keyed (external_id, properties) VALUES
  ('E-600', '{"price": "6"}'),
  ('E-601', '{"price": "six"}'),
  ('E-602', '{"recurringbillingfrequency": "fortnightly"}'),
  ('E-603', '{"price": "9"}');
SELECT o->'properties'->>'external_id' AS key, o->'properties'->>'price' AS price
  FROM emu.objects() o WHERE o->'properties'->>'external_id' LIKE 'E-60_' ORDER BY 1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  INSERT INTO keyed (external_id, price) VALUES ('E-610', 1);

-- RETURNING under skip: a rejected row is not returned
INSERT INTO keyed (external_id, properties) VALUES ('E-620', '{"price": "x"}'), ('E-621', '{"price": "2"}')
  RETURNING external_id, price;

-- UPDATE under skip: rejected rows are left as they were, the others written
CALL emu.clear_log();
UPDATE keyed SET properties = properties || jsonb_build_object('price', CASE WHEN external_id IN ('E-11', 'E-13') THEN 'bad' ELSE '1' END)
 WHERE external_id IN ('E-10', 'E-11', 'E-12', 'E-13', 'E-14');
SELECT o->'properties'->>'external_id' AS key, o->'properties'->>'price' AS price
  FROM emu.objects() o WHERE o->'properties'->>'external_id' IN ('E-10', 'E-11', 'E-12', 'E-13', 'E-14') ORDER BY 1;
SELECT method, path, status FROM emu.requests() WHERE method = 'POST' ORDER BY seq;

-- a record archived between read and update, under skip
CREATE FOREIGN TABLE keyed_behind (id text) SERVER hubspot;
CREATE FUNCTION archive_key_behind(key text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM keyed_behind WHERE id = (SELECT c.id FROM keyed c WHERE c.external_id = key);
  RETURN true;
END $$;
UPDATE keyed SET price = 3
 WHERE external_id IN ('E-20', 'E-21', 'E-22') AND (external_id <> 'E-21' OR archive_key_behind(external_id));

-- the row count reported to a PL/pgSQL caller leaves out rejected rows
DO $$
DECLARE n bigint;
BEGIN
  UPDATE keyed SET properties = properties || jsonb_build_object('price', CASE WHEN external_id = 'E-31' THEN 'bad' ELSE '4' END)
   WHERE external_id IN ('E-30', 'E-31', 'E-32');
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE NOTICE 'updated % rows', n;
END $$;

-- UPDATE ... RETURNING under skip: the rejected row is not returned
UPDATE keyed SET properties = properties || jsonb_build_object('price', CASE WHEN external_id = 'E-33' THEN 'bad' ELSE '5' END)
 WHERE external_id IN ('E-33', 'E-34')
 RETURNING external_id, price;

-- UPDATE under abort: the batch's rejected rows in one ERROR, the others written
ALTER FOREIGN TABLE keyed OPTIONS (SET on_error 'abort');
UPDATE keyed SET properties = properties || jsonb_build_object('price', CASE WHEN external_id = 'E-41' THEN 'bad' ELSE '8' END)
 WHERE external_id IN ('E-40', 'E-41', 'E-42');
\echo :LAST_ERROR_SQLSTATE
SELECT o->'properties'->>'external_id' AS key, o->'properties'->>'price' AS price
  FROM emu.objects() o WHERE o->'properties'->>'external_id' IN ('E-40', 'E-41', 'E-42') ORDER BY 1;

-- the server's on_error applies to tables without their own
ALTER SERVER hubspot OPTIONS (ADD on_error 'skip');
ALTER FOREIGN TABLE keyed OPTIONS (DROP on_error);
UPDATE keyed SET properties = properties || '{"price": "bad"}' WHERE external_id = 'E-50';
ALTER SERVER hubspot OPTIONS (DROP on_error);
CREATE FOREIGN TABLE bad_on_error (id text) SERVER hubspot OPTIONS (on_error 'ignore');

-- DELETE: archiving is all or nothing, and a failure is an error even under skip
ALTER FOREIGN TABLE keyed OPTIONS (ADD on_error 'skip');
CALL emu.clear_log();
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/batch/archive", "action": "respond", "status": 403, "times": 1, "body": {"status": "error", "category": "MISSING_SCOPES", "message": "This app hasn''t been granted all required scopes to make this call."}}');
DELETE FROM keyed WHERE external_id IN ('E-60', 'E-61');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM keyed WHERE external_id IN ('E-60', 'E-61');
SELECT method, path, status, body->'inputs' AS inputs FROM emu.requests() WHERE method = 'POST' ORDER BY seq;
SELECT count(*) FROM keyed WHERE external_id IN ('E-60', 'E-61');

DROP FOREIGN TABLE products, products_b2, keyed, keyed_behind;
DROP FUNCTION archive_key_behind(text);
\set QUIET on
