--
-- insert: batch/create of batch_size rows, one create per row with RETURNING
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CALL emu.reset();
SET timezone = 'UTC';

CREATE FOREIGN TABLE products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    associations jsonb
) SERVER hubspot OPTIONS (object 'products');

-- 250 rows: exactly 3 batch/create requests carrying 100, 100 and 50 inputs
CALL emu.clear_log();
INSERT INTO products (properties)
  SELECT jsonb_build_object('name', 'Item ' || i, 'price', i * 1.5, 'hs_sku', 'IT-' || i)
  FROM generate_series(1, 250) i;
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs
  FROM emu.requests() ORDER BY seq;
-- every input carries its row number as objectWriteTraceId, values are strings
SELECT (SELECT array_agg((x->>'objectWriteTraceId')::int ORDER BY (x->>'objectWriteTraceId')::int)
          = array(SELECT generate_series(1, 250))
          FROM emu.requests() r, jsonb_array_elements(r.body->'inputs') x
          WHERE r.path LIKE '%/batch/create') AS trace_ids_are_row_numbers;
SELECT body->'inputs'->0 AS first_input FROM emu.requests() WHERE path LIKE '%batch/create' ORDER BY seq LIMIT 1;
SELECT count(*), count(DISTINCT o->'properties'->>'hs_sku'),
       min((o->'properties'->>'price')::numeric), max((o->'properties'->>'price')::numeric)
  FROM emu.objects() o;

-- plain EXPLAIN shows the endpoint and batch size, and sends nothing
CALL emu.clear_log();
EXPLAIN (COSTS OFF) INSERT INTO products (properties) VALUES ('{"name": "x"}');
EXPLAIN (COSTS OFF) INSERT INTO products (properties) VALUES ('{"name": "x"}') RETURNING id;
SELECT count(*) AS requests FROM emu.requests();

-- INSERT ... RETURNING: one create per row, RETURNING shows what HubSpot stored
CALL emu.reset();
INSERT INTO products (properties) VALUES
  ('{"name": "Returned A", "price": "10"}'),
  ('{"name": "Returned B", "price": 20.5, "description": null}')
  RETURNING id, properties->>'name' AS name, properties->>'price' AS price,
            properties->>'hs_object_id' AS hs_object_id, created_at, updated_at, archived;
SELECT method, path, status, body FROM emu.requests() ORDER BY seq;

-- EXPLAIN ANALYZE counts the requests
CALL emu.reset();
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  INSERT INTO products (properties) SELECT jsonb_build_object('name', 'E' || i) FROM generate_series(1, 120) i;

-- batch_size from the table, then from the server
CREATE FOREIGN TABLE products_small_batches (id text, properties jsonb)
  SERVER hubspot OPTIONS (batch_size '10');
CALL emu.clear_log();
INSERT INTO products_small_batches (properties)
  SELECT jsonb_build_object('name', 'S' || i) FROM generate_series(1, 25) i;
SELECT jsonb_array_length(body->'inputs') AS inputs FROM emu.requests() ORDER BY seq;
ALTER SERVER hubspot OPTIONS (ADD batch_size '40');
CALL emu.clear_log();
INSERT INTO products (properties) SELECT jsonb_build_object('name', 'V' || i) FROM generate_series(1, 50) i;
SELECT jsonb_array_length(body->'inputs') AS inputs FROM emu.requests() ORDER BY seq;
ALTER SERVER hubspot OPTIONS (DROP batch_size);
EXPLAIN (COSTS OFF) INSERT INTO products_small_batches (properties) VALUES ('{}');

-- archived = false is what a new record is, so it may be given
CALL emu.clear_log();
INSERT INTO products (properties, archived) VALUES ('{"name": "not archived"}', false);
SELECT count(*) AS requests FROM emu.requests();

-- JSON numbers and booleans are sent as their text; null leaves a property out
CALL emu.reset();
INSERT INTO products (properties) VALUES
  ('{"name": "Typed", "price": 27.50, "in_stock": true, "description": null, "hs_sku": "T-1"}');
SELECT body->'inputs'->0->'properties' AS sent FROM emu.requests();

-- typed columns on INSERT
CREATE FOREIGN TABLE products_w (
    id          text,
    properties  jsonb,
    price       numeric,
    sku         text OPTIONS (property 'hs_sku'),
    in_stock    boolean,
    sales_channels text[],
    launch_date date,
    createdate  timestamptz,
    weight_kg   float8,
    associations jsonb
) SERVER hubspot;
CALL emu.reset();
INSERT INTO products_w (properties, price, sku, in_stock, sales_channels, launch_date, createdate, weight_kg)
  VALUES ('{"name": "Full"}', 19.99, 'F-1', true, ARRAY['web', 'retail'], '2026-03-01',
          '2026-01-02 03:04:05.678+00', 2.5);
SELECT body->'inputs'->0->'properties' AS sent FROM emu.requests();
-- read back through typed columns
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
SELECT name, price, sku, in_stock, sales_channels, launch_date, createdate, weight_kg
  FROM products_typed;
-- a typed column and a properties key for the same property: equal is fine
CALL emu.clear_log();
INSERT INTO products_w (properties, price) VALUES ('{"name": "Same", "price": "5"}', 5);
SELECT body->'inputs'->0->'properties' AS sent FROM emu.requests();

-- associations go to HubSpot in its batch/create input shape: line items of
-- a deal (line item -> deal is HUBSPOT_DEFINED 20; HubSpot checks the deal
-- exists and the type fits the pair, and a line item has one parent)
CREATE FOREIGN TABLE line_items (
    id          text,
    properties  jsonb,
    associations jsonb
) SERVER hubspot OPTIONS (object 'line_items');
SELECT emu.seed('{"object": "deals", "objects": [{"properties": {"dealname": "Deal", "dealstage": "closedwon"}}]}')->'ids'->>0 AS deal \gset
CALL emu.clear_log();
INSERT INTO line_items (properties, associations) VALUES
  ('{"name": "Associated"}',
   format('[{"to": {"id": "%s"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}]}]', :'deal')::jsonb);
SELECT body->'inputs'->0->'associations' = format('[{"to": {"id": "%s"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}]}]', :'deal')::jsonb
       AS sent_as_written
  FROM emu.requests();
SELECT o->'associations'->0->'types' AS stored FROM emu.objects('line_items') o WHERE o->'properties'->>'name' = 'Associated';
INSERT INTO line_items (properties, associations) VALUES ('{"name": "Assoc returning"}',
   format('[{"to": {"id": "%s"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}]}]', :'deal')::jsonb)
  RETURNING properties->>'name' AS name, associations->0->'to'->>'id' = :'deal' AS to_the_deal;
-- the deal has both line items (the inverse type, deal -> line item, is 19)
SELECT count(*) AS line_items_of_the_deal, min(a->'types'->0->>'typeId') AS type_id
  FROM emu.ctl('associations deals line_items') a WHERE a->>'from' = :'deal';
-- ... sent as written: numbers beyond 64 bits and deep nesting unchanged
-- (HubSpot judges them; nothing is rounded or dropped on the way)
CALL emu.clear_log();
INSERT INTO line_items (properties, associations) VALUES ('{"name": "Assoc huge"}',
   format('[{"to": {"id": "%s"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 99999999999999999999999}]}]', :'deal')::jsonb);
INSERT INTO line_items (properties, associations) SELECT '{"name": "Assoc deep"}',
   (format('[{"to": {"id": "%s"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}], "x": ', :'deal')
    || repeat('[', 40) || repeat(']', 40) || '}]')::jsonb;
SELECT status, body->'inputs'->0->'associations'->0->'types'->0->'associationTypeId' AS type_id,
       length(body->'inputs'->0->'associations'->0->>'x') AS nested
  FROM emu.requests() ORDER BY seq;
-- a product cannot be associated with anything
INSERT INTO products_w (properties, associations) VALUES ('{"name": "Assoc product"}',
   format('[{"to": {"id": "%s"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}]}]', :'deal')::jsonb);

-- a row trigger needs each row's result: one create per row, and the
-- AFTER trigger sees HubSpot's id
CREATE TABLE insert_audit (id text, name text);
CREATE FUNCTION audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO insert_audit VALUES (NEW.id, NEW.properties->>'name');
  RETURN NEW;
END $$;
CREATE TRIGGER products_audit AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION audit_insert();
CALL emu.reset();
INSERT INTO products (properties) VALUES ('{"name": "T1"}'), ('{"name": "T2"}'), ('{"name": "T3"}');
SELECT * FROM insert_audit ORDER BY id;
SELECT method, path, count(*) FROM emu.requests() GROUP BY 1, 2;
DROP TRIGGER products_audit ON products;

-- COPY into the foreign table
CALL emu.reset();
COPY products (properties) FROM stdin;
{"name": "Copied 1", "price": "1"}
{"name": "Copied 2", "price": "2"}
\.
SELECT o->'properties'->>'name' AS name FROM emu.objects() o ORDER BY 1;

-- INSERT ... SELECT from a local table
CREATE TABLE catalog (sku text, name text, price numeric);
INSERT INTO catalog SELECT 'C-' || i, 'Catalog ' || i, i FROM generate_series(1, 7) i;
CALL emu.reset();
INSERT INTO products (properties)
  SELECT jsonb_build_object('name', name, 'price', price::text, 'hs_sku', sku) FROM catalog;
SELECT count(*) FROM products;
SELECT p.properties->>'hs_sku' AS sku, p.properties->>'price' AS price
  FROM products p JOIN catalog c ON c.sku = p.properties->>'hs_sku' ORDER BY c.price;

-- ON CONFLICT cannot be honoured, so it is refused, not ignored
INSERT INTO products (properties) VALUES ('{"name": "x"}') ON CONFLICT DO NOTHING;

-- changing the value of a read-only property is refused before anything is
-- written (leaving it out or unchanged is not a change: see update.sql)
CALL emu.clear_log();
UPDATE products SET properties = properties || '{"hs_object_id": "1"}';
\echo :LAST_ERROR_SQLSTATE
SELECT method, path FROM emu.requests() WHERE method <> 'GET';

-- a value that does not convert names its own row, also inside a batch
-- (row 150 of 250: rows 1 to 100 were created before it was reached)
CREATE FOREIGN TABLE measured (
    id       text,
    name     text,
    weight   float8 OPTIONS (property 'weight_kg'),
    channels text[] OPTIONS (property 'sales_channels')
) SERVER hubspot OPTIONS (object 'products');
CALL emu.reset();
INSERT INTO measured (name, weight)
  SELECT 'm' || g, CASE WHEN g = 150 THEN 'NaN'::float8 ELSE g END FROM generate_series(1, 250) g;
INSERT INTO measured (name, channels)
  SELECT 'c' || g, CASE WHEN g = 150 THEN '{web,"re;tail"}'::text[] ELSE '{web}' END
    FROM generate_series(1, 250) g;
INSERT INTO measured (name, channels)
  SELECT 'n' || g, CASE WHEN g = 150 THEN '{web,NULL}'::text[] ELSE '{web}' END
    FROM generate_series(1, 250) g;
SELECT count(*) FROM emu.objects();
DROP FOREIGN TABLE measured;

DROP FOREIGN TABLE products, products_small_batches, products_w, products_typed;
DROP TABLE insert_audit, catalog;
DROP FUNCTION audit_insert();
