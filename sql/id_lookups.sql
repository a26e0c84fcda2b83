--
-- id_lookups: a condition on the id finds the records by id: GET for one
-- id, batch/read for several (IN, = ANY, parameters, a join with few
-- rows), never the list; ids compared across types, and id columns of
-- other types than text.
--
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

-- 250 records, ids 1000001..1000250, price = i; two of them renamed
SELECT jsonb_array_length(emu.seed(jsonb_build_object('objects', (
  SELECT jsonb_agg(jsonb_build_object('properties', jsonb_build_object(
           'name', CASE WHEN i IN (50, 51) THEN 'Renamed (checked)' ELSE 'Item ' || i END,
           'price', i::text, 'hs_sku', 'SKU-' || i, 'description', 'd' || i)) ORDER BY i)
    FROM generate_series(1, 250) i)))->'ids');

--
-- Finding records: GET by id for one, batch/read for several, never the list
--
EXPLAIN (COSTS OFF) SELECT id, name FROM items WHERE id = '1000005';
EXPLAIN (COSTS OFF) SELECT id, name FROM items WHERE id IN ('1000005', '1000006');
EXPLAIN (COSTS OFF) SELECT id, name FROM items WHERE archived;
EXPLAIN (COSTS OFF) SELECT id, name FROM items WHERE name = 'Item 5';

CALL emu.clear_log();
SELECT id, name, price, sku FROM items WHERE id = '1000005';
SELECT method, path, query->'archived' AS archived, status FROM emu.requests();

-- several ids, one unknown: one batch/read, the unknown id is simply absent
CALL emu.clear_log();
SELECT id, name FROM items WHERE id IN ('1000007', '1000003', '9999999', '1000003') ORDER BY id;
SELECT method, path, status, body->'inputs' AS inputs, body->'properties' AS properties
  FROM emu.requests();

-- an unknown id alone: 404, no row
CALL emu.clear_log();
SELECT id FROM items WHERE id = '9999999';
SELECT method, path, status FROM emu.requests();

-- NULL and empty arrays ask nothing
CALL emu.clear_log();
SELECT id FROM items WHERE id = NULL;
SELECT id FROM items WHERE id = ANY ('{}'::text[]);
SELECT id FROM items WHERE id = ANY (ARRAY[NULL, '1000009']);
SELECT method, path, body->'inputs' AS inputs FROM emu.requests();

-- parameters of a prepared statement (generic plan) and = ANY
SET plan_cache_mode = force_generic_plan;
PREPARE by_id(text) AS SELECT id, price FROM items WHERE id = $1;
PREPARE by_ids(text[]) AS SELECT id, price FROM items WHERE id = ANY ($1) ORDER BY id;
EXPLAIN (COSTS OFF) EXECUTE by_ids('{1000001}');
CALL emu.clear_log();
EXECUTE by_id('1000010');
EXECUTE by_ids('{1000011,1000012}');
SELECT method, path, body->'inputs' AS inputs FROM emu.requests();
RESET plan_cache_mode;

-- 150 ids: two batch/read requests of 100 and 50
CALL emu.clear_log();
SELECT count(*) FROM items
 WHERE id = ANY (ARRAY(SELECT (1000000 + g)::text FROM generate_series(1, 150) g));
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests();

-- a join on id: one GET per outer row when there are few, the list otherwise
CREATE TEMP TABLE few AS SELECT (1000000 + g)::text AS id FROM generate_series(1, 3) g;
CREATE TEMP TABLE many AS SELECT (1000000 + g)::text AS id FROM generate_series(1, 500) g;
ANALYZE few;
ANALYZE many;
EXPLAIN (COSTS OFF) SELECT i.id, i.price FROM few JOIN items i USING (id);
EXPLAIN (COSTS OFF) SELECT count(*) FROM many JOIN items i USING (id);
CALL emu.clear_log();
SELECT i.id, i.price FROM few JOIN items i USING (id) ORDER BY 1;
SELECT count(*) FROM many JOIN items i USING (id);
SELECT method, path FROM emu.requests() ORDER BY seq;

-- other conditions are checked here, on what the lookup returned
SELECT id FROM items WHERE id IN ('1000001', '1000002') AND price > 1;

-- an id column of a number type is looked up by id for any integer or
-- numeric value: an int4 literal against a bigint id is a cross-type =
-- (SQLAlchemy's session.get() sends such literals)
-- (a wider rate-limit window: the request logs below must show no 429)
CALL emu.config('{"rate_limit": {"max": 1000, "interval_ms": 10000, "daily": 250000}}');
CREATE FOREIGN TABLE items_by_number (id bigint, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products');
EXPLAIN (COSTS OFF) SELECT name FROM items_by_number WHERE id = 1000042;
EXPLAIN (COSTS OFF) SELECT name FROM items_by_number WHERE id IN (1000042, 1000043);
EXPLAIN (COSTS OFF) SELECT name FROM items_by_number WHERE id = 1000042.0;
CALL emu.clear_log();
SELECT id, name FROM items_by_number WHERE id = 1000042;
SELECT id, name FROM items_by_number WHERE 1000043 = id;
SELECT id, name FROM items_by_number WHERE id = 1000044.0;
SELECT id, name FROM items_by_number WHERE id = 1000044.5;
SELECT id, name FROM items_by_number WHERE id IN (1000045, 1000046) ORDER BY id;
SELECT id, name FROM items_by_number WHERE id = ANY ('{1000047, 1000048}'::int4[]) ORDER BY id;
SELECT id, name FROM items_by_number WHERE id IN (1000049.0, 1000049.5) ORDER BY id;
SET plan_cache_mode = force_generic_plan;
PREPARE by_int(int) AS SELECT id, name FROM items_by_number WHERE id = $1;
PREPARE by_numeric(numeric) AS SELECT id, name FROM items_by_number WHERE id = $1;
EXECUTE by_int(1000050);
EXECUTE by_numeric(1000051);
RESET plan_cache_mode;
SELECT method, path, body->'inputs' AS inputs FROM emu.requests() ORDER BY seq;
-- a join with an int4 column, and UPDATE by an int4 literal
CREATE TEMP TABLE few_numbers AS SELECT 1000000 + g AS n FROM generate_series(52, 53) g;
ANALYZE few_numbers;
CALL emu.clear_log();
SELECT i.id, i.name FROM few_numbers f JOIN items_by_number i ON i.id = f.n ORDER BY 1;
SELECT method, path FROM emu.requests() ORDER BY seq;
CALL emu.clear_log();
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) UPDATE items_by_number SET price = 52.5 WHERE id = 1000052;
SELECT method, path, body->'inputs' AS inputs FROM emu.requests() ORDER BY seq;
DROP FOREIGN TABLE items_by_number;

-- an id column whose text is not the id as HubSpot writes it: numeric(12,2)
-- (1000055.00) and char(10) ('1000056   ') name the records 1000055 and
-- 1000056, on reads and on writes; floats cannot be ids
CREATE FOREIGN TABLE items_numeric (id numeric(12,2), name text) SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE items_char (id char(10), name text) SERVER hubspot OPTIONS (object 'products');
CALL emu.clear_log();
SELECT id, name FROM items_numeric WHERE id = 1000055;
SELECT id, name FROM items_char WHERE id = '1000056';
UPDATE items_numeric SET name = 'numeric id' WHERE id = 1000055;
UPDATE items_char SET name = 'char id' WHERE id = '1000056';
DELETE FROM items_numeric WHERE id = 1000057;
SELECT method, path, body->'inputs' AS inputs FROM emu.requests() ORDER BY seq;
SELECT o->>'id' AS id, o->'properties'->>'name' AS name, o->>'archived' AS archived
  FROM emu.objects('--all') o WHERE o->>'id' IN ('1000055', '1000056', '1000057') ORDER BY 1;
CREATE FOREIGN TABLE items_float (id float8, name text) SERVER hubspot OPTIONS (object 'products');
SELECT name FROM items_float LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
DROP FOREIGN TABLE items_numeric, items_char, items_float;
-- under a nondeterministic collation, = is not the id's equality: no lookup,
-- the listing answers (and finds the record)
CREATE COLLATION ignore_punct (provider = icu, locale = 'und-u-ka-shifted', deterministic = false);
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE id = '1,000,058' COLLATE ignore_punct;
SELECT id FROM items WHERE id = '1,000,058' COLLATE ignore_punct;
DROP COLLATION ignore_punct;

DROP FOREIGN TABLE items;
