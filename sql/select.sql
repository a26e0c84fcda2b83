--
-- select: the list endpoint, paging, properties, typed columns, EXPLAIN
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
SET timezone = 'UTC';
CALL emu.reset();

CREATE FOREIGN TABLE products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    associations jsonb
) SERVER hubspot OPTIONS (object 'products');

SELECT jsonb_array_length(emu.seed('{"count": 250, "properties": {"name": "Product {i}", "price": "{i}.50", "hs_sku": "SKU-{i}"}}')->'ids');

-- 250 records are 3 pages of 100: 3 list requests, following "after"
CALL emu.clear_log();
SELECT count(*), count(DISTINCT id), min(id::bigint), max(id::bigint) FROM products;
SELECT method, path, query->'limit' AS lim, query->'after' AS after, query->'archived' AS archived, status
  FROM emu.requests();

-- the properties column holds every property with a value; the catalogue is
-- read once per backend (first query that needs properties)
CALL emu.clear_log();
SELECT id, properties->>'name' AS name, properties->>'price' AS price,
       properties->>'hs_sku' AS sku, created_at, updated_at, archived, associations
  FROM products ORDER BY id::bigint LIMIT 3;
SELECT jsonb_object_keys(properties) AS key FROM products WHERE id = '1000001' ORDER BY 1;
SELECT count(*) FROM products WHERE properties->>'hs_sku' = 'SKU-42';
SELECT method, path, status, count(*) FROM emu.requests() GROUP BY 1, 2, 3 ORDER BY 2;
-- the list requests ask for every property of the catalogue
SELECT (SELECT count(*) FROM regexp_split_to_table(query->'properties'->>0, ',')) > 40 AS many_properties,
       query->'properties'->>0 LIKE '%hs_sku%' AS has_sku
  FROM emu.requests() WHERE path = '/crm/v3/objects/products' LIMIT 1;

-- a new token may be another HubSpot account: its catalogue is read anew
ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (SET access_token 'pat-other-token');
CALL emu.clear_log();
SELECT count(*) FROM products WHERE properties ? 'name';
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2 ORDER BY 2;
ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (SET access_token 'pat-test-token');

-- LIMIT stops paging early
CALL emu.clear_log();
SELECT id FROM products ORDER BY id LIMIT 0;
SELECT count(*) FROM (SELECT id FROM products LIMIT 5) s;
SELECT count(*) AS requests FROM emu.requests();

-- joins with local tables
CREATE TABLE local_skus (sku text PRIMARY KEY, warehouse text);
INSERT INTO local_skus VALUES ('SKU-7', 'north'), ('SKU-99', 'south'), ('SKU-1000', 'east');
SELECT l.sku, l.warehouse, p.properties->>'name' AS name
  FROM local_skus l JOIN products p ON p.properties->>'hs_sku' = l.sku ORDER BY 1;

-- plain EXPLAIN makes no request
CALL emu.clear_log();
EXPLAIN (COSTS OFF) SELECT * FROM products;
EXPLAIN (COSTS OFF, VERBOSE) SELECT id, properties FROM products WHERE properties->>'name' = 'x';
SELECT count(*) AS requests FROM emu.requests();
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM products;
SELECT count(*) AS requests FROM emu.requests();

-- typed property columns convert HubSpot's strings
CALL emu.reset();
SELECT emu.seed('{"objects": [
  {"properties": {"name": "Widget", "price": "19.99", "hs_sku": "W-1", "in_stock": "true",
                  "sales_channels": "web;retail", "launch_date": "2026-03-01", "weight_kg": "1.25",
                  "createdate": "2025-12-31T23:59:59.123Z", "recurringbillingfrequency": "monthly"}},
  {"properties": {"name": "Gadget", "in_stock": "false", "sales_channels": "partner"}},
  {"properties": {"name": "Nothing set"}}]}');
CREATE FOREIGN TABLE products_typed (
    id          text,
    name        text,
    price       numeric(10,2),
    sku         text OPTIONS (property 'hs_sku'),
    in_stock    boolean,
    sales_channels text[],
    launch_date date,
    weight_kg   float8,
    createdate  timestamptz,
    frequency   text OPTIONS (property 'recurringbillingfrequency'),
    created_at  timestamptz
) SERVER hubspot;
CALL emu.clear_log();
SELECT * FROM products_typed ORDER BY id;
-- only the typed columns' properties are asked for when "properties" is not read
SELECT query->'properties' FROM emu.requests() WHERE path = '/crm/v3/objects/products';
EXPLAIN (COSTS OFF, VERBOSE) SELECT name, price FROM products_typed;
SELECT name FROM products_typed WHERE in_stock AND 'web' = ANY (sales_channels);

-- a value that does not convert is an error naming the column and the record
CREATE FOREIGN TABLE products_bad_int (id text, price integer) SERVER hubspot;
SELECT * FROM products_bad_int;
CREATE FOREIGN TABLE products_bad_bool (id text, launch boolean OPTIONS (property 'launch_date')) SERVER hubspot;
SELECT * FROM products_bad_bool;
-- a column mapped to a property HubSpot does not have
CREATE FOREIGN TABLE products_typo (id text, prize numeric) SERVER hubspot;
SELECT * FROM products_typo;
\echo :LAST_ERROR_SQLSTATE
-- special columns must have the right type
CREATE FOREIGN TABLE products_wrong_type (id text, properties text) SERVER hubspot;
SELECT * FROM products_wrong_type;

-- empty values: an absent key and a JSON null both read as a missing key / NULL
CALL emu.config('{"empty_values": "null"}');
SELECT name, price, sku, in_stock, sales_channels FROM products_typed ORDER BY id;
SELECT properties ? 'price' AS has_price, properties->'description' AS description
  FROM products WHERE id = '1000003';

-- properties_with_history: pages of 50 with propertiesWithHistory
CREATE FOREIGN TABLE products_history (id text, properties_with_history jsonb) SERVER hubspot;
CALL emu.clear_log();
SELECT id, properties_with_history->'name'->0->>'value' AS name,
       properties_with_history->'name'->0->>'sourceType' AS source
  FROM products_history ORDER BY id;
SELECT query->'limit' AS lim, query ? 'propertiesWithHistory' AS with_history
  FROM emu.requests() WHERE path = '/crm/v3/objects/products';

-- products named by type id: paths use the plural name, and the catalogue
-- read above (of "products") serves this table too
CREATE FOREIGN TABLE products_by_type_id (id text, name text) SERVER hubspot OPTIONS (object '0-7');
CALL emu.clear_log();
SELECT name FROM products_by_type_id ORDER BY id;
SELECT DISTINCT path FROM emu.requests() ORDER BY 1;

-- SELECT streams page by page: the backend's peak memory does not grow with
-- the number of rows (30 pages, then 300 pages of about 1 kB records)
CALL emu.reset();
SELECT emu.seed(jsonb_build_object('count', 3000, 'properties', jsonb_build_object(
  'name', 'Streaming product {i}', 'price', '{i}', 'hs_sku', 'STREAM-{i}',
  'description', repeat('A description that makes each record weigh about a kilobyte. ', 12) || '{i}')))
  IS NOT NULL AS seeded;
CREATE FUNCTION backend_peak_kb() RETURNS bigint LANGUAGE sql
  AS $$ SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1]::bigint $$;
SELECT count(*), sum(length(properties::text)) > 3000 * 900 AS about_1kb_each FROM products;
SELECT backend_peak_kb() AS peak_kb_before \gset
SELECT emu.seed(jsonb_build_object('count', 27000, 'properties', jsonb_build_object(
  'name', 'Streaming product {i}', 'price', '{i}', 'hs_sku', 'STREAM-{i}',
  'description', repeat('A description that makes each record weigh about a kilobyte. ', 12) || '{i}')))
  IS NOT NULL AS seeded;
SELECT count(*), sum(length(properties::text)) > 30000 * 900 AS about_1kb_each FROM products;
SELECT backend_peak_kb() - :peak_kb_before < 4096 AS peak_grew_less_than_4mb;

-- epoch milliseconds read as timestamps and dates; "…Z" into a timestamp
-- without time zone is the UTC wall clock; JSON text into jsonb; a
-- multi-select of numbers into an integer array
CALL emu.reset();
SELECT emu.seed('{"objects": [{"properties": {"name": "Epochs", "hs_sku": "1700000000123",
  "description": "1772323200000", "hs_url": "{\"tier\": [1, 2]}", "sales_channels": "web",
  "hs_tier_ranges": "10;20;30"}}]}');
CREATE FOREIGN TABLE products_conv (
    id          text,
    name        text,
    sku_ts      timestamptz OPTIONS (property 'hs_sku'),
    sku_ts_utc  timestamp   OPTIONS (property 'hs_sku'),
    descr_date  date        OPTIONS (property 'description'),
    created     timestamp   OPTIONS (property 'createdate'),
    url_json    jsonb       OPTIONS (property 'hs_url'),
    ranges      int[]       OPTIONS (property 'hs_tier_ranges')
) SERVER hubspot;
SET timezone = 'America/New_York';
SELECT name, sku_ts, sku_ts_utc, descr_date, created, url_json, ranges
  FROM products_conv WHERE name = 'Epochs';
SET timezone = 'UTC';

DROP FOREIGN TABLE products, products_typed, products_bad_int, products_bad_bool, products_typo,
  products_wrong_type, products_history, products_by_type_id, products_conv;
DROP TABLE local_skus;
DROP FUNCTION backend_peak_kb();
