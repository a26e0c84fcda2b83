--
-- Writes at COMMIT: what reads of the transaction see of its queued writes,
-- provisional ids of the records it created, and compaction of creates and
-- upserts.  (deferred.sql: the queue, ROLLBACK, savepoints, merging.)
--
CREATE FOREIGN TABLE dr_items (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    name        text,
    price       numeric
) SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE dr_keyed (id text, external_id text, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products', id_property 'external_id');
CREATE FUNCTION dr_log() RETURNS TABLE (method text, path text, inputs int, status int)
LANGUAGE sql AS $$
  SELECT method, path, jsonb_array_length(body->'inputs'), status FROM emu.requests()
  WHERE path NOT LIKE '/crm/v3/properties/%' ORDER BY seq
$$;

CALL emu.reset();
SELECT jsonb_array_length(emu.seed('{"count": 4, "properties": {"name": "Item {i}", "price": "{i}"}}')->'ids');
SET hubspot_fdw.write_mode = 'commit';
-- (without queued writes, count(*) is HubSpot's total)
EXPLAIN (COSTS OFF) SELECT count(*) FROM dr_items WHERE name = 'two';

-- reads in the transaction see its queued writes: deleted records are
-- hidden, updated ones show the queued values, created ones come last with
-- provisional ids (and no created_at)
BEGIN;
UPDATE dr_items SET price = 20, name = 'two' WHERE id = '1000002';
DELETE FROM dr_items WHERE id = '1000003';
INSERT INTO dr_items (name, price) VALUES ('new a', 100), ('new b', 200);
SELECT id, name, price, properties->>'price' AS prop_price, created_at IS NULL AS no_created_at
  FROM dr_items;
-- conditions are checked here, also on queued values and created records
SELECT id, name FROM dr_items WHERE price >= 20 ORDER BY price DESC;
SELECT count(*) FROM dr_items;
SELECT id, name FROM dr_items WHERE name = 'two';
SELECT id, name FROM dr_items WHERE id = '1000003';
SELECT id, name FROM dr_items WHERE id = '-2';
SELECT id, name FROM dr_items ORDER BY name LIMIT 2;
-- no search, sorted or count(*) request while writes of the object are
-- queued: the object is listed and PostgreSQL checks, sorts and counts
EXPLAIN (COSTS OFF) SELECT count(*) FROM dr_items WHERE name = 'two';
EXPLAIN (COSTS OFF) SELECT id FROM dr_items WHERE name = 'two' ORDER BY price LIMIT 1;
-- nothing was sent yet
SELECT count(*) AS writes FROM emu.requests() WHERE path LIKE '%batch/create'
  OR path LIKE '%batch/update' OR path LIKE '%batch/archive';

-- UPDATE and DELETE by a provisional id change the queued create; a provisional
-- id is never sent to HubSpot (it names no record there): no GET, no batch/read
CALL emu.clear_log();
UPDATE dr_items SET price = 111 WHERE id = '-1';
UPDATE dr_items SET name = 'new a final' WHERE name = 'new a';
DELETE FROM dr_items WHERE id = '-2';
SELECT id, name FROM dr_items WHERE id IN ('-1', '-2', '-3');
SELECT count(*) AS requests_naming_provisional_ids FROM emu.requests()
  WHERE path LIKE '%/-%' OR body::text LIKE '%"id": "-%';
SELECT id, name, price FROM dr_items WHERE id LIKE '-%';
CALL emu.clear_log();
COMMIT;
-- one create with the final values; the deleted create is not sent at all
SELECT * FROM dr_log() WHERE method = 'POST';
SELECT i->'properties' AS properties FROM emu.requests() r,
  jsonb_array_elements(r.body->'inputs') i WHERE r.path LIKE '%batch/create';
SELECT o->'properties'->>'name' AS name, o->'properties'->>'price' AS price, o->'archived' AS archived
  FROM emu.objects() o ORDER BY o->>'id';

-- an INSERT that reads the object it writes sees what was queued before it
-- began, not what it queues itself
CALL emu.clear_log();
BEGIN;
INSERT INTO dr_items (name, price) VALUES ('copy me', 1);
INSERT INTO dr_items (name, price) SELECT name || ' (copy)', price FROM dr_items WHERE name = 'copy me';
SELECT id, name FROM dr_items WHERE name LIKE 'copy me%' ORDER BY id DESC;
ROLLBACK;
SELECT count(*) AS requests_for_writes FROM emu.requests() WHERE path LIKE '%batch/create';

-- a record created and deleted in the transaction: no request at all
CALL emu.clear_log();
BEGIN;
INSERT INTO dr_items (name) VALUES ('ephemeral');
DELETE FROM dr_items WHERE name = 'ephemeral';
COMMIT;
SELECT * FROM dr_log() WHERE method = 'POST' AND path NOT LIKE '%/search';

-- upserts are merged by key (and are not visible before COMMIT)
CALL emu.clear_log();
BEGIN;
INSERT INTO dr_keyed (external_id, name, price) VALUES ('K-1', 'one', 1), ('K-2', 'two', 2);
INSERT INTO dr_keyed (external_id, price) VALUES ('K-1', 10);
SELECT count(*) AS visible FROM dr_keyed WHERE external_id LIKE 'K-%';
COMMIT;
SELECT * FROM dr_log() WHERE method = 'POST' AND path NOT LIKE '%/search';
SELECT i->>'id' AS key, i->'properties' AS properties FROM emu.requests() r,
  jsonb_array_elements(r.body->'inputs') i WHERE r.path LIKE '%batch/upsert' ORDER BY 1;

-- two tables of two objects: each its own batches, creates before updates
CREATE FOREIGN TABLE dr_companies (id text, name text) SERVER hubspot OPTIONS (object 'companies');
CALL emu.clear_log();
BEGIN;
INSERT INTO dr_companies (name) VALUES ('c1');
UPDATE dr_items SET price = 3 WHERE id = '1000001';
INSERT INTO dr_items (name) VALUES ('p1');
INSERT INTO dr_companies (name) VALUES ('c2');
COMMIT;
SELECT * FROM dr_log() WHERE method = 'POST' AND path NOT LIKE '%/search';

-- a custom object, named two ways: its queue is the objectTypeId's
CREATE FOREIGN TABLE dr_pets (id text, name text, species text) SERVER hubspot OPTIONS (object 'p_pets');
CREATE FOREIGN TABLE dr_pets_by_id (id text, name text) SERVER hubspot OPTIONS (object '2-90001');
CALL emu.clear_log();
BEGIN;
INSERT INTO dr_pets (name, species) VALUES ('Rex', 'dog');
UPDATE dr_pets_by_id SET name = 'Rex II' WHERE id = '-1';
SELECT id, name, species FROM dr_pets;
SET LOCAL hubspot_fdw.write_mode = 'immediate';
DELETE FROM dr_pets_by_id;
ROLLBACK;
BEGIN;
INSERT INTO dr_pets (name, species) VALUES ('Rex', 'dog');
UPDATE dr_pets_by_id SET name = 'Rex II' WHERE id = '-1';
COMMIT;
SELECT method, path, body->'inputs' AS inputs FROM emu.requests()
  WHERE method = 'POST' AND path NOT LIKE '%/search' ORDER BY seq;
