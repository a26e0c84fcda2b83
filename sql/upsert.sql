--
-- upsert: INSERT keyed by a unique property (id_property), and on_error
-- 'abort' / 'skip' for rows HubSpot rejects, in INSERT, UPDATE, DELETE and
-- upsert.
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CALL emu.reset();
\set QUIET off

CREATE FOREIGN TABLE keyed (
    id          text,
    properties  jsonb,
    external_id text,
    name        text,
    price       numeric
) SERVER hubspot OPTIONS (object 'products', id_property 'external_id');

--
-- Upsert: batch/upsert keyed by external_id; running it twice writes the
-- same records
--
EXPLAIN (COSTS OFF) INSERT INTO keyed (external_id, name) VALUES ('E-1', 'x');
CALL emu.clear_log();
INSERT INTO keyed (external_id, name, price)
  SELECT 'E-' || g, 'Product ' || g, g FROM generate_series(1, 150) g;
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests() ORDER BY seq;
SELECT body->'inputs'->0 AS first_input FROM emu.requests() WHERE path LIKE '%batch/upsert' ORDER BY seq LIMIT 1;
SELECT count(*) AS records FROM emu.objects();

-- the same INSERT again, with new prices: updates, no duplicates
CALL emu.clear_log();
INSERT INTO keyed (external_id, name, price)
  SELECT 'E-' || g, 'Product ' || g, g * 10 FROM generate_series(1, 150) g;
SELECT count(*) AS records, count(DISTINCT o->'properties'->>'external_id') AS keys,
       sum((o->'properties'->>'price')::numeric) AS total
  FROM emu.objects() o;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  INSERT INTO keyed (external_id, price) VALUES ('E-1', 1), ('E-151', 151);

-- the key may come from properties
INSERT INTO keyed (properties) VALUES ('{"external_id": "E-200", "name": "From properties"}');
SELECT id IS NOT NULL AS has_id, name, external_id FROM keyed WHERE external_id = 'E-200';

-- RETURNING: one batch/upsert per row, RETURNING shows the record
CALL emu.clear_log();
INSERT INTO keyed (external_id, price) VALUES ('E-2', 2.5) RETURNING id, external_id, name, price;
SELECT method, path, body FROM emu.requests();

-- a row without the key, and the same key twice: errors naming the rows,
-- before anything is sent
CALL emu.clear_log();
INSERT INTO keyed (name) VALUES ('no key');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO keyed (external_id, name) VALUES ('E-300', 'a'), ('E-301', 'b'), ('E-300', 'c');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO keyed (external_id, properties) VALUES ('E-302', '{"external_id": "E-303"}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS writes FROM emu.requests() WHERE method = 'POST';

-- id_property must name a property with unique values
CREATE FOREIGN TABLE by_sku (id text, name text, sku text OPTIONS (property 'hs_sku'))
  SERVER hubspot OPTIONS (id_property 'hs_sku');
INSERT INTO by_sku (sku, name) VALUES ('S-1', 'x');
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE by_sku OPTIONS (SET id_property 'no_such_property');
INSERT INTO by_sku (sku, name) VALUES ('S-1', 'x');
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN TABLE bad_key (id text) SERVER hubspot OPTIONS (id_property 'hs_object_id');

-- an upsert is safe to send again: a 503 is retried
CALL emu.clear_log();
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/batch/upsert", "action": "respond", "status": 503, "times": 1}');
INSERT INTO keyed (external_id, name) VALUES ('E-400', 'retried'), ('E-401', 'retried');
SELECT method, path, status FROM emu.requests() ORDER BY seq;
SELECT count(*) FROM emu.objects() o WHERE o->'properties'->>'external_id' IN ('E-400', 'E-401');

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
\set QUIET on
