--
-- associations: association tables (object + to_object) read through v4
-- batch/read, written through batch/create, batch/associate/default and
-- batch/labels/archive; the associations column of object tables; and
-- revenue per product over deals -> line items -> products.
--
CALL emu.reset();
\set VERBOSITY default
-- tables of this file's own, whatever other files left behind
CREATE SCHEMA assoc;
SET search_path = assoc, public;

-- ===================================================================
-- Tables; what CREATE FOREIGN TABLE refuses
-- ===================================================================
CREATE FOREIGN TABLE products (id text, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE deals (id text, dealname text, dealstage text, associations jsonb)
  SERVER hubspot OPTIONS (object 'deals', associations 'line_items,companies');
CREATE FOREIGN TABLE line_items (id text, name text, price numeric, quantity numeric,
                                 amount numeric, hs_product_id text)
  SERVER hubspot OPTIONS (object 'line_items');
CREATE FOREIGN TABLE companies (id text, name text)
  SERVER hubspot OPTIONS (object 'companies');
-- the names IMPORT FOREIGN SCHEMA gives
CREATE FOREIGN TABLE deal_line_items (deal_id text, line_item_id text, type_id integer,
                                      category text, label text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items');
CREATE FOREIGN TABLE line_item_deals (line_item_id text, deal_id text, type_id integer,
                                      category text, label text)
  SERVER hubspot OPTIONS (object 'line_items', to_object 'deals');
-- from_id/to_id, the field option, bigint ids, no label column
CREATE FOREIGN TABLE deal_companies (from_id bigint, company bigint OPTIONS (field 'to_id'),
                                     type_id integer, category text, label text)
  SERVER hubspot OPTIONS (object 'deal', to_object '0-2', on_error 'skip');

\set VERBOSITY terse
CREATE FOREIGN TABLE bad (deal_id text, line_item_id text, note text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items');
CREATE FOREIGN TABLE bad (deal_id text, type_id integer)
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items');
CREATE FOREIGN TABLE bad (deal_id text, line_item_id text, type_id text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items');
CREATE FOREIGN TABLE bad (deal_id text, from_id text, line_item_id text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items');
CREATE FOREIGN TABLE bad (deal_id text, line_item_id text OPTIONS (field 'too'))
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items');
CREATE FOREIGN TABLE bad (deal_id text, line_item_id text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items', id_property 'x');
CREATE FOREIGN TABLE bad (deal_id text, line_item_id text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'line_items', use_search 'false');
CREATE FOREIGN TABLE bad (line_item_id text, product_id text)
  SERVER hubspot OPTIONS (object 'line_items', to_object 'products');
CREATE FOREIGN TABLE bad (id text OPTIONS (field 'from_id'))
  SERVER hubspot OPTIONS (object 'deals');
CREATE FOREIGN TABLE bad (id text) SERVER hubspot OPTIONS (object 'deals', associations '');
ALTER FOREIGN TABLE deal_line_items ADD COLUMN note text;
ALTER FOREIGN TABLE deal_line_items DROP COLUMN line_item_id;
\set VERBOSITY default

-- ===================================================================
-- Records to associate, made through the FDW; names map ids in the output
-- ===================================================================
CREATE TEMP TABLE p AS SELECT 0 AS n, ''::text AS id LIMIT 0;
WITH ins AS (INSERT INTO products (name, price) VALUES ('Widget', 10), ('Gadget', 25), ('Gizmo', 7)
             RETURNING id, name)
INSERT INTO p SELECT row_number() OVER (ORDER BY name), id FROM ins;
CREATE TEMP TABLE pr AS SELECT products.* FROM products JOIN p USING (id);
CREATE TEMP TABLE d AS SELECT 0 AS n, ''::text AS id LIMIT 0;
WITH ins AS (INSERT INTO deals (dealname, dealstage)
             SELECT 'deal ' || g, 'appointmentscheduled' FROM generate_series(1, 4) g
             RETURNING id, dealname)
INSERT INTO d SELECT substr(dealname, 6)::int, id FROM ins;
-- line items: deal n gets items of products, quantity q
CREATE TEMP TABLE l (n int, deal int, product text, price numeric, quantity numeric, id text);
INSERT INTO l VALUES (1, 1, 'Widget', 10, 3, NULL), (2, 1, 'Gadget', 25, 1, NULL),
                     (3, 2, 'Widget', 10, 5, NULL), (4, 2, 'Gizmo', 7, 2, NULL),
                     (5, 3, 'Gadget', 25, 4, NULL);
CREATE TEMP TABLE li_ins AS SELECT 0 AS n, ''::text AS id LIMIT 0;
WITH ins AS (INSERT INTO line_items (name, price, quantity, hs_product_id)
             SELECT 'item ' || l.n, l.price, l.quantity, pr.id FROM l JOIN pr ON pr.name = l.product
             RETURNING id, name)
INSERT INTO li_ins SELECT substr(name, 6)::int, id FROM ins;
UPDATE l SET id = li_ins.id FROM li_ins WHERE li_ins.n = l.n;
CREATE TEMP TABLE c AS SELECT 0 AS n, ''::text AS id LIMIT 0;
WITH ins AS (INSERT INTO companies (name) VALUES ('Acme'), ('Globex') RETURNING id, name)
INSERT INTO c SELECT CASE name WHEN 'Acme' THEN 1 ELSE 2 END, id FROM ins;

-- ===================================================================
-- INSERT: the default type (batch/associate/default), RETURNING
-- ===================================================================
CALL emu.clear_log();
INSERT INTO deal_line_items (deal_id, line_item_id)
  SELECT d.id, l.id FROM l JOIN d ON d.n = l.deal WHERE l.n <= 4;
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests();
-- one row: RETURNING shows the type HubSpot chose
INSERT INTO deal_line_items (deal_id, line_item_id)
  SELECT d.id, l.id FROM l JOIN d ON d.n = l.deal WHERE l.n = 5
  RETURNING deal_id = (SELECT id FROM d WHERE n = 3) AS deal_3, type_id, category, label;

-- ===================================================================
-- SELECT: by from_id (batch/read), IN, full reads (listing + batch/read)
-- ===================================================================
CREATE TEMP VIEW named AS
  SELECT d.n AS deal, l.n AS item, a.type_id, a.category, a.label
    FROM deal_line_items a JOIN d ON d.id = a.deal_id JOIN l ON l.id = a.line_item_id;
CALL emu.clear_log();
SELECT * FROM named WHERE deal = 1 ORDER BY 1, 2;
SELECT * FROM named ORDER BY 1, 2;
SELECT method, path, status, body->'inputs' IS NOT NULL AS has_inputs FROM emu.requests();
CALL emu.clear_log();
SELECT l.n, a.type_id FROM deal_line_items a JOIN l ON l.id = a.line_item_id
 WHERE a.deal_id = (SELECT id FROM d WHERE n = 2) ORDER BY 1;
SELECT count(*) FROM deal_line_items
 WHERE deal_id IN ((SELECT id FROM d WHERE n = 1), (SELECT id FROM d WHERE n = 3));
SELECT count(*) FROM deal_line_items WHERE deal_id = ANY (ARRAY(SELECT id FROM d));
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests();
EXPLAIN (COSTS OFF) SELECT * FROM deal_line_items WHERE deal_id = '1';
EXPLAIN (COSTS OFF) SELECT * FROM deal_line_items;
-- 207 NO_ASSOCIATIONS_FOUND: deal 4 has none; no rows, no error
CALL emu.clear_log();
SELECT * FROM deal_line_items WHERE deal_id = (SELECT id FROM d WHERE n = 4);
SELECT method, path, status FROM emu.requests();
-- the inverse, written by HubSpot
SELECT l.n AS item, dd.n AS deal, a.type_id, a.category
  FROM line_item_deals a JOIN l ON l.id = a.line_item_id JOIN d dd ON dd.id = a.deal_id
 ORDER BY 1;

-- ===================================================================
-- The associations column of an object table (option associations)
-- ===================================================================
SELECT d.n, (SELECT jsonb_agg(l.n ORDER BY l.n) FROM l
              WHERE l.id IN (SELECT jsonb_array_elements_text(x.associations->'line_items'))) AS items,
       x.associations->'companies' AS companies
  FROM deals x JOIN d ON d.id = x.id ORDER BY 1;
-- by id: GET with associations=
SELECT jsonb_array_length(associations->'line_items') AS items FROM deals
 WHERE id = (SELECT id FROM d WHERE n = 1);
-- the column leaves the other columns alone; without the option it reads NULL
CREATE FOREIGN TABLE deals_plain (id text, associations jsonb)
  SERVER hubspot OPTIONS (object 'deals');
SELECT count(*) FILTER (WHERE associations IS NULL) AS nulls FROM deals_plain;
DROP FOREIGN TABLE deals_plain;

-- ===================================================================
-- Revenue per product: deals -> deal_line_items -> line items -> products
-- ===================================================================
SELECT p.name, sum(li.amount) AS revenue
  FROM deals dd
  JOIN deal_line_items dl ON dl.deal_id = dd.id
  JOIN line_items li ON li.id = dl.line_item_id
  JOIN products p ON p.id = li.hs_product_id
 GROUP BY 1 ORDER BY 1;
-- computed here, from what was written
SELECT product AS name, sum(price * quantity) AS revenue FROM l GROUP BY 1 ORDER BY 1;
-- the same through a per-deal batch/read (a join parameter)
ANALYZE d;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (COSTS OFF)
SELECT p.name, sum(li.amount)
  FROM d dd JOIN deal_line_items dl ON dl.deal_id = dd.id
  JOIN line_items li ON li.id = dl.line_item_id
  JOIN products p ON p.id = li.hs_product_id
 GROUP BY 1 ORDER BY 1;
SELECT p.name, sum(li.amount)
  FROM d dd JOIN deal_line_items dl ON dl.deal_id = dd.id
  JOIN line_items li ON li.id = dl.line_item_id
  JOIN products p ON p.id = li.hs_product_id
 GROUP BY 1 ORDER BY 1;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

-- ===================================================================
-- Labelled types: deal -> company primary (5) brings the unlabeled (341)
-- ===================================================================
CALL emu.clear_log();
INSERT INTO deal_companies (from_id, company, type_id)
  SELECT (SELECT id FROM d WHERE n = 1)::bigint, id::bigint, 5 FROM c WHERE n = 1;
INSERT INTO deal_companies (from_id, company)
  SELECT (SELECT id FROM d WHERE n = 1)::bigint, id::bigint FROM c WHERE n = 2;
SELECT method, path, status, body->'inputs'->0->'types' AS types FROM emu.requests();
CREATE TEMP VIEW dc AS
  SELECT c.n AS company, a.type_id, a.category, a.label FROM deal_companies a JOIN c ON c.id::bigint = a.company
   WHERE a.from_id = (SELECT id FROM d WHERE n = 1)::bigint;
SELECT * FROM dc ORDER BY 1, 2;
-- DELETE the label: the unlabeled association stays
CALL emu.clear_log();
DELETE FROM deal_companies WHERE from_id = (SELECT id FROM d WHERE n = 1)::bigint AND type_id = 5;
SELECT method, path, status, body FROM emu.requests() WHERE method = 'POST' AND path LIKE '%archive';
SELECT * FROM dc ORDER BY 1, 2;
-- DELETE the unlabeled type of company 2: HubSpot removes the association
DELETE FROM deal_companies a USING c
 WHERE a.from_id = (SELECT id FROM d WHERE n = 1)::bigint AND c.n = 2 AND a.company = c.id::bigint
   AND a.label IS NULL
RETURNING c.n AS company, a.type_id;
SELECT * FROM dc ORDER BY 1, 2;
-- a label given with a type is HubSpot's to give: RETURNING shows the stored one
INSERT INTO deal_companies (from_id, company, type_id, label)
  SELECT (SELECT id FROM d WHERE n = 1)::bigint, id::bigint, 341, 'Not a label' FROM c WHERE n = 2
  RETURNING type_id, label;
DELETE FROM deal_companies a USING c
 WHERE a.from_id = (SELECT id FROM d WHERE n = 1)::bigint AND c.n = 2 AND a.company = c.id::bigint
RETURNING c.n AS company, a.type_id, a.label;

-- a label of the portal's own (USER_DEFINED): the label, its inverse, and
-- the unlabeled types HubSpot adds; deleting the unlabeled one deletes all
CREATE FOREIGN TABLE contacts (id text, email text) SERVER hubspot OPTIONS (object 'contacts');
CREATE FOREIGN TABLE deal_contacts (deal_id text, contact_id text, type_id integer,
                                    category text, label text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'contacts');
CREATE FOREIGN TABLE contact_deals (contact_id text, deal_id text, type_id integer,
                                    category text, label text)
  SERVER hubspot OPTIONS (object 'contacts', to_object 'deals');
CREATE TEMP TABLE ct AS SELECT 0 AS n, ''::text AS id LIMIT 0;
WITH ins AS (INSERT INTO contacts (email) VALUES ('ada@example.com') RETURNING id)
INSERT INTO ct SELECT 1, id FROM ins;
INSERT INTO deal_contacts (deal_id, contact_id, type_id, category)
  SELECT (SELECT id FROM d WHERE n = 2), id, 1, 'USER_DEFINED' FROM ct
  RETURNING type_id, category, label;
SELECT type_id, category, label FROM deal_contacts
 WHERE deal_id = (SELECT id FROM d WHERE n = 2) ORDER BY 1;
SELECT type_id, category, label FROM contact_deals
 WHERE contact_id = (SELECT id FROM ct) ORDER BY 1;
DELETE FROM deal_contacts
 WHERE deal_id = (SELECT id FROM d WHERE n = 2) AND type_id = 3 AND category = 'HUBSPOT_DEFINED';
SELECT count(*) FROM deal_contacts WHERE deal_id = (SELECT id FROM d WHERE n = 2);
SELECT count(*) FROM contact_deals WHERE contact_id = (SELECT id FROM ct);

-- ===================================================================
-- Rejected rows: ids and types HubSpot does not know
-- ===================================================================
\set VERBOSITY default
-- on_error 'abort' (deal_line_items)
INSERT INTO deal_line_items (deal_id, line_item_id, type_id)
  VALUES ((SELECT id FROM d WHERE n = 4), '999999999', 19);
-- on_error 'skip' (deal_companies): per row, with the ids; the good row is written
INSERT INTO deal_companies (from_id, company, type_id, category)
  VALUES ((SELECT id FROM d WHERE n = 2)::bigint, 999999999, 341, 'HUBSPOT_DEFINED'),
         ((SELECT id FROM d WHERE n = 2)::bigint, (SELECT id FROM c WHERE n = 1)::bigint, 77777, 'USER_DEFINED'),
         ((SELECT id FROM d WHERE n = 2)::bigint, (SELECT id FROM c WHERE n = 2)::bigint, 341, NULL);
SELECT c.n, a.type_id FROM deal_companies a JOIN c ON c.id::bigint = a.company
 WHERE a.from_id = (SELECT id FROM d WHERE n = 2)::bigint ORDER BY 1, 2;
-- HubSpot refusing a batch whole (400) for one row: each row is sent again
-- by itself (writing an association twice is writing it once)
CALL emu.config('{"association_batch_errors": "whole"}');
CALL emu.clear_log();
INSERT INTO deal_companies (from_id, company)
  VALUES ((SELECT id FROM d WHERE n = 3)::bigint, (SELECT id FROM c WHERE n = 1)::bigint),
         ((SELECT id FROM d WHERE n = 3)::bigint, 999999999),
         ((SELECT id FROM d WHERE n = 3)::bigint, (SELECT id FROM c WHERE n = 2)::bigint);
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests();
SELECT c.n, a.type_id FROM deal_companies a JOIN c ON c.id::bigint = a.company
 WHERE a.from_id = (SELECT id FROM d WHERE n = 3)::bigint ORDER BY 1, 2;
CALL emu.config('{"association_batch_errors": "multi_status"}');
-- refused before sending
INSERT INTO deal_line_items (deal_id, line_item_id) VALUES ('12a', '1');
INSERT INTO deal_line_items (deal_id, line_item_id) VALUES (NULL, '1');
INSERT INTO deal_line_items (deal_id, line_item_id, label) VALUES ('1', '1', 'Primary');
INSERT INTO deal_line_items (deal_id, line_item_id, type_id, category) VALUES ('1', '1', 19, 'OTHER');
INSERT INTO deal_line_items (deal_id, line_item_id, type_id) VALUES ('1', '1', -4);
-- UPDATE is refused
UPDATE deal_line_items SET type_id = 20 WHERE deal_id = '1';
INSERT INTO deal_line_items (deal_id, line_item_id) VALUES ('1', '1')
  ON CONFLICT DO NOTHING;

-- ===================================================================
-- 250 rows are 3 v4 batch requests; paging of batch/read
-- ===================================================================
CREATE TEMP TABLE many AS SELECT 0 AS n, ''::text AS id LIMIT 0;
WITH ins AS (INSERT INTO line_items (name, price, quantity, hs_product_id)
             SELECT 'bulk ' || g, 1, 1, (SELECT id FROM pr WHERE name = 'Gizmo')
               FROM generate_series(1, 250) g
             RETURNING id, name)
INSERT INTO many SELECT substr(name, 6)::int, id FROM ins;
CALL emu.clear_log();
INSERT INTO deal_line_items (deal_id, line_item_id, type_id)
  SELECT (SELECT id FROM d WHERE n = 4), id, 19 FROM many;
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs FROM emu.requests();
-- HubSpot's v4 pages of 100 associations: the read follows paging.next.after
CALL emu.config('{"association_page_size": 100}');
CALL emu.clear_log();
SELECT count(*), count(DISTINCT line_item_id) FROM deal_line_items
 WHERE deal_id = (SELECT id FROM d WHERE n = 4);
SELECT method, path, status, body->'inputs'->0 ? 'after' AS with_after FROM emu.requests();
-- the listing's inline lists stop at 100: the column reads the rest through v4
SELECT jsonb_array_length(associations->'line_items') FROM deals
 WHERE id = (SELECT id FROM d WHERE n = 4);
SELECT count(*) FROM deals x, jsonb_array_elements_text(x.associations->'line_items');

-- ===================================================================
-- Custom objects in the associations column: HubSpot keys their inline
-- lists by the fully qualified name (p{portal}_pets), asked for by
-- objectTypeId; every spelling of the option reads them
-- ===================================================================
CREATE FOREIGN TABLE pets (id text, name text) SERVER hubspot OPTIONS (object 'p_pets');
CREATE FOREIGN TABLE deal_pets (deal_id text, pets_id text, type_id integer,
                                category text, label text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'p_pets');
CREATE FOREIGN TABLE pet_deals (from_id text, to_id text, type_id integer, category text, label text)
  SERVER hubspot OPTIONS (object 'P_PETS', to_object 'deals');
CREATE FOREIGN TABLE deals_pets (id text, associations jsonb)
  SERVER hubspot OPTIONS (object 'deals', associations 'pets, P_PETS, 2-90001, companies');
CREATE TEMP TABLE pt AS SELECT 0 AS n, ''::text AS id LIMIT 0;
WITH ins AS (INSERT INTO pets (name) VALUES ('Rex'), ('Tom') RETURNING id, name)
INSERT INTO pt SELECT CASE name WHEN 'Rex' THEN 1 ELSE 2 END, id FROM ins;
-- association tables of custom objects: paths by objectTypeId
CALL emu.clear_log();
INSERT INTO deal_pets (deal_id, pets_id) SELECT (SELECT id FROM d WHERE n = 1), id FROM pt;
SELECT pt.n, a.type_id FROM pet_deals a JOIN pt ON pt.id = a.from_id
 WHERE a.to_id = (SELECT id FROM d WHERE n = 1) ORDER BY 1;
SELECT count(*) FROM deal_pets WHERE deal_id = (SELECT id FROM d WHERE n = 1);
SELECT method, path, query->'associations' AS associations, status FROM emu.requests()
 WHERE path NOT LIKE '%schemas%';
CALL emu.clear_log();
SELECT (SELECT jsonb_agg(pt.n ORDER BY pt.n) FROM pt
         WHERE pt.id IN (SELECT jsonb_array_elements_text(x.associations->k))) AS pets, k
  FROM deals_pets x, unnest(ARRAY['pets', 'P_PETS', '2-90001']) k
 WHERE x.id = (SELECT id FROM d WHERE n = 1) ORDER BY k;
SELECT jsonb_object_keys(associations) FROM deals_pets WHERE id = (SELECT id FROM d WHERE n = 2);
SELECT method, path, query->'associations' AS associations, status FROM emu.requests()
 WHERE path NOT LIKE '%schemas%';
-- the listing, and a pet's own inline deals
SELECT count(*) FILTER (WHERE associations->'pets' = '[]') AS without_pets,
       count(*) FILTER (WHERE jsonb_array_length(associations->'P_PETS') = 2) AS with_two
  FROM deals_pets;
CREATE FOREIGN TABLE pets_deals (id text, associations jsonb)
  SERVER hubspot OPTIONS (object '2-90001', associations 'deal');
SELECT pt.n, x.associations->'deals' = jsonb_build_array((SELECT id FROM d WHERE n = 1)) AS deal_1
  FROM pets_deals x JOIN pt ON pt.id = x.id ORDER BY 1;
-- an object the account does not have
\set VERBOSITY terse
CREATE FOREIGN TABLE deals_cats (id text, associations jsonb)
  SERVER hubspot OPTIONS (object 'deals', associations 'cats');
SELECT associations FROM deals_cats;
SELECT id FROM deals_cats LIMIT 1;
CREATE FOREIGN TABLE deal_cats (deal_id text, cats_id text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'p_cats');
SELECT * FROM deal_cats;
INSERT INTO deal_cats VALUES ('1', '2');
DROP FOREIGN TABLE deal_cats;
\set VERBOSITY default
DROP FOREIGN TABLE pets, deal_pets, pet_deals, deals_pets, pets_deals, deals_cats;

DROP VIEW named, dc;
DROP FOREIGN TABLE products, deals, line_items, companies, deal_line_items, line_item_deals,
  deal_companies, contacts, deal_contacts, contact_deals;
DROP SCHEMA assoc;
RESET search_path;
