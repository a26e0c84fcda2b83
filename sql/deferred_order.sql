--
-- Writes at COMMIT: the order they are sent in keeps what running the
-- statements in order would give; SERIALIZABLE; tables altered or dropped
-- after they queued rows.
--
CREATE FOREIGN TABLE do_items (id text, name text, price numeric, external_id text)
  SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE do_items2 (id text, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE do_keyed (id text, name text, price numeric, external_id text)
  SERVER hubspot OPTIONS (object 'products', id_property 'external_id');
CREATE FUNCTION do_log() RETURNS TABLE (method text, path text, inputs int, status int)
LANGUAGE sql AS $$
  SELECT method, regexp_replace(path, '^/crm/v3/objects/', ''), jsonb_array_length(body->'inputs'), status
  FROM emu.requests() WHERE method <> 'GET' AND path NOT LIKE '%/search' ORDER BY seq
$$;
CREATE FUNCTION do_records() RETURNS TABLE (id text, name text, price text, external_id text, archived text)
LANGUAGE sql AS $$
  SELECT o->>'id', o->'properties'->>'name', o->'properties'->>'price',
         o->'properties'->>'external_id', o->>'archived'
  FROM emu.objects() o ORDER BY (o->>'id')::bigint
$$;

CALL emu.reset();
SELECT jsonb_array_length(emu.seed('{"count": 4, "properties": {"name": "Item {i}", "price": "{i}", "external_id": "K-{i}"}}')->'ids');
SET hubspot_fdw.write_mode = 'commit';

-- UPDATE, then an upsert of the same record by its key: the update is sent
-- first, the upsert's value wins (as it would statement by statement)
CALL emu.clear_log();
BEGIN;
UPDATE do_items SET name = 'updated' WHERE id = '1000002';
INSERT INTO do_keyed (external_id, name) VALUES ('K-2', 'upserted');
COMMIT;
SELECT * FROM do_log();
SELECT * FROM do_records() WHERE id = '1000002';

-- an upsert, then an UPDATE of the same record: one epoch (upsert first)
CALL emu.clear_log();
BEGIN;
INSERT INTO do_keyed (external_id, name) VALUES ('K-2', 'upserted again');
UPDATE do_items SET price = 22 WHERE id = '1000002';
COMMIT;
SELECT * FROM do_log();
SELECT * FROM do_records() WHERE id = '1000002';

-- DELETE of a record, then an upsert by the key it had: the archive is sent
-- first
CALL emu.clear_log();
BEGIN;
DELETE FROM do_items WHERE id = '1000001';
INSERT INTO do_keyed (external_id, name) VALUES ('K-1', 'again');
COMMIT;
SELECT * FROM do_log();

-- DELETE, then INSERT of a record with the values it had: archive, then
-- create
CALL emu.clear_log();
BEGIN;
DELETE FROM do_items WHERE id = '1000003';
INSERT INTO do_items (name, price, external_id) VALUES ('Item 3', 3, 'K-3b');
COMMIT;
SELECT * FROM do_log();

-- the common case keeps its batches: creates and updates interleaved, row
-- by row, are one batch/create and one batch/update
CALL emu.clear_log();
BEGIN;
INSERT INTO do_items (name, price) VALUES ('new 1', 1);
UPDATE do_items SET price = 41 WHERE id = '1000004';
INSERT INTO do_items (name, price) VALUES ('new 2', 2);
UPDATE do_items SET price = 2 WHERE id = '1000002';
INSERT INTO do_items (name, price) VALUES ('new 3', 3);
COMMIT;
SELECT * FROM do_log();

-- one record updated through two tables of the object: one update, the
-- later value winning; then archived through the other: one archive
CALL emu.clear_log();
BEGIN;
UPDATE do_items SET price = 100, name = 'via 1' WHERE id = '1000004';
UPDATE do_items2 SET price = 200 WHERE id = '1000004';
COMMIT;
SELECT * FROM do_log();
SELECT * FROM do_records() WHERE id = '1000004';
CALL emu.clear_log();
BEGIN;
UPDATE do_items2 SET price = 300 WHERE id = '1000004';
DELETE FROM do_items WHERE id = '1000004';
COMMIT;
SELECT * FROM do_log();

-- SERIALIZABLE: the transaction is checked for serialization failures
-- before anything is sent (a failure found after would invite a retry that
-- writes twice); a transaction without conflicts commits
CALL emu.clear_log();
BEGIN ISOLATION LEVEL SERIALIZABLE;
INSERT INTO do_items (name, price) VALUES ('serializable', 5);
COMMIT;
SELECT * FROM do_log();

-- a table altered after it queued rows: the COMMIT fails, nothing sent (not
-- even the rows of other tables)
CREATE FOREIGN TABLE do_alter (id text, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE do_alter_keyed (id text, name text, external_id text)
  SERVER hubspot OPTIONS (object 'products', id_property 'external_id');
CALL emu.clear_log();
BEGIN;
INSERT INTO do_items (name, price) VALUES ('other table', 1);
INSERT INTO do_alter (name, price) VALUES ('checked as a product', 1);
ALTER FOREIGN TABLE do_alter OPTIONS (SET object 'contacts');
COMMIT;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
INSERT INTO do_alter_keyed (external_id, name) VALUES ('K-9', 'keyed');
ALTER FOREIGN TABLE do_alter_keyed OPTIONS (SET id_property 'name');
COMMIT;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
INSERT INTO do_alter_keyed (external_id, name) VALUES ('K-9', 'keyed');
ALTER FOREIGN TABLE do_alter_keyed OPTIONS (DROP id_property);
COMMIT;
SELECT count(*) AS requests FROM do_log();
-- ... renamed, or given another batch_size, is fine
BEGIN;
INSERT INTO do_alter (name, price) VALUES ('renamed', 1);
ALTER FOREIGN TABLE do_alter RENAME TO do_renamed;
ALTER FOREIGN TABLE do_renamed OPTIONS (ADD batch_size '10');
COMMIT;
SELECT * FROM do_log();
-- ... dropped: named
CALL emu.clear_log();
BEGIN;
INSERT INTO do_items (name, price) VALUES ('other table', 1);
INSERT INTO do_renamed (name, price) VALUES ('dropped', 1);
DROP FOREIGN TABLE do_renamed;
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS requests FROM do_log();
-- ... but nothing of it sent (created and deleted): the COMMIT goes on
CREATE FOREIGN TABLE do_gone (id text, name text) SERVER hubspot OPTIONS (object 'products');
BEGIN;
INSERT INTO do_gone (name) VALUES ('never');
DELETE FROM do_gone WHERE name = 'never';
DROP FOREIGN TABLE do_gone;
COMMIT;
SELECT count(*) AS requests FROM do_log();
-- ... the user mapping dropped: nothing sent either
CREATE USER regress_do_user;
GRANT USAGE ON FOREIGN SERVER hubspot TO regress_do_user;
GRANT ALL ON do_items TO regress_do_user;
CREATE USER MAPPING FOR regress_do_user SERVER hubspot OPTIONS (access_token 'pat-na1-do-user');
CALL emu.clear_log();
BEGIN;
INSERT INTO do_items (name, price) VALUES ('as postgres', 1);
SET LOCAL ROLE regress_do_user;
INSERT INTO do_items (name, price) VALUES ('as regress_do_user', 1);
RESET ROLE;
DROP USER MAPPING FOR regress_do_user SERVER hubspot;
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS requests FROM do_log();
DROP OWNED BY regress_do_user;
DROP USER regress_do_user;
