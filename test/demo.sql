-- hubspot_fdw demo: a product catalogue kept in PostgreSQL, pushed to HubSpot
-- in batches and read back live.  Runs against the local HubSpot emulator.
\getenv emulator_url HUBSPOT_EMULATOR_URL
\pset footer off

CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emulator_url');    -- for real HubSpot: leave api_url out
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot
  OPTIONS (access_token 'pat-na1-demo-token');

CREATE SCHEMA hubspot;
CREATE FOREIGN TABLE hubspot.products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    price       numeric OPTIONS (property 'price'),
    sku         text    OPTIONS (property 'hs_sku')
) SERVER hubspot OPTIONS (object 'products');

-- the catalogue as it lives in PostgreSQL
CREATE TABLE catalog (sku text PRIMARY KEY, name text, price numeric(10,2), stock int);
INSERT INTO catalog
  SELECT 'SKU-' || lpad(i::text, 4, '0'), 'Product ' || i, round((9.99 + i * 2.5)::numeric, 2), i % 7
  FROM generate_series(1, 250) i;

-- what the INSERT will send: 3 batch/create requests of up to 100 rows
EXPLAIN (COSTS OFF)
INSERT INTO hubspot.products (properties)
  SELECT jsonb_build_object('name', name, 'price', price, 'hs_sku', sku) FROM catalog;

-- push the catalogue to HubSpot
INSERT INTO hubspot.products (properties)
  SELECT jsonb_build_object('name', name, 'price', price, 'hs_sku', sku) FROM catalog;

-- read it back, live
SELECT count(*) AS products_in_hubspot FROM hubspot.products;
SELECT id, properties->>'name' AS name, price, sku, created_at
  FROM hubspot.products ORDER BY sku LIMIT 5;

-- compare HubSpot with the local catalogue
SELECT count(*) FILTER (WHERE p.price = c.price) AS same_price,
       count(*) FILTER (WHERE p.price <> c.price) AS different_price,
       count(*) FILTER (WHERE p.id IS NULL) AS missing_in_hubspot
  FROM catalog c LEFT JOIN hubspot.products p ON p.sku = c.sku;

-- an application inserting one row and reading back HubSpot's id
INSERT INTO hubspot.products (properties, price, sku)
  VALUES ('{"name": "Onboarding service", "description": "Two days on site"}', 6000, 'SRV-1')
  RETURNING id, properties->>'name' AS name, price, created_at;

-- HubSpot refuses bad rows; the error names them and says what was created
\set ON_ERROR_STOP 0
INSERT INTO hubspot.products (properties) VALUES
  ('{"name": "Good row", "price": "10"}'),
  ('{"name": "Bad price", "price": "ten"}');
\set ON_ERROR_STOP 1
SELECT properties->>'name' AS name, price FROM hubspot.products
  WHERE properties->>'name' IN ('Good row', 'Bad price');

-- prices changed locally: one listing joined with the catalogue, and only the
-- changed prices sent (batch/update)
UPDATE catalog SET price = price * 1.10 WHERE stock = 0;
EXPLAIN (COSTS OFF)
UPDATE hubspot.products p SET price = c.price
  FROM catalog c WHERE c.sku = p.sku AND p.price <> c.price;
UPDATE hubspot.products p SET price = c.price
  FROM catalog c WHERE c.sku = p.sku AND p.price <> c.price;
-- nothing left to change: no write at all
UPDATE hubspot.products SET properties = properties;

-- discontinue the products out of stock: archived, 100 ids per request
DELETE FROM hubspot.products p USING catalog c WHERE c.sku = p.sku AND c.stock = 0;
SELECT count(*) AS live FROM hubspot.products;
SELECT count(*) AS archived FROM hubspot.products WHERE archived;

-- loads that can safely run twice: upsert by a unique property
CREATE FOREIGN TABLE hubspot.products_by_key (
    id          text,
    external_id text,
    name        text,
    price       numeric
) SERVER hubspot OPTIONS (id_property 'external_id');
-- the products created above have no external_id: an upsert would not find them and would
-- create duplicates, so they get their key first
UPDATE hubspot.products p SET properties = p.properties || jsonb_build_object('external_id', 'EXT-' || c.sku)
  FROM catalog c WHERE c.sku = p.sku AND c.stock = 1;
-- two new catalogue entries: the first upsert creates them and updates the 36 keyed products,
-- the second only updates (EXPLAIN ANALYZE runs the statement: "HubSpot Records Created")
INSERT INTO catalog VALUES ('SKU-0251', 'Product 251', 637.49, 1), ('SKU-0252', 'Product 252', 639.99, 1);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO hubspot.products_by_key (external_id, name, price)
  SELECT 'EXT-' || sku, name, price FROM catalog WHERE stock = 1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO hubspot.products_by_key (external_id, name, price)
  SELECT 'EXT-' || sku, name, price FROM catalog WHERE stock = 1;
SELECT count(*) AS upserted_records FROM hubspot.products_by_key WHERE external_id LIKE 'EXT-%';
SELECT count(*) AS live FROM hubspot.products;   -- 217 before the upserts, plus the 2 new: nothing duplicated

-- rows HubSpot rejects can be skipped with a warning instead
ALTER FOREIGN TABLE hubspot.products OPTIONS (ADD on_error 'skip');
UPDATE hubspot.products SET properties = properties || '{"price": "n/a"}' WHERE sku = 'SKU-0001';

-- every CRM object: IMPORT FOREIGN SCHEMA writes the tables from HubSpot's property definitions
-- (one request per object), here deals and line items, and the association table between them
CREATE SCHEMA crm;
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deals, line_items, deal_line_items)
  FROM SERVER hubspot INTO crm OPTIONS (associations 'deals:line_items');
SELECT foreign_table_name AS imported, count(*) AS columns
  FROM information_schema.columns c JOIN information_schema.foreign_tables t
    ON t.foreign_table_schema = c.table_schema AND t.foreign_table_name = c.table_name
  WHERE c.table_schema = 'crm' GROUP BY 1 ORDER BY 1;
-- two deals, and line items for three products (a line item points at its product by
-- hs_product_id, a number property in HubSpot: hence the casts from the text id)
INSERT INTO crm.deals (dealname, dealstage) VALUES ('Acme renewal', 'contractsent'), ('Globex pilot', 'qualifiedtobuy');
INSERT INTO crm.line_items (name, hs_product_id, quantity, price)
  SELECT q.deal || ': ' || c.name, p.id::numeric, q.quantity, p.price
  FROM (VALUES ('Acme renewal', 'SKU-0002', 10), ('Acme renewal', 'SKU-0003', 4),
               ('Globex pilot', 'SKU-0002', 5), ('Globex pilot', 'SKU-0009', 1)) q (deal, sku, quantity)
  JOIN catalog c ON c.sku = q.sku JOIN hubspot.products p ON p.sku = q.sku;
-- associate each line item with its deal: one v4 batch request
INSERT INTO crm.deal_line_items (deal_id, line_item_id)
  SELECT d.id, li.id FROM crm.line_items li JOIN crm.deals d ON li.name LIKE d.dealname || ': %';
-- revenue per product: deals -> line items -> products, joined in PostgreSQL
SELECT p.properties->>'name' AS product, count(DISTINCT d.id) AS deals, sum(li.amount) AS revenue
  FROM crm.deals d
  JOIN crm.deal_line_items dl ON dl.deal_id = d.id
  JOIN crm.line_items li ON li.id = dl.line_item_id
  JOIN hubspot.products p ON p.id = li.hs_product_id::text
  GROUP BY 1 ORDER BY 1;

-- writes that wait for COMMIT: ROLLBACK sends nothing, and a transaction's one-row
-- statements go out together; each statement ends with a summary of what it asked of HubSpot
SET hubspot_fdw.statement_summary = on;
SET hubspot_fdw.write_mode = 'commit';
BEGIN;
INSERT INTO hubspot.products (properties) VALUES ('{"name": "Draft bundle", "hs_sku": "DRAFT-1", "price": "1"}');
ROLLBACK;                      -- nothing was sent
BEGIN;
INSERT INTO hubspot.products (properties) VALUES ('{"name": "Starter bundle", "hs_sku": "BUNDLE-A", "price": "30"}');
INSERT INTO hubspot.products (properties) VALUES ('{"name": "Pro bundle", "hs_sku": "BUNDLE-B", "price": "80"}');
UPDATE hubspot.products SET price = 35 WHERE sku = 'BUNDLE-A';   -- changes the queued create
SELECT id, sku, price FROM hubspot.products WHERE sku LIKE 'BUNDLE-%' ORDER BY sku;   -- provisional ids
COMMIT;                        -- one batch/create with the final values
RESET hubspot_fdw.write_mode;
SELECT id ~ '^[0-9]+$' AS hubspot_id, sku, price FROM hubspot.products WHERE sku LIKE 'BUNDLE-%' ORDER BY sku;

-- a dry run: every check and read, no write; the NOTICE names what would be sent
SET hubspot_fdw.dry_run = on;
UPDATE hubspot.products SET price = price + 1 WHERE sku IN ('SKU-0002', 'SKU-0003', 'BUNDLE-A');
RESET hubspot_fdw.dry_run;
RESET hubspot_fdw.statement_summary;

-- what this session asked of HubSpot, and what HubSpot's headers say is left of the limits
SELECT server_name, user_name, requests, retries, errors, throttled, rows_read, rows_written,
       rate_limit_max, daily_limit, daily_remaining
  FROM hubspot_fdw_usage;
