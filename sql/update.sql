--
-- update: UPDATE in batches carrying only what changed, DELETE as batch
-- archive, archived records.  (Finding the records by id: id_lookups.sql.)
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CALL emu.reset();

CREATE FOREIGN TABLE items (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    archived_at timestamptz,
    name        text,
    price       numeric,
    sku         text OPTIONS (property 'hs_sku')
) SERVER hubspot OPTIONS (object 'products');

-- 250 records, ids 1000001..1000250, price = i
SELECT jsonb_array_length(emu.seed('{"count": 250, "properties": {"name": "Item {i}", "price": "{i}", "hs_sku": "SKU-{i}", "description": "d{i}"}}')->'ids');

-- the property catalogue is read once per backend, here: the request logs
-- below show the writes
SELECT count(*) FROM items WHERE price > 0;

--
-- UPDATE: batch/update of batch_size rows, sent when full and at the end
--
CALL emu.clear_log();
UPDATE items SET price = price + 1000;
-- (the listing's pages and the batches overlap in time: reads are listed first)
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs
  FROM emu.requests() ORDER BY method, seq;
-- only the changed property is sent, with the row number as trace id
SELECT body->'inputs'->0 AS first_input FROM emu.requests() WHERE path LIKE '%batch/update';
-- HubSpot has the new prices
SELECT count(*), min((o->'properties'->>'price')::numeric), max((o->'properties'->>'price')::numeric)
  FROM emu.objects() o;

-- the row count, from a PL/pgSQL caller
DO $$
DECLARE n bigint;
BEGIN
  UPDATE items SET name = name || '!' WHERE id IN ('1000001', '1000002');
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE NOTICE 'updated % rows', n;
END $$;

-- a join handing over the same record twice: only the first to arrive updates it
CALL emu.clear_log();
DO $$
DECLARE n bigint;
BEGIN
  UPDATE items SET price = v.price
    FROM (VALUES ('1000090', 1.5), ('1000090', 2.5), ('1000091', 3.5)) AS v(id, price)
   WHERE items.id = v.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE NOTICE 'updated % rows', n;
END $$;
SELECT body->'inputs' AS inputs FROM emu.requests() WHERE path LIKE '%batch/update';

-- nothing changed: no write at all
CALL emu.clear_log();
UPDATE items SET properties = properties;
UPDATE items SET name = name, price = price WHERE id = '1000003';
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 2;

-- one key changed: only that key is sent
CALL emu.clear_log();
UPDATE items SET properties = properties || '{"description": "changed"}' WHERE id = '1000004';
SELECT method, path, body FROM emu.requests();

-- removed keys and JSON nulls clear the property (""), and so does a NULL typed column
CALL emu.clear_log();
UPDATE items SET properties = properties - 'description' || '{"name": null}' WHERE id = '1000005';
UPDATE items SET sku = NULL WHERE id = '1000006';
SELECT method, path, body FROM emu.requests() WHERE method = 'POST' AND path LIKE '%batch/update';
SELECT o->'properties'->>'name' AS name, o->'properties'->>'description' AS description
  FROM emu.objects() o WHERE o->>'id' = '1000005';
SELECT id, name, sku, properties ? 'hs_sku' AS has_sku FROM items WHERE id IN ('1000005', '1000006') ORDER BY id;

-- numbers and booleans in properties are compared as the text HubSpot stores
CALL emu.clear_log();
UPDATE items SET properties = properties || '{"price": 1007}' WHERE id = '1000007';
UPDATE items SET properties = properties || '{"price": 1008.5}' WHERE id = '1000008';
SELECT method, body->'inputs'->0->'properties' AS sent FROM emu.requests() WHERE method = 'POST';

-- the staging-table idiom: exactly those ids through batch/read
CREATE TEMP TABLE staging (id text, price numeric);
INSERT INTO staging VALUES ('1000020', 1.5), ('1000021', 2.5), ('1000022', 3.5);
CALL emu.clear_log();
UPDATE items SET price = 7
 WHERE id = ANY (ARRAY(SELECT id FROM staging));
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests();

-- a read-only property, an unknown one, the id, HubSpot's columns: refused
-- before anything is written
CALL emu.clear_log();
UPDATE items SET properties = properties || '{"hs_lastmodifieddate": "2020-01-01T00:00:00Z"}';
\echo :LAST_ERROR_SQLSTATE
UPDATE items SET properties = properties || '{"no_such_property": "x"}' WHERE id = '1000001';
\echo :LAST_ERROR_SQLSTATE
UPDATE items SET id = '1' WHERE id = '1000001';
\echo :LAST_ERROR_SQLSTATE
UPDATE items SET archived = true WHERE id = '1000001';
\echo :LAST_ERROR_SQLSTATE
UPDATE items SET properties = properties || '{"name": [1]}' WHERE id = '1000001';
\echo :LAST_ERROR_SQLSTATE
UPDATE items SET name = 'a', properties = properties || '{"name": "b"}' WHERE id = '1000001';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS writes FROM emu.requests() WHERE method <> 'GET' AND path NOT LIKE '%batch/read';

-- RETURNING: one PATCH per row; RETURNING shows what HubSpot stored
CALL emu.config('{"clock": "2026-02-01T12:00:00.000Z"}');
CALL emu.clear_log();
WITH u AS (
  UPDATE items SET price = 99.90 WHERE id IN ('1000030', '1000031')
    RETURNING id, price, properties->>'price' AS stored_price, updated_at, created_at
) SELECT * FROM u ORDER BY id;
SELECT method, path, body FROM emu.requests() WHERE method = 'PATCH' ORDER BY path;
EXPLAIN (COSTS OFF) UPDATE items SET price = 1 WHERE id = '1' RETURNING id;
EXPLAIN (COSTS OFF) UPDATE items SET price = 1 WHERE id = '1';

-- batch_size applies to UPDATE too
ALTER FOREIGN TABLE items OPTIONS (ADD batch_size '40');
CALL emu.clear_log();
UPDATE items SET price = 5 WHERE id = ANY (ARRAY(SELECT (1000100 + g)::text FROM generate_series(1, 90) g));
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests() ORDER BY method, seq;
ALTER FOREIGN TABLE items OPTIONS (DROP batch_size);

-- a record archived between the read and the update: OBJECT_NOT_FOUND
CREATE FOREIGN TABLE items_behind (id text) SERVER hubspot OPTIONS (object 'products');
CREATE FUNCTION archive_behind(victim text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM items_behind WHERE id = victim;
  RETURN true;
END $$;
CALL emu.clear_log();
UPDATE items SET price = 11
 WHERE id IN ('1000040', '1000041', '1000042') AND (id <> '1000041' OR archive_behind(id));
\echo :LAST_ERROR_SQLSTATE
SELECT o->>'id' AS id, o->'properties'->>'price' AS price, o->'archived' AS archived
  FROM emu.objects('--all') o WHERE o->>'id' IN ('1000040', '1000041', '1000042') ORDER BY 1;

--
-- Row triggers: each row is its own request, and triggers see HubSpot's values
--
CREATE FUNCTION items_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_WHEN = 'BEFORE' THEN
    NEW.name := NEW.name || ' (checked)';
    RETURN NEW;
  END IF;
  RAISE NOTICE 'after %: id % name % updated_at %', TG_OP, NEW.id, NEW.name, NEW.updated_at;
  RETURN NEW;
END $$;
CREATE TRIGGER items_before BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION items_trigger();
CREATE TRIGGER items_after AFTER UPDATE ON items FOR EACH ROW EXECUTE FUNCTION items_trigger();
CALL emu.config('{"clock": "2026-02-02T08:00:00.000Z"}');
CALL emu.clear_log();
UPDATE items SET name = 'Renamed' WHERE id IN ('1000050', '1000051');
SELECT method, path, body FROM emu.requests() WHERE method = 'PATCH' ORDER BY path;
DROP TRIGGER items_before ON items;
DROP TRIGGER items_after ON items;

--
-- DELETE: batch/archive of batch_size ids
--
UPDATE items SET price = 2000 WHERE id = ANY (ARRAY(SELECT (1000100 + g)::text FROM generate_series(1, 150) g));
CALL emu.clear_log();
DELETE FROM items WHERE price >= 2000;
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs
  FROM emu.requests() WHERE method = 'POST' ORDER BY seq;
SELECT count(*) FILTER (WHERE (o->>'archived')::boolean) AS archived,
       count(*) FILTER (WHERE NOT (o->>'archived')::boolean) AS live
  FROM emu.objects('--all') o;

-- RETURNING gives the rows as they were read
CALL emu.clear_log();
WITH d AS (
  DELETE FROM items WHERE id IN ('1000060', '1000061') RETURNING id, name, price, archived
) SELECT * FROM d ORDER BY id;
-- (inputs in id order: the batch/read answers in any order)
SELECT method, path, (SELECT jsonb_agg(i ORDER BY i->>'id') FROM jsonb_array_elements(body->'inputs') i) AS inputs
  FROM emu.requests() WHERE method = 'POST' ORDER BY seq;

-- archived records: WHERE archived lists them, with archived_at
CALL emu.clear_log();
SELECT count(*), bool_and(archived), min(archived_at) FROM items WHERE archived;
SELECT id, name, archived FROM items WHERE archived AND id = '1000060';
SELECT count(*) FROM items WHERE archived IS TRUE;
SELECT count(*) FROM items;
SELECT method, path, query->'archived' AS archived FROM emu.requests() ORDER BY seq;

-- an id already gone is not an error (HubSpot answers 204)
CREATE FUNCTION items_delete_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM archive_behind(OLD.id);
  RETURN OLD;
END $$;
CREATE TRIGGER items_delete BEFORE DELETE ON items FOR EACH ROW
  EXECUTE FUNCTION items_delete_trigger();
CALL emu.clear_log();
DELETE FROM items WHERE id = '1000070';
SELECT method, path, status FROM emu.requests() WHERE method <> 'GET' ORDER BY seq;
DROP TRIGGER items_delete ON items;

-- a table without an id column cannot be updated
CREATE FOREIGN TABLE names_only (name text) SERVER hubspot;
UPDATE names_only SET name = 'x';
DELETE FROM names_only;

-- an update is safe to send again: a connection that breaks after HubSpot
-- processed the batch is retried, and the result is the same
CALL emu.clear_log();
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/batch/update", "action": "reset_after", "times": 1}');
UPDATE items SET price = 123 WHERE id IN ('1000095', '1000096');
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests() ORDER BY method, seq;
SELECT id, price FROM items WHERE id IN ('1000095', '1000096') ORDER BY id;

-- an error item that names no row is matched to the row without a result
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/batch/update", "action": "respond", "status": 207, "times": 1, "body": {"status": "COMPLETE", "results": [{"id": "1000097", "properties": {}, "createdAt": "2026-01-15T10:00:00.000Z", "updatedAt": "2026-01-15T10:00:00.000Z", "archived": false}], "numErrors": 1, "errors": [{"status": "error", "category": "VALIDATION_ERROR", "message": "Something was wrong"}]}}');
UPDATE items SET price = 124 WHERE id IN ('1000097', '1000098');

-- replacing properties as a whole, as ORMs and GraphQL servers do: the
-- read-only keys it leaves out (hs_object_id, createdate, ...) or leaves
-- unchanged are not sent, the writable ones it leaves out are cleared
CALL emu.clear_log();
UPDATE items SET properties = '{"name": "n2", "price": "5"}' WHERE id = '1000054';
SELECT body->'inputs'->0->'properties' AS sent FROM emu.requests() WHERE path LIKE '%/batch/update';
SELECT name, price, sku, properties->>'description' AS description,
       properties->>'hs_object_id' AS hs_object_id FROM items WHERE id = '1000054';
-- the object as read with one key changed sends that key only; JSON null for
-- a read-only key leaves it alone as well
CALL emu.clear_log();
UPDATE items SET properties = jsonb_set(properties, '{name}', '"n3"') WHERE id = '1000054';
UPDATE items SET properties = properties || '{"hs_object_id": null, "name": "n4"}' WHERE id = '1000054';
SELECT body->'inputs'->0->'properties' AS sent FROM emu.requests() WHERE path LIKE '%/batch/update' ORDER BY seq;
-- a changed value of a read-only property is still refused
UPDATE items SET properties = '{"name": "n5", "hs_object_id": "1"}' WHERE id = '1000054';
\echo :LAST_ERROR_SQLSTATE

-- a typed column set in the same UPDATE that replaces properties keeps its
-- property (the key left out of the object is not cleared)
CALL emu.clear_log();
UPDATE items SET properties = '{"name": "replaced"}', price = 59, sku = 'SKU-59'
 WHERE id = '1000059' RETURNING name, price, sku;
SELECT method, body->'properties' AS sent FROM emu.requests() WHERE method = 'PATCH';
-- ... but a typed column set to NULL while properties gives the property a
-- value is a contradiction, as on INSERT
UPDATE items SET properties = properties || '{"price": "7"}', price = NULL WHERE id = '1000059';
\echo :LAST_ERROR_SQLSTATE

DROP FOREIGN TABLE items, items_behind, names_only;
DROP FUNCTION archive_behind(text), items_trigger(), items_delete_trigger();
