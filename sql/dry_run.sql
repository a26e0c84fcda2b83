--
-- dry_run: hubspot_fdw.dry_run 'on' and 'verbose'.  INSERT, upsert, UPDATE,
-- DELETE and COPY (object and association tables, rows routed through a
-- partitioned table) make their checks and reads but send no write; one
-- NOTICE per statement names the requests that would have been sent, and
-- the command tag counts the rows as if HubSpot had taken them all.  What
-- needs HubSpot's answer at once is refused before any row.
--
CALL emu.reset();
\set QUIET off

CREATE FOREIGN TABLE products (id text, properties jsonb, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products');

-- writes made: the emulator's log without its reads
CREATE VIEW emu_writes AS
  SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests()
  WHERE method <> 'GET' AND path NOT LIKE '%/search' AND path NOT LIKE '%/batch/read';

SHOW hubspot_fdw.dry_run;
SET hubspot_fdw.dry_run = on;

-- ===================================================================
-- INSERT: 250 rows would be 3 batch/create requests of 100, 100 and 50
-- ===================================================================
INSERT INTO products (name, price) SELECT 'Product ' || g, g FROM generate_series(1, 250) g;
SELECT count(*) AS writes FROM emu_writes;
SELECT count(*) AS records FROM emu.objects();
-- row checks are still made: row 150's price is no number.  The first
-- batch was built, but nothing was sent and the error says nothing was
-- written; a statement that fails gives no NOTICE
INSERT INTO products (name, price)
  SELECT 'p' || g, CASE WHEN g = 150 THEN 'NaN'::numeric ELSE g END FROM generate_series(1, 150) g;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS writes FROM emu_writes;

-- more than five requests are summed up
CREATE FOREIGN TABLE small_batches (id text, name text)
  SERVER hubspot OPTIONS (object 'products', batch_size '2');
INSERT INTO small_batches (name) SELECT 'n' || g FROM generate_series(1, 11) g;
-- a BEFORE ROW trigger: one create per row, as would be sent
CREATE FUNCTION upper_name() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$;
CREATE TRIGGER upper_name BEFORE INSERT ON small_batches FOR EACH ROW EXECUTE FUNCTION upper_name();
SET hubspot_fdw.dry_run = verbose;
INSERT INTO small_batches (name) VALUES ('x'), ('y');
SET hubspot_fdw.dry_run = on;
DROP FOREIGN TABLE small_batches;
DROP FUNCTION upper_name();
SELECT count(*) AS writes FROM emu_writes;

-- EXPLAIN ANALYZE says it was a dry run
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  INSERT INTO products (name) VALUES ('a'), ('b');
EXPLAIN (COSTS OFF) INSERT INTO products (name) VALUES ('a');

-- ===================================================================
-- UPDATE: reads are real, so only rows whose values change count
-- ===================================================================
SELECT jsonb_array_length(emu.seed('{"count": 5, "properties": {"name": "Product {i}", "price": "{i}0"}}')->'ids') AS seeded;
CALL emu.clear_log();
UPDATE products SET price = 30;
-- read, not written
SELECT count(*) > 0 AS reads_made FROM emu.requests();
SELECT count(*) AS writes FROM emu_writes;
SELECT o->'properties'->>'price' AS price FROM emu.objects() o ORDER BY 1;
-- rows that change nothing send nothing
UPDATE products SET name = name WHERE price < 30;
-- a row trigger BEFORE the update runs, and one request per row is told
CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN NEW.price := NEW.price + 1; RETURN NEW; END $$;
CREATE TRIGGER bump BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION bump();
UPDATE products SET name = 'bumped' WHERE price >= 40;
DROP TRIGGER bump ON products;
SELECT count(*) AS writes FROM emu_writes;

-- ===================================================================
-- DELETE, and DELETE ... RETURNING (the row as read)
-- ===================================================================
DELETE FROM products WHERE price > 30;
DELETE FROM products WHERE price <= 20 RETURNING name, price;
DELETE FROM products WHERE name = 'no such product';
SELECT count(*) AS writes FROM emu_writes;
SELECT count(*) AS records FROM emu.objects();

-- ===================================================================
-- Upsert: the key's property is looked up (a read), nothing is written
-- ===================================================================
CREATE FOREIGN TABLE keyed (id text, external_id text, name text)
  SERVER hubspot OPTIONS (object 'products', id_property 'external_id');
CALL emu.clear_log();
INSERT INTO keyed (external_id, name) VALUES ('E-1', 'one'), ('E-2', 'two'), ('E-3', 'three');
SELECT method, path FROM emu.requests() ORDER BY seq;
-- the check of the key is made
ALTER FOREIGN TABLE keyed OPTIONS (SET id_property 'no_such_property');
INSERT INTO keyed (external_id, name) VALUES ('E-1', 'one');
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE keyed OPTIONS (SET id_property 'external_id');

-- one NOTICE for the statement, a part per table
WITH gone AS (DELETE FROM products WHERE name = 'Product 4' RETURNING name)
INSERT INTO keyed (external_id, name) SELECT 'E-4', name FROM gone;

-- the key is looked up in the object's property catalogue, read once
CREATE FOREIGN TABLE contacts_by_email (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object 'contacts', id_property 'email');
CALL emu.clear_log();
INSERT INTO contacts_by_email (email, firstname) VALUES ('a@example.com', 'A');
SELECT method, path FROM emu.requests() ORDER BY seq;

-- ===================================================================
-- Custom objects: resolved through the schemas API (a read), and paths
-- named by their objectTypeId
-- ===================================================================
CREATE FOREIGN TABLE pets (id text, name text) SERVER hubspot OPTIONS (object 'p_pets');
CREATE FOREIGN TABLE dogs (id text) SERVER hubspot OPTIONS (object 'p_dogs');
CALL emu.clear_log();
INSERT INTO pets (name) VALUES ('Fido'), ('Rex');
SELECT method, path FROM emu.requests() ORDER BY seq;
INSERT INTO dogs DEFAULT VALUES;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS writes FROM emu_writes;
DROP FOREIGN TABLE contacts_by_email, pets, dogs;

-- ===================================================================
-- COPY, and rows routed through a partitioned table
-- ===================================================================
CALL emu.clear_log();
COPY products (name, price) FROM stdin;
copied 1	1
copied 2	2
copied 3	3
\.
CREATE TABLE catalogue (id text, properties jsonb, status text) PARTITION BY LIST (status);
CREATE FOREIGN TABLE catalogue_hubspot PARTITION OF catalogue FOR VALUES IN ('active')
  SERVER hubspot OPTIONS (object 'products', batch_size '2');
ALTER FOREIGN TABLE catalogue_hubspot ALTER COLUMN status OPTIONS (property 'hs_status');
CREATE TABLE catalogue_local PARTITION OF catalogue FOR VALUES IN ('draft');
INSERT INTO catalogue (properties, status) VALUES
  ('{"name": "a"}', 'active'), ('{"name": "b"}', 'draft'), ('{"name": "c"}', 'active'),
  ('{"name": "d"}', 'active');
COPY catalogue (properties, status) FROM stdin;
{"name": "e"}	active
\.
SELECT count(*) AS writes FROM emu_writes;
-- local partitions are written: the dry run is HubSpot's only
SELECT properties->>'name' AS name FROM catalogue_local;
-- ... but a row moved into the HubSpot partition would be deleted here and created
-- nowhere: refused, and the row stays where it was
UPDATE catalogue SET status = 'active' WHERE properties->>'name' = 'b';
SELECT properties->>'name' AS name, status FROM catalogue_local;
SELECT count(*) AS writes FROM emu_writes;

-- ===================================================================
-- Association tables
-- ===================================================================
CREATE FOREIGN TABLE deal_line_items (deal_id text, line_item_id text, type_id integer,
                                      category text, label text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items');
CREATE TEMP TABLE d AS
  SELECT jsonb_array_elements_text(emu.seed('{"object": "deals", "count": 2, "properties": {"dealname": "Deal {i}"}}')->'ids') AS id;
CREATE TEMP TABLE li AS
  SELECT jsonb_array_elements_text(emu.seed('{"object": "line_items", "count": 3, "properties": {"name": "Item {i}"}}')->'ids') AS id;
CALL emu.clear_log();
INSERT INTO deal_line_items (deal_id, line_item_id, type_id)
  SELECT d.id, li.id, CASE WHEN li.id = (SELECT max(id) FROM li) THEN 20 END
  FROM d, li WHERE d.id = (SELECT min(id) FROM d);
SELECT count(*) AS writes FROM emu_writes;
SELECT count(*) AS associations FROM deal_line_items WHERE deal_id IN (SELECT id FROM d);

-- written for real (a line item belongs to one deal), then a dry-run
-- DELETE reads them and removes nothing
SET hubspot_fdw.dry_run = off;
INSERT INTO deal_line_items (deal_id, line_item_id)
  SELECT d.id, li.id FROM d, li WHERE d.id = (SELECT min(id) FROM d);
SET hubspot_fdw.dry_run = on;
CALL emu.clear_log();
DELETE FROM deal_line_items WHERE deal_id IN (SELECT id FROM d);
SELECT count(*) AS writes FROM emu_writes;
SELECT count(*) AS associations FROM deal_line_items WHERE deal_id IN (SELECT id FROM d);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  DELETE FROM deal_line_items WHERE deal_id = (SELECT min(id) FROM d);

-- ===================================================================
-- 'verbose': each request's body, as it would be sent
-- ===================================================================
SET hubspot_fdw.dry_run = verbose;
INSERT INTO products (name, price) VALUES ('v1', 1), ('v2', 2);
UPDATE products SET price = 99 WHERE name = 'Product 3';
DELETE FROM products WHERE name = 'Product 3';
SELECT count(*) AS writes FROM emu_writes;
SET hubspot_fdw.dry_run = on;

-- ===================================================================
-- Refused before any row: what needs HubSpot's answer at once
-- ===================================================================
CALL emu.clear_log();
INSERT INTO products (name) VALUES ('r') RETURNING id;
\echo :LAST_ERROR_SQLSTATE
UPDATE products SET price = 1 RETURNING id;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO deal_line_items (deal_id, line_item_id) VALUES ('1', '2') RETURNING type_id;
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER after_row AFTER INSERT OR UPDATE OR DELETE ON products
  FOR EACH ROW EXECUTE FUNCTION noop();
INSERT INTO products (name) VALUES ('t');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM products;
\echo :LAST_ERROR_SQLSTATE
COPY products (name) FROM stdin;
\.
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER after_row ON products;
CREATE VIEW cheap AS SELECT * FROM products WHERE price < 100 WITH CHECK OPTION;
INSERT INTO cheap (name, price) VALUES ('w', 5);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS writes FROM emu_writes;

-- ===================================================================
-- A new session's first statement is a COPY: the library loads while it
-- runs (unless preloaded), and its NOTICE still comes once, at its end
-- ===================================================================
\set QUIET on
\c -
\set QUIET off
SET hubspot_fdw.dry_run = on;
COPY products (name, price) FROM stdin;
new session 1	1
new session 2	2
\.
SELECT count(*) AS writes FROM emu_writes;

-- ===================================================================
-- dry_run off again: writes are sent
-- ===================================================================
RESET hubspot_fdw.dry_run;
CALL emu.clear_log();
INSERT INTO products (name, price) SELECT 'real ' || g, g FROM generate_series(1, 3) g;
SELECT * FROM emu_writes;
SELECT count(*) AS real_records FROM emu.objects() o WHERE o->'properties'->>'name' LIKE 'real %';

DROP VIEW cheap;
DROP VIEW emu_writes;
DROP TABLE catalogue;
DROP FOREIGN TABLE products, keyed, deal_line_items;
DROP FUNCTION bump(), noop();
