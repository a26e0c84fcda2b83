--
-- partitions: a HubSpot foreign table as a partition of a local partitioned
-- table: rows routed to it by INSERT and COPY, with the user mapping of the
-- user the parent is accessed as; UPDATE and DELETE through the parent; rows
-- moved into it by an UPDATE of the partition key (and refused out of it); ON CONFLICT
-- refused.
--
CALL emu.reset();
\set QUIET off

CREATE TABLE catalogue (id text, properties jsonb, status text) PARTITION BY LIST (status);
CREATE FOREIGN TABLE catalogue_hubspot PARTITION OF catalogue FOR VALUES IN ('active')
  SERVER hubspot OPTIONS (object 'products');
ALTER FOREIGN TABLE catalogue_hubspot ALTER COLUMN status OPTIONS (property 'hs_status');
CREATE TABLE catalogue_local PARTITION OF catalogue FOR VALUES IN ('draft', 'inactive');

--
-- The first statement of a new session routes a row to the HubSpot
-- partition: the user mapping is found through the parent (the partition
-- has no range table entry of its own)
--
\c -
\set QUIET off
INSERT INTO catalogue (properties, status) VALUES ('{"name": "a"}', 'active');
SELECT method, path, status, body FROM emu.requests() ORDER BY seq;
SELECT o->'properties'->>'name' AS name, o->'properties'->>'hs_status' AS hs_status
  FROM emu.objects() o;
SELECT count(*) FROM catalogue_local;

--
-- The user mapping of the current user serves routed rows
--
CREATE ROLE regress_part_bob;
GRANT USAGE ON SCHEMA public TO regress_part_bob;
GRANT SELECT, INSERT, UPDATE, DELETE ON catalogue TO regress_part_bob;
CALL emu.clear_log();
SET ROLE regress_part_bob;
INSERT INTO catalogue (properties, status) VALUES ('{"name": "bob 1"}', 'active');
\echo :LAST_ERROR_SQLSTATE
-- rows for a local partition need no user mapping
INSERT INTO catalogue (properties, status) VALUES ('{"name": "bob draft"}', 'draft');
RESET ROLE;
SELECT count(*) AS requests FROM emu.requests();
-- bob's own token, and only bob's, is accepted now
CREATE USER MAPPING FOR regress_part_bob SERVER hubspot OPTIONS (access_token 'bob-token');
CALL emu.config('{"tokens": ["bob-token"]}');
SET ROLE regress_part_bob;
INSERT INTO catalogue (properties, status) VALUES ('{"name": "bob 2"}', 'active');
COPY catalogue (properties, status) FROM stdin;
{"name": "bob 3"}	active
\.
RESET ROLE;
-- the current user's (postgres's) token is refused meanwhile
\set VERBOSITY terse
INSERT INTO catalogue (properties, status) VALUES ('{"name": "postgres 1"}', 'active');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT method, path, status, body->'inputs'->0->'properties' AS batch_properties,
       body->'properties' AS properties
  FROM emu.requests() ORDER BY seq;

-- a view: its owner's user mapping serves a role that has none
CREATE ROLE regress_part_carol;
GRANT USAGE ON SCHEMA public TO regress_part_carol;
CREATE VIEW catalogue_view AS SELECT * FROM catalogue;
GRANT SELECT, INSERT, UPDATE, DELETE ON catalogue_view TO regress_part_carol;
GRANT INSERT ON catalogue TO regress_part_carol;
CALL emu.config('{"tokens": ["pat-test-token"]}');
CALL emu.clear_log();
SET ROLE regress_part_carol;
INSERT INTO catalogue_view (properties, status) VALUES ('{"name": "carol 1"}', 'active');
SELECT properties->>'name' AS name, status FROM catalogue_view
 WHERE properties->>'name' LIKE 'carol%' ORDER BY 1;
UPDATE catalogue_view SET properties = properties || '{"price": "3"}'
 WHERE properties->>'name' = 'carol 1';
INSERT INTO catalogue_view (properties, status) VALUES ('{"name": "carol 3"}', 'active');
DELETE FROM catalogue_view WHERE properties->>'name' = 'carol 3';
-- but not the table itself
INSERT INTO catalogue (properties, status) VALUES ('{"name": "carol 2"}', 'active');
RESET ROLE;
SELECT method, path, status FROM emu.requests() ORDER BY seq;
CALL emu.config('{"tokens": null}');

DROP VIEW catalogue_view;
DROP USER MAPPING FOR regress_part_bob SERVER hubspot;
DROP OWNED BY regress_part_bob, regress_part_carol;
DROP ROLE regress_part_bob, regress_part_carol;

-- what HubSpot has now
SELECT o->'properties'->>'name' AS name, o->'properties'->>'hs_status' AS hs_status
  FROM emu.objects() o ORDER BY 1;

--
-- INSERT ... SELECT through the parent: the HubSpot rows in batches, the
-- others to the local partition
--
CALL emu.reset();
DELETE FROM catalogue_local;
EXPLAIN (COSTS OFF)
INSERT INTO catalogue (properties, status)
  SELECT jsonb_build_object('name', 'bulk ' || g, 'price', g),
         CASE WHEN g % 6 = 0 THEN 'draft' ELSE 'active' END
    FROM generate_series(1, 180) g;
INSERT INTO catalogue (properties, status)
  SELECT jsonb_build_object('name', 'bulk ' || g, 'price', g),
         CASE WHEN g % 6 = 0 THEN 'draft' ELSE 'active' END
    FROM generate_series(1, 180) g;
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs
  FROM emu.requests() ORDER BY seq;
SELECT body->'inputs'->0 AS first_input FROM emu.requests()
 WHERE path LIKE '%batch/create' ORDER BY seq LIMIT 1;
SELECT count(*) AS records, count(*) FILTER (WHERE o->'properties'->>'hs_status' = 'active') AS active
  FROM emu.objects() o;
SELECT count(*) AS local_rows, min(properties->>'name') AS first, max(properties->>'name') AS last
  FROM catalogue_local;

--
-- COPY into the parent: one create per HubSpot row on PostgreSQL 15
--
CALL emu.clear_log();
COPY catalogue (properties, status) FROM stdin;
{"name": "copy 1", "price": "11"}	active
{"name": "copy 2"}	draft
{"name": "copy 3", "price": "13"}	active
\.
SELECT method, path, status, body->'properties' AS properties FROM emu.requests() ORDER BY seq;
SELECT properties->>'name' AS name, status FROM catalogue_local
 WHERE properties->>'name' LIKE 'copy%';

--
-- RETURNING through the parent: the HubSpot row returns what HubSpot stored
--
CALL emu.clear_log();
INSERT INTO catalogue (properties, status)
  VALUES ('{"name": "ret 1", "price": "7"}', 'active'), ('{"name": "ret 2"}', 'draft')
  RETURNING id IS NOT NULL AS has_id, properties->>'name' AS name,
            properties->>'hs_status' AS hs_status, status;
SELECT method, path, status, body->'properties' AS properties FROM emu.requests() ORDER BY seq;

--
-- SELECT, UPDATE and DELETE through the parent
--
CALL emu.clear_log();
SELECT status, count(*), count(id) AS with_id FROM catalogue GROUP BY status ORDER BY status;
SELECT id IS NOT NULL AS has_id, properties->>'name' AS name, properties->>'price' AS price, status
  FROM catalogue WHERE properties->>'name' IN ('bulk 5', 'bulk 6', 'copy 3', 'ret 1', 'ret 2')
 ORDER BY 2;
-- a WHERE on the partition key reads only the partitions it can match
EXPLAIN (COSTS OFF) SELECT count(*) FROM catalogue WHERE status = 'draft';
SELECT count(*) FROM catalogue WHERE status = 'draft';
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 2;

-- UPDATE of the HubSpot rows: one batch/update carrying only price
CALL emu.clear_log();
EXPLAIN (COSTS OFF)
UPDATE catalogue SET properties = properties || '{"price": "5"}'
 WHERE status = 'active' AND properties->>'name' IN ('bulk 1', 'bulk 2', 'copy 1');
UPDATE catalogue SET properties = properties || '{"price": "5"}'
 WHERE status = 'active' AND properties->>'name' IN ('bulk 1', 'bulk 2', 'copy 1');
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs,
       body->'inputs'->0->'properties' AS first_properties
  FROM emu.requests() ORDER BY seq;
SELECT o->'properties'->>'name' AS name, o->'properties'->>'price' AS price
  FROM emu.objects() o WHERE o->'properties'->>'name' IN ('bulk 1', 'bulk 2', 'bulk 3', 'copy 1')
 ORDER BY 1;

-- an UPDATE of every partition: the local rows locally, the HubSpot rows in batches
CALL emu.clear_log();
UPDATE catalogue SET properties = properties || '{"description": "all"}';
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs
  FROM emu.requests() ORDER BY method, seq;
SELECT count(*) FILTER (WHERE properties->>'description' = 'all') AS described, count(*)
  FROM catalogue_local;
SELECT count(*) FILTER (WHERE o->'properties'->>'description' = 'all') AS described, count(*)
  FROM emu.objects() o;

-- DELETE through the parent: batch/archive
CALL emu.clear_log();
DELETE FROM catalogue WHERE status = 'active' AND properties->>'name' IN ('ret 1', 'bulk 7');
SELECT method, path, status, body->'inputs' AS inputs FROM emu.requests() ORDER BY seq;
SELECT o->'properties'->>'name' AS name FROM emu.objects('--archived') o ORDER BY 1;
-- and a DELETE of both partitions
DELETE FROM catalogue WHERE properties->>'name' IN ('ret 2', 'bulk 8');
SELECT count(*) FROM catalogue WHERE properties->>'name' IN ('ret 1', 'ret 2', 'bulk 7', 'bulk 8');

--
-- An UPDATE of the partition key moving a row into the HubSpot partition:
-- a create in HubSpot, the local row gone
--
-- (a) the HubSpot partition is pruned from the UPDATE's targets
CALL emu.clear_log();
EXPLAIN (COSTS OFF)
UPDATE catalogue SET status = 'active' WHERE status = 'draft' AND properties->>'name' = 'bulk 6';
UPDATE catalogue SET status = 'active' WHERE status = 'draft' AND properties->>'name' = 'bulk 6';
SELECT method, path, status, body->'properties' AS properties FROM emu.requests() ORDER BY seq;
SELECT count(*) AS local FROM catalogue_local WHERE properties->>'name' = 'bulk 6';
SELECT id IS NOT NULL AS has_id, properties->>'name' AS name, status
  FROM catalogue WHERE properties->>'name' = 'bulk 6';

-- (b) every partition is a target: the HubSpot partition is updated and
-- routed into by the same statement
CALL emu.clear_log();
EXPLAIN (COSTS OFF)
UPDATE catalogue SET status = 'active' WHERE properties->>'name' = 'bulk 12';
UPDATE catalogue SET status = 'active' WHERE properties->>'name' = 'bulk 12';
SELECT method, path, status, body->'properties' AS properties FROM emu.requests() ORDER BY seq;
SELECT count(*) AS local FROM catalogue_local WHERE properties->>'name' = 'bulk 12';
SELECT id IS NOT NULL AS has_id, properties->>'name' AS name, status
  FROM catalogue WHERE properties->>'name' = 'bulk 12';

-- (b) with rows of both: one HubSpot row updated, two local rows moved in
CALL emu.clear_log();
UPDATE catalogue SET status = 'active', properties = properties || '{"price": "99"}'
 WHERE properties->>'name' IN ('bulk 18', 'bulk 24', 'bulk 9');
SELECT method, path, status, body->'properties' AS properties, body->'inputs' AS inputs
  FROM emu.requests() WHERE method <> 'GET' ORDER BY seq;
SELECT o->'properties'->>'name' AS name, o->'properties'->>'price' AS price,
       o->'properties'->>'hs_status' AS hs_status
  FROM emu.objects() o WHERE o->'properties'->>'name' IN ('bulk 18', 'bulk 24', 'bulk 9')
 ORDER BY 1;
SELECT count(*) AS local FROM catalogue_local
 WHERE properties->>'name' IN ('bulk 18', 'bulk 24', 'bulk 9');

--
-- An UPDATE of the partition key moving a row out of the HubSpot
-- partition: PostgreSQL cannot move a row out of a foreign partition, so it
-- is refused (0A000) before anything is sent, rather than left where its
-- new key no longer fits
--
CALL emu.clear_log();
UPDATE catalogue SET status = 'draft' WHERE properties->>'name' = 'bulk 1';
\echo :LAST_ERROR_SQLSTATE
UPDATE catalogue SET status = 'inactive' WHERE properties->>'name' = 'bulk 2';
SELECT count(*) AS writes FROM emu.requests() WHERE method <> 'GET';
SELECT properties->>'name' AS name, status FROM catalogue
 WHERE properties->>'name' IN ('bulk 1', 'bulk 2') ORDER BY 1;
-- what the hint says to do instead
DELETE FROM catalogue WHERE properties->>'name' = 'bulk 1';
INSERT INTO catalogue (properties, status) VALUES ('{"name": "bulk 1"}', 'draft');
SELECT properties->>'name' AS name, status FROM catalogue_local WHERE properties->>'name' = 'bulk 1';
SELECT o->>'archived' AS archived FROM emu.objects('--all') o WHERE o->'properties'->>'name' = 'bulk 1';

--
-- ON CONFLICT through the parent is refused, as directly; nothing is sent
--
CALL emu.clear_log();
INSERT INTO catalogue (properties, status) VALUES ('{"name": "oc 1"}', 'active')
  ON CONFLICT DO NOTHING;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO catalogue_hubspot (properties, status) VALUES ('{"name": "oc 2"}', 'active')
  ON CONFLICT DO NOTHING;
\echo :LAST_ERROR_SQLSTATE
-- a row routed to the local partition only never reaches the HubSpot partition
INSERT INTO catalogue (properties, status) VALUES ('{"name": "oc 3"}', 'draft')
  ON CONFLICT DO NOTHING;
SELECT count(*) AS requests FROM emu.requests();
SELECT count(*) FROM catalogue_local WHERE properties->>'name' LIKE 'oc %';

DROP TABLE catalogue;

--
-- A HubSpot partition scanned after rows moved into it (here the DEFAULT
-- partition, last in the plan): the statement does not see, and update
-- again, the records it created
--
CALL emu.reset();
CREATE TABLE shelf (id text, properties jsonb, status text) PARTITION BY LIST (status);
CREATE TABLE shelf_local PARTITION OF shelf FOR VALUES IN ('draft');
CREATE FOREIGN TABLE shelf_hubspot PARTITION OF shelf DEFAULT
  SERVER hubspot OPTIONS (object 'products');
ALTER FOREIGN TABLE shelf_hubspot ALTER COLUMN status OPTIONS (property 'hs_status');
INSERT INTO shelf (properties, status)
  VALUES ('{"name": "x"}', 'draft'), ('{"name": "y", "price": "1"}', 'active');
CALL emu.clear_log();
EXPLAIN (COSTS OFF)
UPDATE shelf SET status = 'active', properties = properties || '{"price": "2"}'
 WHERE properties->>'name' IN ('x', 'y');
UPDATE shelf SET status = 'active', properties = properties || '{"price": "2"}'
 WHERE properties->>'name' IN ('x', 'y');
SELECT method, path, status, body->'properties' AS properties, body->'inputs' AS inputs
  FROM emu.requests() ORDER BY seq;
SELECT properties->>'name' AS name, properties->>'price' AS price, status, tableoid::regclass
  FROM shelf ORDER BY 1;
DROP TABLE shelf;

--
-- Two HubSpot partitions whose id columns are at different positions (one
-- attached with another column order): UPDATE and DELETE through the parent
--
CALL emu.reset();
CREATE TABLE two (id text, properties jsonb, status text) PARTITION BY LIST (status);
CREATE FOREIGN TABLE two_a PARTITION OF two FOR VALUES IN ('active') SERVER hubspot
  OPTIONS (object 'products');
ALTER FOREIGN TABLE two_a ALTER COLUMN status OPTIONS (property 'hs_status');
CREATE FOREIGN TABLE two_b (status text OPTIONS (property 'hs_status'), properties jsonb, id text)
  SERVER hubspot OPTIONS (object 'products');
ALTER TABLE two ATTACH PARTITION two_b FOR VALUES IN ('inactive');
INSERT INTO two (properties, status) VALUES ('{"name": "t1"}', 'active'), ('{"name": "t2"}', 'inactive');
UPDATE two SET properties = properties || '{"price": "3"}' WHERE properties->>'name' = 't1';
DELETE FROM two WHERE properties->>'name' = 'zzz';
-- a record whose key property does not fit a partition's bounds (every
-- partition returns every record) is still updated through the parent
UPDATE two SET properties = properties || '{"price": "4"}' WHERE properties->>'name' = 't2';
SELECT o->'properties'->>'name' AS name, o->'properties'->>'price' AS price
  FROM emu.objects() o ORDER BY 1;

-- a statement trigger with a transition table on the parent: refused
-- before anything is sent (PostgreSQL would refuse after the create)
CREATE FUNCTION count_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'new rows: %', (SELECT count(*) FROM new_rows); RETURN NULL; END $$;
CREATE TRIGGER two_new AFTER INSERT ON two REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION count_new();
CALL emu.clear_log();
INSERT INTO two (properties, status) VALUES ('{"name": "t3"}', 'active');
SELECT count(*) AS writes FROM emu.requests() WHERE method = 'POST';
DROP TABLE two;
DROP FUNCTION count_new();
\set QUIET on
