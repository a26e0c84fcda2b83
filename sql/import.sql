--
-- import: IMPORT FOREIGN SCHEMA makes typed foreign tables from HubSpot's
-- property catalogues; hubspot_fdw_properties() lists them
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CALL emu.reset();

-- the columns of a foreign table: name, type, options
CREATE FUNCTION imp_columns(t regclass)
RETURNS TABLE (col name, type text, options text[]) LANGUAGE sql AS $$
  SELECT attname, format_type(atttypid, atttypmod), attfdwoptions
    FROM pg_attribute WHERE attrelid = t AND attnum > 0 AND NOT attisdropped ORDER BY attnum
$$;
-- the foreign tables of a schema, with their options and column counts
CREATE FUNCTION imp_tables(s text)
RETURNS TABLE (tab name, options text[], columns bigint, renamed bigint) LANGUAGE sql AS $$
  SELECT c.relname, ft.ftoptions, count(a.*),
         count(a.*) FILTER (WHERE a.attfdwoptions IS NOT NULL)
    FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
   WHERE n.nspname = s GROUP BY 1, 2 ORDER BY 1
$$;
-- the requests the emulator received since the last clear, in order
CREATE FUNCTION imp_requests() RETURNS TABLE (method text, path text, status int)
LANGUAGE sql AS $$ SELECT method, path, status FROM emu.requests() ORDER BY seq $$;

CREATE SCHEMA hs;

-- mistakes found before any request
IMPORT FOREIGN SCHEMA public FROM SERVER hubspot INTO hs;
\echo :LAST_ERROR_SQLSTATE
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs OPTIONS (typed_column 'false');
\echo :LAST_ERROR_SQLSTATE
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs OPTIONS (typed_columns 'no way');
\echo :LAST_ERROR_SQLSTATE
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs OPTIONS (include_hidden '');
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs OPTIONS (include_calculated 'maybe');
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs OPTIONS (property_groups 'a,,b');
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs OPTIONS (associations 'deals');
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs OPTIONS (associations 'deals:contacts:companies');
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts)
  FROM SERVER hubspot INTO hs OPTIONS (associations 'line_items:products');
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts)
  FROM SERVER hubspot INTO hs OPTIONS (associations 'deals:contacts,deal:contact');
SELECT count(*) AS requests FROM imp_requests();
-- a name that is no standard object may be a custom one: the schemas tell
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts)
  FROM SERVER hubspot INTO hs OPTIONS (associations 'deals:widgets');
-- LIMIT TO and EXCEPT take the table names IMPORT makes
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts, contact) FROM SERVER hubspot INTO hs;
\echo :LAST_ERROR_SQLSTATE
IMPORT FOREIGN SCHEMA hubspot EXCEPT (dealz) FROM SERVER hubspot INTO hs;
SELECT * FROM imp_requests();
SELECT count(*) AS tables FROM imp_tables('hs');

-- the whole portal: the schemas, then one properties request per object
CALL emu.clear_log();
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs;
SELECT * FROM imp_requests();
SELECT * FROM imp_tables('hs');

-- every HubSpot type and field type, and the column type it became
SELECT p.type, p.field_type, c.type AS column_type, count(*)
  FROM hubspot_fdw_properties('hubspot', 'contacts') p
  JOIN imp_columns('hs.contacts') c
    ON p.name = coalesce(substring(c.options[1] FROM '^property=(.*)$'), c.col)
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- every non-hidden property has a column, and hidden ones none
SELECT count(*) FILTER (WHERE NOT hidden) AS visible, count(*) FILTER (WHERE hidden) AS hidden
  FROM hubspot_fdw_properties('hubspot', 'contacts');
SELECT count(*) - 5 AS typed_columns FROM imp_columns('hs.contacts');
SELECT col FROM imp_columns('hs.contacts')
 WHERE col IN ('hs_calculated_phone_number', 'hs_internal_sync_state', 'num_associated_deals');
-- names PostgreSQL cannot take as they are: the property option keeps HubSpot's
SELECT * FROM imp_columns('hs.contacts') WHERE options IS NOT NULL;
SELECT * FROM imp_columns('hs.contacts') LIMIT 12;
SELECT * FROM imp_columns('hs.pets');
\d hs.deals

-- names that collide: with the fixed columns, and after truncation
CALL emu.clear_log();
SELECT emu.ctl('properties', '{"object": "tickets", "properties": [
  {"name": "id", "type": "string"}, {"name": "archived", "type": "bool"},
  {"name": "archived_2", "type": "string"}, {"name": "properties_with_history", "type": "number"},
  {"name": "associations", "type": "string"},
  {"name": "a_very_long_property_name_that_goes_on_and_on_past_sixty_three_bytes_one", "type": "date"},
  {"name": "a_very_long_property_name_that_goes_on_and_on_past_sixty_three_bytes_two", "type": "datetime"},
  {"name": "a_very_long_property_name_that_goes_on_and_on_past_sixty_three_bytes_three", "type": "number"}]}') - 'total';
DROP FOREIGN TABLE hs.tickets;
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (tickets) FROM SERVER hubspot INTO hs;
SELECT * FROM imp_requests();
SELECT * FROM imp_columns('hs.tickets') WHERE options IS NOT NULL OR col LIKE 'archived%';

-- reading and writing through imported tables
CALL emu.clear_log();
INSERT INTO hs.contacts (email, firstname, lastname, lifecyclestage, date_of_birth,
                         hs_email_optout, legacy_crm_id, hs_buying_role)
VALUES ('ann@example.com', 'Ann', 'Lee', 'lead', '1990-01-02', false, 'L-1',
        '{CHAMPION,END_USER}'),
       ('bo@example.com', 'Bo', NULL, 'customer', NULL, true, NULL, NULL);
SELECT method, path, status, jsonb_pretty(body) FROM emu.requests() ORDER BY seq;
-- the wide read: every typed column of ~400 properties
CALL emu.clear_log();
SELECT email, firstname, lastname, lifecyclestage, date_of_birth, hs_email_optout,
       legacy_crm_id, hs_buying_role, createdate = created_at AS createdate_is_created_at,
       properties->>'Legacy_CRM_ID' AS legacy_in_properties
  FROM (SELECT * FROM hs.contacts) c ORDER BY email;
SELECT method, path, status FROM emu.requests() ORDER BY seq;
UPDATE hs.contacts SET legacy_crm_id = 'L-2', hs_buying_role = '{INFLUENCER}'
 WHERE email = 'bo@example.com';
SELECT email, legacy_crm_id, hs_buying_role FROM hs.contacts ORDER BY email;
-- read-only properties are refused before anything is sent
INSERT INTO hs.contacts (email, num_associated_deals) VALUES ('cy@example.com', 3);
INSERT INTO hs.pets (name, species, weight, adopted) VALUES ('Rex', 'dog', 12.5, true)
  RETURNING name, species, weight, adopted;

-- the options
CREATE SCHEMA hs_plain;
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts, products)
  FROM SERVER hubspot INTO hs_plain OPTIONS (typed_columns 'false');
SELECT * FROM imp_tables('hs_plain');
SELECT count(*) FROM hs_plain.contacts;
CREATE SCHEMA hs_hidden;
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts)
  FROM SERVER hubspot INTO hs_hidden OPTIONS (include_hidden 'on', include_calculated 'off');
SELECT count(*) - 5 AS typed_columns FROM imp_columns('hs_hidden.contacts');
SELECT col FROM imp_columns('hs_hidden.contacts')
 WHERE col IN ('hs_calculated_phone_number', 'hs_internal_sync_state', 'num_associated_deals');
CREATE SCHEMA hs_groups;
CALL emu.clear_log();
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts, deals)
  FROM SERVER hubspot INTO hs_groups
  OPTIONS (property_groups 'sales_properties, deal_information,no_such_group');
SELECT * FROM imp_requests();
SELECT * FROM imp_tables('hs_groups');
SELECT * FROM imp_columns('hs_groups.contacts');

-- a token without a scope: the objects it guards are skipped with a NOTICE
CREATE SCHEMA hs_scoped;
SELECT emu.ctl('scopes', '{"token": "pat-test-token", "scopes": ["crm.objects.companies.read",
  "crm.objects.deals.read", "crm.objects.products.read", "crm.objects.line_items.read",
  "crm.objects.quotes.read", "tickets"]}') IS NOT NULL AS scoped;
CALL emu.clear_log();
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hs_scoped;
SELECT * FROM imp_requests();
SELECT tab FROM imp_tables('hs_scoped');
SELECT name FROM hubspot_fdw_properties('hubspot', 'contacts');
\echo :LAST_ERROR_SQLSTATE
SELECT emu.ctl('scopes', '{"token": "pat-test-token", "scopes": null}') IS NOT NULL AS unscoped;

-- refreshing a table after a property was added in HubSpot
SELECT emu.ctl('properties', '{"object": "contacts", "properties": [
  {"name": "favourite_colour", "type": "enumeration", "fieldType": "select",
   "options": ["red", "green"], "groupName": "contactinformation"}]}') - 'total';
SELECT favourite_colour FROM hs.contacts;
SELECT properties->>'favourite_colour' FROM hs.contacts LIMIT 1;
CALL emu.clear_log();
BEGIN;
DROP FOREIGN TABLE hs.contacts;
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO hs;
COMMIT;
SELECT * FROM imp_requests();
UPDATE hs.contacts SET favourite_colour = 'green' WHERE email = 'ann@example.com';
SELECT email, favourite_colour FROM hs.contacts ORDER BY email;
-- an existing table is PostgreSQL's error, and nothing is created
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts, products) FROM SERVER hubspot INTO hs_plain;

-- hubspot_fdw_properties()
CALL emu.clear_log();
SELECT * FROM hubspot_fdw_properties('hubspot', 'products') WHERE name LIKE 'hs_s%' OR name IN ('price', 'sales_channels');
SELECT * FROM imp_requests();
SELECT name, type, field_type, options FROM hubspot_fdw_properties('hubspot', '0-1')
 WHERE name IN ('lifecyclestage', 'Legacy_CRM_ID', 'hs_buying_role');
SELECT group_name, count(*), count(*) FILTER (WHERE read_only) AS read_only,
       count(*) FILTER (WHERE calculated) AS calculated, count(*) FILTER (WHERE is_unique) AS is_unique
  FROM hubspot_fdw_properties('hubspot', 'contact') GROUP BY 1 ORDER BY 1;
SELECT name, type, read_only FROM hubspot_fdw_properties('hubspot', '2-90001');
SELECT count(*) FROM hubspot_fdw_properties('hubspot', 'p_pets');
SELECT * FROM hubspot_fdw_properties('hubspot', 'widgets');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hubspot_fdw_properties('hubspot', 'p_dragons');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hubspot_fdw_properties('no_such_server', 'contacts');
CREATE FOREIGN DATA WRAPPER other_fdw;
CREATE SERVER other FOREIGN DATA WRAPPER other_fdw;
SELECT * FROM hubspot_fdw_properties('other', 'contacts');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER unmapped FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emulator_url');
SELECT * FROM hubspot_fdw_properties('unmapped', 'contacts');
IMPORT FOREIGN SCHEMA hubspot FROM SERVER unmapped INTO hs;
DROP SERVER unmapped;
DROP SERVER other;
DROP FOREIGN DATA WRAPPER other_fdw;

-- association tables
CREATE SCHEMA hs_assoc;
CALL emu.clear_log();
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deal_line_items, deal_contacts, company_companies)
  FROM SERVER hubspot INTO hs_assoc
  OPTIONS (associations 'deals:line_items, deal:0-1, companies:companies');
SELECT * FROM imp_requests();
-- custom objects: pairs by name, objectTypeId or p_name; the schemas are read
CALL emu.clear_log();
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deal_pets, pets_contacts)
  FROM SERVER hubspot INTO hs_assoc
  OPTIONS (associations 'deals:p_pets, 2-90001:contacts, pets:companies');
SELECT * FROM imp_requests();
SELECT * FROM imp_tables('hs_assoc');
\d hs_assoc.deal_line_items
\d hs_assoc.company_companies
\d hs_assoc.pets_contacts
-- the imported tables together: revenue per product
INSERT INTO hs.products (name, price) VALUES ('Gadget', 25), ('Widget', 10);
INSERT INTO hs.deals (dealname, dealstage) VALUES ('Big deal', 'appointmentscheduled');
INSERT INTO hs.line_items (name, hs_product_id, quantity, price)
  SELECT p.name, p.hs_object_id, q, p.price FROM hs.products p, generate_series(1, 2) q;
CALL emu.clear_log();
INSERT INTO hs_assoc.deal_line_items (deal_id, line_item_id)
  SELECT d.id, li.id FROM hs.deals d, hs.line_items li;
SELECT method, path, status FROM emu.requests() WHERE path LIKE '/crm/v4/%' ORDER BY seq;
SELECT p.name, sum(li.amount) AS revenue, count(*) AS line_items
  FROM hs.deals d
  JOIN hs_assoc.deal_line_items dl ON dl.deal_id = d.id
  JOIN hs.line_items li ON li.id = dl.line_item_id
  JOIN hs.products p ON p.hs_object_id = li.hs_product_id
 GROUP BY 1 ORDER BY 1;

SET client_min_messages = warning;
DROP SCHEMA hs, hs_plain, hs_hidden, hs_groups, hs_scoped, hs_assoc CASCADE;
DROP FUNCTION imp_columns, imp_tables, imp_requests;
RESET client_min_messages;
