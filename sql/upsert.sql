--
-- upsert: INSERT keyed by a unique property (id_property).  (Rows HubSpot
-- rejects, on_error 'abort' and 'skip': on_error.sql.)
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

DROP FOREIGN TABLE keyed, by_sku;
\set QUIET on
