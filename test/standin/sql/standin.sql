--
-- standin: hubspot_fdw against an independent HubSpot stand-in
-- (test/standin/server.js), not the project's emulator.  The stand-in sends
-- every response chunked and gzip-compressed, returns empty properties as
-- "" (as HubSpot answers cleared values), shuffles batch results and does not echo objectWriteTraceId on
-- them.  Its request log is read through COPY FROM PROGRAM with node.
--
\getenv standin_url HUBSPOT_STANDIN_URL
SET timezone = 'UTC';

CREATE EXTENSION hubspot_fdw;
CREATE SERVER standin FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'standin_url');
-- test/standin/run.sh starts the stand-in accepting only this token
CREATE USER MAPPING FOR CURRENT_USER SERVER standin
  OPTIONS (access_token 'pat-na1-5e7a4d1e-standin');
CREATE FOREIGN TABLE products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    price       numeric OPTIONS (property 'price')
) SERVER standin OPTIONS (object 'products');

-- Helpers: talk to the stand-in's control endpoints with node (curl may be
-- missing).  One JSON document per line, backslashes doubled for COPY's text
-- format.
CREATE SCHEMA standin;
CREATE TABLE standin.settings (url text);
INSERT INTO standin.settings VALUES (:'standin_url');

CREATE FUNCTION standin.node(script text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  base text;
BEGIN
  SELECT url INTO base FROM standin.settings;
  IF to_regclass('pg_temp.standin_output') IS NULL THEN
    CREATE TEMP TABLE standin_output (line text);
  END IF;
  TRUNCATE standin_output;
  EXECUTE format('COPY standin_output FROM PROGRAM %L',
                 format('node -e %s %s',
                        '''' || script || '''',
                        '''' || base || ''''));
  RETURN QUERY SELECT line FROM standin_output;
END $$;

CREATE PROCEDURE standin.reset() LANGUAGE sql AS $$
  SELECT standin.node(
    'fetch(process.argv[1] + "/_standin/reset", {method: "POST"})'
    ' .then(r => { if (r.status !== 204) process.exit(1); })');
$$;

-- The API requests the stand-in received, oldest first.
CREATE FUNCTION standin.requests()
RETURNS TABLE (seq int, method text, path text, query jsonb, body jsonb, status int, gzip boolean)
LANGUAGE sql AS $$
  SELECT (r->>'seq')::int, r->>'method', r->>'path', r->'query',
         nullif(r->'body', 'null'), (r->>'status')::int, (r->>'gzip')::boolean
  FROM standin.node(
    'fetch(process.argv[1] + "/_standin/requests").then(r => r.json()).then(a => {'
    ' for (const x of a) console.log(JSON.stringify(x)'
    '   .replaceAll(String.fromCharCode(92), String.fromCharCode(92, 92))); })') AS line,
       LATERAL (SELECT line::jsonb) AS j(r)
  ORDER BY 1
$$;

CALL standin.reset();

--
-- INSERT ... SELECT of 150 rows: two batch/create requests of 100 and 50.
-- Every 50th row has no price (a JSON null leaves the property out), every
-- 10th has a description.
--
INSERT INTO products (properties)
  SELECT jsonb_build_object(
           'name', 'Product ' || i,
           'price', CASE WHEN i % 50 = 0 THEN NULL ELSE i * 2.5 END,
           'hs_sku', 'SKU-' || lpad(i::text, 4, '0'),
           'description', CASE WHEN i % 10 = 1 THEN 'Described product ' || i END)
  FROM generate_series(1, 150) i;

-- the catalogue once, then the two batches; every answer came gzip-compressed
SELECT seq, method, path, query, status, gzip,
       jsonb_array_length(body->'inputs') AS inputs
  FROM standin.requests() ORDER BY seq;
-- each input carries its row number as objectWriteTraceId
SELECT r.seq, min((x->>'objectWriteTraceId')::int) AS first_trace_id,
       max((x->>'objectWriteTraceId')::int) AS last_trace_id
  FROM standin.requests() r, jsonb_array_elements(r.body->'inputs') x
  WHERE r.path = '/crm/v3/objects/products/batch/create'
  GROUP BY r.seq ORDER BY r.seq;
SELECT array_agg((t.x->>'objectWriteTraceId')::int ORDER BY r.seq, t.ord)
         = array(SELECT generate_series(1, 150)) AS trace_ids_are_row_numbers
  FROM standin.requests() r, jsonb_array_elements(r.body->'inputs') WITH ORDINALITY AS t(x, ord)
  WHERE r.path = '/crm/v3/objects/products/batch/create';
-- property values go as strings; a null value is left out
SELECT body->'inputs'->0 AS row_1, body->'inputs'->49 AS row_50
  FROM standin.requests() WHERE seq = 2;
SELECT count(*) AS values_sent,
       count(*) FILTER (WHERE jsonb_typeof(p.value) <> 'string') AS not_strings
  FROM standin.requests() r, jsonb_array_elements(r.body->'inputs') x,
       jsonb_each(x->'properties') p
  WHERE r.path = '/crm/v3/objects/products/batch/create';

--
-- Reading back.  The stand-in returns properties without a value as "":
-- they must read as missing keys and as NULL typed columns.
--
SELECT max(seq) AS mark FROM standin.requests() \gset
SELECT count(*) FROM products;
SELECT id, properties, created_at, updated_at, archived, price
  FROM products ORDER BY id LIMIT 3;
SELECT id, properties, price
  FROM products WHERE id IN ('512000000011', '512000000050') ORDER BY id;
SELECT count(*) AS rows, count(price) AS priced, sum(price) AS total_price,
       count(*) FILTER (WHERE properties ? 'description') AS described,
       count(*) FILTER (WHERE properties ? 'price') AS with_price_key,
       count(*) FILTER (WHERE EXISTS (SELECT FROM jsonb_each(properties) e
                                      WHERE jsonb_typeof(e.value) = 'null')) AS with_json_null,
       count(DISTINCT id) AS distinct_ids,
       min(id) AS min_id, max(id) AS max_id
  FROM products;
-- a typed column alone
SELECT sum(price) AS total_price FROM products;

-- every scan pages with limit=100 and follows paging.next.after; the
-- catalogue was read once (at the INSERT) and not again
SELECT seq, method, path, query - 'properties' AS query, status, gzip
  FROM standin.requests() WHERE seq > :mark ORDER BY seq;
-- what each scan asked for: every catalogue property when the properties
-- column is read, just price for the typed column alone
SELECT seq, (SELECT string_agg(p, ',' ORDER BY p)
             FROM unnest(string_to_array(query->>'properties', ',')) p) AS properties
  FROM standin.requests() WHERE seq > :mark ORDER BY seq;
SELECT count(*) AS catalogue_reads FROM standin.requests()
  WHERE path = '/crm/v3/properties/products';

-- LIMIT stops the paging after the first page
SELECT max(seq) AS mark FROM standin.requests() \gset
SELECT id, properties->>'name' AS name FROM products LIMIT 3;
SELECT count(*) AS requests FROM standin.requests() WHERE seq > :mark;

--
-- INSERT ... RETURNING: one create per row; RETURNING sees what HubSpot
-- stored (its 201 answer carries description: null).
--
SELECT max(seq) AS mark FROM standin.requests() \gset
INSERT INTO products (properties, price)
  VALUES ('{"name": "Returned", "hs_sku": "RET-1"}', 12.34)
  RETURNING id, properties, price, created_at, updated_at, archived;
SELECT seq, method, path, status, gzip, body
  FROM standin.requests() WHERE seq > :mark ORDER BY seq;

--
-- A batch with rows HubSpot rejects: 207 Multi-Status, one error per bad row
-- (context.objectWriteTraceId), the good rows created anyway.
--
SELECT max(seq) AS mark FROM standin.requests() \gset
INSERT INTO products (properties) VALUES
  ('{"name": "Good 1", "price": "5"}'),
  ('{"name": "Bad 1", "price": "five"}'),
  ('{"name": "Good 2", "price": "7.25"}'),
  ('{"name": "Bad 2", "price": "1,5"}');
SELECT seq, method, path, status, gzip,
       jsonb_path_query_array(body, '$.inputs[*].objectWriteTraceId') AS trace_ids
  FROM standin.requests() WHERE seq > :mark ORDER BY seq;
-- HubSpot's writes are not transactional: the two good rows exist
SELECT id, properties->>'name' AS name, price
  FROM products WHERE id > '512000000151' ORDER BY id;
SELECT count(*) FROM products;

--
-- UPDATE: batch/update carrying only the changed property.  The stand-in
-- shuffles results, echoes no objectWriteTraceId, and answers only the
-- written properties: rows are matched by id.
--
SELECT max(seq) AS mark FROM standin.requests() \gset
UPDATE products SET price = price + 1
 WHERE id IN ('512000000001', '512000000002', '512000000003');
SELECT seq, method, path, status, body->'inputs' AS inputs
  FROM standin.requests() WHERE seq > :mark AND method = 'POST' ORDER BY seq;
SELECT id, price, properties->>'name' AS name FROM products
 WHERE id IN ('512000000001', '512000000002', '512000000003') ORDER BY id;

-- nothing changed: no write
SELECT max(seq) AS mark FROM standin.requests() \gset
UPDATE products SET properties = properties WHERE id IN ('512000000001', '512000000002');
SELECT count(*) AS writes FROM standin.requests()
 WHERE seq > :mark AND path <> '/crm/v3/objects/products/batch/read';

-- a record archived behind the statement's back: the stand-in names it by
-- id only (no trace id), and the error still names its row
CREATE FOREIGN TABLE products_behind (id text) SERVER standin;
CREATE FUNCTION archive_behind(victim text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM products_behind WHERE id = victim;
  RETURN true;
END $$;
UPDATE products SET price = 1
 WHERE id IN ('512000000004', '512000000005') AND (id <> '512000000005' OR archive_behind(id));
SELECT id, price FROM products WHERE id IN ('512000000004', '512000000005') ORDER BY id;

-- RETURNING: one PATCH; the stand-in answers only the written property,
-- RETURNING still shows the whole row, with HubSpot's new updated_at
SELECT max(seq) AS mark FROM standin.requests() \gset
UPDATE products SET price = 99 WHERE id = '512000000006'
  RETURNING id, price, properties->>'name' AS name, properties->>'hs_sku' AS sku,
            properties->>'price' AS stored_price, updated_at > created_at AS newer;
SELECT seq, method, path, status, body
  FROM standin.requests() WHERE seq > :mark ORDER BY seq;

--
-- DELETE: batch/archive (204, no body); archived records listed with
-- WHERE archived
--
SELECT max(seq) AS mark FROM standin.requests() \gset
DELETE FROM products WHERE id IN ('512000000007', '512000000008');
SELECT seq, method, path, status, body FROM standin.requests()
 WHERE seq > :mark AND method = 'POST' AND path LIKE '%archive' ORDER BY seq;
SELECT id, archived FROM products WHERE archived ORDER BY id;
SELECT count(*) FROM products WHERE id IN ('512000000007', '512000000008');

--
-- Upsert by the unique external_id: run twice, one record per key.  The
-- stand-in returns upsert results shuffled and without trace ids.
--
CREATE FOREIGN TABLE keyed (
    id          text,
    properties  jsonb,
    external_id text,
    price       numeric
) SERVER standin OPTIONS (id_property 'external_id');
INSERT INTO keyed (external_id, price) SELECT 'K-' || i, i FROM generate_series(1, 5) i;
INSERT INTO keyed (external_id, price) SELECT 'K-' || i, i * 100 FROM generate_series(1, 5) i;
SELECT external_id, price FROM keyed WHERE external_id IS NOT NULL ORDER BY external_id;
-- a rejected row: its trace id names it
INSERT INTO keyed (external_id, properties) VALUES ('K-6', '{"price": "6"}'), ('K-7', '{"price": "seven"}');
SELECT external_id, price FROM keyed WHERE external_id IN ('K-6', 'K-7');
ALTER FOREIGN TABLE keyed OPTIONS (ADD on_error 'skip');
INSERT INTO keyed (external_id, properties) VALUES ('K-8', '{"price": "8"}'), ('K-9', '{"price": "nine"}');
SELECT external_id, price FROM keyed WHERE external_id IN ('K-8', 'K-9');

--
-- "" is no value in every typed column, on every read path
--
CREATE FOREIGN TABLE typed (
    id          text,
    properties  jsonb,
    name        text,
    description text,
    price       numeric,
    price_f     float8 OPTIONS (property 'price'),
    created     date OPTIONS (property 'createdate'),
    skus        text[] OPTIONS (property 'hs_sku')
) SERVER standin OPTIONS (object 'products');
INSERT INTO typed (name) VALUES ('empty one')
  RETURNING name, description, price, price_f, skus, properties ? 'description' AS has_description;
SELECT id AS empty_id FROM typed WHERE name = 'empty one' \gset
SELECT name, description, price, price_f, skus, properties ? 'price' AS has_price
  FROM typed WHERE id = :'empty_id';
SELECT name, description, price, price_f, skus, properties ? 'price' AS has_price
  FROM typed WHERE id IN (:'empty_id', '1');
-- clearing what is already empty sends nothing
SELECT max(seq) AS mark FROM standin.requests() \gset
UPDATE typed SET price = NULL, skus = NULL WHERE id = :'empty_id';
SELECT count(*) AS writes FROM standin.requests() WHERE seq > :mark AND method <> 'GET';

--
-- Numbers go as plain decimals, which HubSpot (and the stand-in) require
--
SELECT max(seq) AS mark FROM standin.requests() \gset
INSERT INTO typed (name, price_f) VALUES ('tiny', 0.00001), ('huge', 1e15);
SELECT x->'properties' AS sent
  FROM standin.requests() r, jsonb_array_elements(r.body->'inputs') x
 WHERE seq > :mark AND r.path = '/crm/v3/objects/products/batch/create'
 ORDER BY x->>'objectWriteTraceId';
SELECT name, price, price_f FROM typed WHERE name IN ('tiny', 'huge') ORDER BY price;
INSERT INTO typed (properties) VALUES ('{"name": "exponent", "price": "1e-05"}');

--
-- A statement does not see its own creates: INSERT ... SELECT from the same
-- object copies each record once, across list pages
--
SELECT count(*) AS before FROM products \gset
INSERT INTO products (properties)
  SELECT jsonb_build_object('name', 'copy of ' || coalesce(properties->>'name', '?')) FROM products;
SELECT count(*) - :before AS created, :before AS copied FROM products;

--
-- A foreign table as a partition: a routed INSERT in a new session uses the
-- current user's mapping
--
CREATE TABLE catalogue (id text, properties jsonb, name text) PARTITION BY LIST (name);
CREATE FOREIGN TABLE catalogue_standin PARTITION OF catalogue FOR VALUES IN ('routed')
  SERVER standin OPTIONS (object 'products');
CREATE TABLE catalogue_local PARTITION OF catalogue DEFAULT;
\c -
SET timezone = 'UTC';
INSERT INTO catalogue (properties, name) VALUES ('{"description": "via the parent"}', 'routed'), (NULL, 'local');
SELECT name, properties->>'description' AS description FROM catalogue
 WHERE name IN ('routed', 'local') ORDER BY name;
INSERT INTO catalogue (name) VALUES ('routed') ON CONFLICT DO NOTHING;
DROP TABLE catalogue;

--
-- A token the stand-in does not accept: 401 INVALID_AUTHENTICATION
--
ALTER USER MAPPING FOR CURRENT_USER SERVER standin
  OPTIONS (SET access_token 'pat-na1-not-the-right-one');
\set VERBOSITY terse
SELECT count(*) FROM products;
\set VERBOSITY default
ALTER USER MAPPING FOR CURRENT_USER SERVER standin
  OPTIONS (SET access_token 'pat-na1-5e7a4d1e-standin');
SELECT count(*) FROM products;

-- the whole conversation: every status, and every response compressed
SELECT method, path, status, gzip, count(*)
  FROM standin.requests() GROUP BY 1, 2, 3, 4 ORDER BY 2, 1, 3, 4;
