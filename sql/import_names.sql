--
-- import_names: IMPORT FOREIGN SCHEMA names every column and table so that
-- PostgreSQL takes them, whatever names HubSpot's properties and custom
-- objects have
--
CALL emu.reset();
CREATE SCHEMA hsn;
CREATE FUNCTION hsn_columns(t regclass)
RETURNS TABLE (col name, type text, options text[]) LANGUAGE sql AS $$
  SELECT attname, format_type(atttypid, atttypmod), attfdwoptions
    FROM pg_attribute WHERE attrelid = t AND attnum > 0 AND NOT attisdropped ORDER BY attnum
$$;

-- properties named like PostgreSQL's system columns, which no table may have
SELECT emu.ctl('properties', '{"object": "tickets", "properties": [
  {"name": "xmin", "type": "string"}, {"name": "ctid", "type": "number"},
  {"name": "tableoid", "type": "string"}, {"name": "cmax_2", "type": "string"}]}') - 'total';
CALL emu.fault('{"method": "GET", "path": "/crm/v3/properties/deals", "status": 200, "body": {"results": [
  {"name": "CMAX", "type": "string", "fieldType": "text"},
  {"name": "Xmax", "type": "number", "fieldType": "number"},
  {"name": "cmin", "type": "bool", "fieldType": "booleancheckbox"}]}}');
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (tickets, deals) FROM SERVER hubspot INTO hsn;
SELECT * FROM hsn_columns('hsn.tickets')
 WHERE options IS NOT NULL OR col ~ '^(xmin|ctid|tableoid|cmax)';
SELECT * FROM hsn_columns('hsn.deals') WHERE col NOT IN ('id', 'properties', 'created_at', 'updated_at', 'archived');
-- the columns read their properties
SELECT emu.seed('{"object": "tickets", "objects": [{"properties": {"subject": "s", "hs_pipeline": "0",
  "hs_pipeline_stage": "1", "xmin": "low", "ctid": "7", "tableoid": "t"}}]}') IS NOT NULL AS seeded;
SELECT xmin_2, ctid_2, tableoid_2 FROM hsn.tickets;

-- a custom object named like a standard object's table gets its fully
-- qualified name; LIMIT TO takes both
CALL emu.clear_log();
CALL emu.fault('{"method": "GET", "path": "/crm/v3/schemas", "status": 200, "body": {"results": [
  {"objectTypeId": "2-501", "name": "contacts", "fullyQualifiedName": "p77_contacts"},
  {"objectTypeId": "2-502", "name": "pets", "fullyQualifiedName": "p77_pets"}]}}');
CALL emu.fault('{"method": "GET", "path": "/crm/v3/properties/2-501", "status": 200, "body": {"results": [
  {"name": "nickname", "type": "string", "fieldType": "text"}]}}');
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts, p77_contacts) FROM SERVER hubspot INTO hsn
  OPTIONS (typed_columns 'false');
SELECT c.relname, ft.ftoptions FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'hsn'::regnamespace AND c.relname LIKE '%contacts' ORDER BY 1;
SELECT method, path, status FROM emu.requests() ORDER BY seq;

-- the "associations" option trims spaces around ':' as around ','
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deal_line_items) FROM SERVER hubspot INTO hsn
  OPTIONS (associations ' deals : line_items ');
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'hsn.deal_line_items'::regclass;
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deal_line_items) FROM SERVER hubspot INTO hsn
  OPTIONS (associations 'deals: ');

-- custom objects whose names are alike in their first 63 bytes get tables
-- of names PostgreSQL keeps apart, which LIMIT TO takes
CALL emu.fault('{"method": "GET", "path": "/crm/v3/schemas", "status": 200, "body": {"results": [
  {"objectTypeId": "2-601", "name": "a_custom_object_with_a_very_long_name_that_goes_past_sixty_three_bytes_one", "fullyQualifiedName": "p77_a_custom_object_with_a_very_long_name_that_goes_past_sixty_three_bytes_one"},
  {"objectTypeId": "2-602", "name": "a_custom_object_with_a_very_long_name_that_goes_past_sixty_three_bytes_two", "fullyQualifiedName": "p77_a_custom_object_with_a_very_long_name_that_goes_past_sixty_three_bytes_two"},
  {"objectTypeId": "2-603", "name": "a_custom_object_with_a_very_long_name_that_goes_past_sixty_three_bytes_three", "fullyQualifiedName": "p77_a_custom_object_with_a_very_long_name_that_goes_past_sixty_three_bytes_three"}]}}');
CALL emu.fault('{"method": "GET", "path": "/crm/v3/properties/2-601", "status": 200, "body": {"results": []}}');
CALL emu.fault('{"method": "GET", "path": "/crm/v3/properties/2-602", "status": 200, "body": {"results": []}}');
CALL emu.fault('{"method": "GET", "path": "/crm/v3/properties/2-603", "status": 200, "body": {"results": []}}');
CREATE SCHEMA hsl;
IMPORT FOREIGN SCHEMA hubspot
  LIMIT TO (a_custom_object_with_a_very_long_name_that_goes_past_sixty_three_bytes_one,
            p77_a_custom_object_with_a_very_long_name_that_goes_past_sixty_three_bytes_two,
            "a_custom_object_with_a_very_long_name_that_goes_past_sixt_2-603")
  FROM SERVER hubspot INTO hsl;
SELECT c.relname, ft.ftoptions FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'hsl'::regnamespace ORDER BY 1;

SET client_min_messages = warning;
DROP SCHEMA hsl CASCADE;
DROP SCHEMA hsn CASCADE;
RESET client_min_messages;
DROP FUNCTION hsn_columns(regclass);
