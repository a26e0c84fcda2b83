--
-- objects: every CRM object of the emulated portal through one read/write
-- suite (the standard objects of hubspot_fdw's registry and the custom object
-- pets), generated from hubspot_fdw_objects(); then custom objects by each of
-- their names, and what is particular to contacts (unique email, upsert by
-- email, hundreds of properties).
--
CALL emu.reset();

-- The registry, and the custom objects of the account (the schemas API)
SELECT name, type_id, fully_qualified_name, custom, read_scope, write_scope,
       created_property, modified_property, unique_property, required, associable
  FROM hubspot_fdw_objects('hubspot');
SELECT method, path, query FROM emu.requests();

-- ============================================================
-- The same suite for every object
-- ============================================================

-- A value for each required property of the registry's objects (an object
-- whose required property has none here fails the suite)
CREATE TEMP TABLE sample_values (property text PRIMARY KEY, value text);
INSERT INTO sample_values VALUES
  ('dealname', 'Deal'), ('dealstage', 'appointmentscheduled'),
  ('subject', 'Ticket'), ('hs_pipeline', '0'), ('hs_pipeline_stage', '1'),
  ('hs_title', 'Quote'), ('hs_expiration_date', '2026-03-01T00:00:00.000Z'),
  ('hs_timestamp', '2026-01-15T09:00:00.000Z'), ('hs_email_direction', 'EMAIL'),
  ('name', 'Rex');

CREATE TEMP TABLE suite_log (seq serial, object text, step text, result text);

-- The requests since the last clear_log, as "METHOD path (n inputs)"
CREATE FUNCTION logged_requests() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(method || ' ' || path ||
                    CASE WHEN body ? 'inputs'
                         THEN ' (' || jsonb_array_length(body->'inputs') || ')' ELSE '' END,
                    ', ' ORDER BY seq)
    FROM emu.requests()
$$;

-- Every scope of the registry but one: the token's scopes for the 403 cases
CREATE FUNCTION scopes_without(missing text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('token', 'pat-test-token', 'scopes',
           jsonb_agg(DISTINCT s) FILTER (WHERE s <> missing) || '["crm.schemas.custom.read"]')
    FROM hubspot_fdw_objects('hubspot'), LATERAL unnest(ARRAY[read_scope, write_scope]) s
$$;

CREATE PROCEDURE note(obj text, step text, result text) LANGUAGE sql AS $$
  INSERT INTO suite_log (object, step, result) VALUES (obj, step, result)
$$;

-- An error as "SQLSTATE: hint", or "SQLSTATE: message" when it has no hint
CREATE FUNCTION run_failing(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  state text; msg text; hint text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN state || ': ' || coalesce(nullif(hint, ''), msg);
END $$;

CREATE PROCEDURE object_suite(name text, spelling text, required text[], read_scope text,
                              write_scope text) LANGUAGE plpgsql AS $$
DECLARE
  props jsonb;
  id1 text;
  n int;
  r text;
BEGIN
  SELECT coalesce(jsonb_object_agg(p, s.value), '{}') INTO props
    FROM unnest(coalesce(required, '{}')) p LEFT JOIN sample_values s ON s.property = p;
  IF EXISTS (SELECT FROM jsonb_each(props) WHERE value = 'null') THEN
    RAISE EXCEPTION 'no sample value for a required property of %: %', name, props;
  END IF;
  EXECUTE format($f$CREATE FOREIGN TABLE obj_t (
      id text, properties jsonb, created_at timestamptz, updated_at timestamptz,
      archived boolean, owner text OPTIONS (property 'hubspot_owner_id'),
      record_id numeric OPTIONS (property 'hs_object_id')
    ) SERVER hubspot OPTIONS (object %L)$f$, spelling);

  -- INSERT: three rows in one batch/create, one more with RETURNING
  CALL emu.clear_log();
  EXECUTE 'INSERT INTO obj_t (properties) SELECT $1 || jsonb_build_object(''hubspot_owner_id'', ''101'')
             FROM generate_series(1, 3)' USING props;
  GET DIAGNOSTICS n = ROW_COUNT;
  CALL note(name, 'insert 3', n || ' rows: ' || logged_requests());
  CALL emu.clear_log();
  EXECUTE 'INSERT INTO obj_t (properties, owner) VALUES ($1, ''101'') RETURNING id' INTO id1 USING props;
  CALL note(name, 'insert returning', (id1 ~ '^[0-9]+$') || ': ' || logged_requests());

  -- SELECT by id (typed columns) and by listing
  CALL emu.clear_log();
  EXECUTE 'SELECT format(''owner %s, record_id = id %s, created_at %s, archived %s'',
                         owner, record_id = id::numeric, created_at IS NOT NULL, archived)
             FROM obj_t WHERE id = $1' INTO r USING id1;
  CALL note(name, 'select by id', r || ': ' || replace(logged_requests(), id1, '{id}'));
  EXECUTE 'SELECT count(*) || '' rows, '' || count(*) FILTER (WHERE owner = ''101'') || '' owned by 101''
             FROM obj_t' INTO r;
  CALL note(name, 'select all', r);

  -- UPDATE of one property: only it is sent
  CALL emu.clear_log();
  EXECUTE 'UPDATE obj_t SET owner = ''102'' WHERE id = $1' USING id1;
  SELECT string_agg(method || ' ' || path || ' ' || (body->'inputs'->0->'properties')::text, ', ')
    INTO r FROM emu.requests() WHERE method <> 'GET';
  CALL note(name, 'update', r);

  -- DELETE archives
  CALL emu.clear_log();
  EXECUTE 'DELETE FROM obj_t WHERE id = $1' USING id1;
  GET DIAGNOSTICS n = ROW_COUNT;
  SELECT n || ' archived: ' || string_agg(method || ' ' || path, ', ') INTO r
    FROM emu.requests() WHERE method <> 'GET';
  EXECUTE 'SELECT $1 || '', '' || count(*) || '' left'' FROM obj_t' INTO r USING r;
  CALL note(name, 'delete', r);

  -- on_error 'skip': a row HubSpot rejects (an owner that is no option) is skipped
  EXECUTE 'ALTER FOREIGN TABLE obj_t OPTIONS (ADD on_error ''skip'')';
  CALL emu.clear_log();
  EXECUTE 'INSERT INTO obj_t (properties, owner) VALUES ($1, ''101''), ($1, ''999'')' USING props;
  GET DIAGNOSTICS n = ROW_COUNT;
  CALL note(name, 'on_error skip', n || ' of 2 rows: ' || logged_requests());
  EXECUTE 'ALTER FOREIGN TABLE obj_t OPTIONS (DROP on_error)';

  -- a create without the object's required properties
  IF required IS NOT NULL THEN
    CALL note(name, 'without ' || array_to_string(required, ', '),
              run_failing('INSERT INTO obj_t (owner) VALUES (''101'')'));
  END IF;

  -- a token without the object's read scope, then without its write scope
  PERFORM emu.ctl('scopes', scopes_without(read_scope)::text);
  CALL note(name, 'select without ' || read_scope, run_failing('SELECT count(*) FROM obj_t'));
  PERFORM emu.ctl('scopes', scopes_without(write_scope)::text);
  CALL note(name, 'insert without ' || write_scope, run_failing(format(
              'INSERT INTO obj_t (properties) VALUES (%L)', props)));
  PERFORM emu.ctl('scopes', '{"token": "pat-test-token", "scopes": null}');

  EXECUTE 'DROP FOREIGN TABLE obj_t';
END $$;

-- standard objects by plural name, pets by p_pets; warnings of skipped rows
-- are the suite's own, not shown
SET client_min_messages = error;
DO $$
DECLARE
  o record;
BEGIN
  FOR o IN SELECT * FROM hubspot_fdw_objects('hubspot') LOOP
    CALL object_suite(o.name, CASE WHEN o.custom THEN 'p_' || o.name ELSE o.name END,
                      o.required, o.read_scope, o.write_scope);
  END LOOP;
END $$;
RESET client_min_messages;
SELECT object, step, result FROM suite_log ORDER BY seq;

-- what each object holds now, as the emulator stores it: 3 + 1 created, 1
-- archived, 1 created under on_error 'skip'
SELECT o.name, (SELECT count(*) FROM emu.objects(o.name)) AS live
  FROM hubspot_fdw_objects('hubspot') o;

-- ============================================================
-- Custom objects by each of their names
-- ============================================================
CREATE FOREIGN TABLE pets_by_id (id text, name text, species text, weight numeric, adopted boolean)
  SERVER hubspot OPTIONS (object '2-90001');
CREATE FOREIGN TABLE pets_by_short (id text, name text) SERVER hubspot OPTIONS (object 'P_PETS');
SELECT format('CREATE FOREIGN TABLE pets_by_fqn (id text, name text) SERVER hubspot OPTIONS (object %L)',
              fully_qualified_name)
  FROM hubspot_fdw_objects('hubspot') WHERE custom \gexec
CALL emu.clear_log();
INSERT INTO pets_by_id (name, species, weight, adopted) VALUES ('Fido', 'dog', 12.5, true);
SELECT count(*), count(*) FILTER (WHERE name = 'Fido') AS fido FROM pets_by_short;
SELECT name, species, weight, adopted FROM pets_by_id WHERE name = 'Fido';
SELECT count(*) FROM pets_by_fqn;
-- every request of them used the objectTypeId; the schemas were read before
SELECT DISTINCT method, path FROM emu.requests() ORDER BY 1, 2;
-- a bare name is refused at CREATE; an unknown custom object at first use
CREATE FOREIGN TABLE pets_bare (id text) SERVER hubspot OPTIONS (object 'pets');
CREATE FOREIGN TABLE dogs (id text) SERVER hubspot OPTIONS (object 'p_dogs');
CALL emu.clear_log();
SELECT * FROM dogs;
\echo :LAST_ERROR_SQLSTATE
-- it was looked up again once (the schemas may be newer than the session's)
SELECT method, path FROM emu.requests();
DROP FOREIGN TABLE pets_by_id, pets_by_short, pets_by_fqn, dogs;

-- ============================================================
-- Contacts: 250 creates, upserts by email, the unique email
-- ============================================================
CALL emu.reset();
CREATE FOREIGN TABLE contacts (id text, properties jsonb, email text, firstname text)
  SERVER hubspot OPTIONS (object 'contacts');
CREATE FOREIGN TABLE contacts_by_email (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object 'contact', id_property 'email');
INSERT INTO contacts (email, firstname)
  SELECT 'person' || i || '@example.com', 'Person ' || i FROM generate_series(1, 250) i;
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs
  FROM emu.requests() WHERE method = 'POST' ORDER BY seq;
CALL emu.clear_log();
INSERT INTO contacts_by_email (email, firstname)
  SELECT 'person' || i || '@example.com', 'Upserted ' || i FROM generate_series(1, 250) i;
INSERT INTO contacts_by_email (email, firstname)
  SELECT 'person' || i || '@example.com', 'Upserted again ' || i FROM generate_series(1, 250) i;
SELECT method, path, count(*) FROM emu.requests() WHERE method = 'POST' GROUP BY 1, 2;
SELECT count(*) AS contacts, count(*) FILTER (WHERE o->'properties'->>'firstname' LIKE 'Upserted again %') AS upserted
  FROM emu.objects('contacts') o;
-- two spellings of one email are one contact to HubSpot: refused before sending
CALL emu.clear_log();
INSERT INTO contacts_by_email (email) VALUES ('x@example.com'), ('X@example.com');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS requests FROM emu.requests();

-- a duplicate email: 23505 naming the existing record; a batch is refused whole
CALL emu.clear_log();
INSERT INTO contacts (email) VALUES ('new1@example.com'), ('PERSON7@example.com'), ('new2@example.com');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM emu.objects('contacts');
-- one row per request (RETURNING): the same, for that row
INSERT INTO contacts (email) VALUES ('person8@example.com') RETURNING id;
-- under on_error 'skip' a whole-batch refusal is still an error; with
-- batch_size 1 each row goes alone and a duplicate is skipped with a warning
ALTER FOREIGN TABLE contacts OPTIONS (ADD on_error 'skip');
INSERT INTO contacts (email) VALUES ('new1@example.com'), ('person9@example.com');
ALTER FOREIGN TABLE contacts OPTIONS (ADD batch_size '1');
INSERT INTO contacts (email) VALUES ('new1@example.com'), ('person9@example.com'), ('new2@example.com');
ALTER FOREIGN TABLE contacts OPTIONS (DROP on_error, DROP batch_size);
SELECT count(*) FROM emu.objects('contacts');
-- an UPDATE to an email another contact has: HubSpot's 400 "already has that value"
UPDATE contacts SET email = 'person2@example.com' WHERE email = 'person3@example.com';
\echo :LAST_ERROR_SQLSTATE

-- ============================================================
-- Contacts' ~400 properties: SELECT properties lists ids, then batch/reads
-- ============================================================
CREATE FOREIGN TABLE contacts_all (id text, properties jsonb)
  SERVER hubspot OPTIONS (object '0-1', use_search 'false');
CALL emu.clear_log();
SELECT count(*), count(properties->>'email') AS with_email,
       count(*) FILTER (WHERE properties ? 'firstname') AS with_firstname
  FROM contacts_all;
SELECT method, path, query->'properties' AS properties_in_url,
       jsonb_array_length(body->'inputs') AS inputs, jsonb_array_length(body->'properties') AS properties
  FROM emu.requests() WHERE path <> '/crm/v3/properties/contacts' ORDER BY seq;

-- a unique property of any object (products' external_id): a value another
-- record holds is a unique violation too, though HubSpot names no record
CREATE FOREIGN TABLE products_u (id text, external_id text) SERVER hubspot OPTIONS (object 'products');
INSERT INTO products_u (external_id) VALUES ('U-1');
INSERT INTO products_u (external_id) VALUES ('U-2'), ('U-1');
\echo :LAST_ERROR_SQLSTATE

DROP FOREIGN TABLE contacts, contacts_by_email, contacts_all, products_u;
DROP PROCEDURE object_suite(text, text, text[], text, text), note(text, text, text);
DROP FUNCTION logged_requests(), scopes_without(text), run_failing(text);
