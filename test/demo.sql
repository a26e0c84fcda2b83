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
