--
-- settling: an error while other batches are in flight waits for them and
-- tells exactly what HubSpot did with each (concurrency.sql has the rest).
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CREATE SERVER hubspot_settling FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emulator_url', max_retries '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_settling
  OPTIONS (access_token 'pat-test-token');
CREATE FOREIGN TABLE settling (id text, properties jsonb, name text, price numeric)
  SERVER hubspot_settling OPTIONS (object 'products', batch_size '100', max_concurrent_requests '4');
CREATE PROCEDURE settling_reset() LANGUAGE sql AS $$
  CALL emu.reset();
  CALL emu.config('{"latency_ms": 200, "rate_limit": {"max": 1000, "interval_ms": 10000}}');
$$;

-- a statement's error: what its context says HubSpot created, and the rows
-- it names as unknown ("A to B"), next to what the emulator stores
CREATE FUNCTION settling_error(statement text, OUT state text, OUT said bigint,
                         OUT unknown_rows bigint, OUT stored bigint, OUT ctx text)
LANGUAGE plpgsql AS $f$
DECLARE m text[];
BEGIN
  BEGIN
    EXECUTE statement;
    state := '00000';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, ctx = PG_EXCEPTION_CONTEXT;
  END;
  said := coalesce((regexp_match(ctx, 'had already created (\d+) row'))[1]::bigint, 0);
  unknown_rows := 0;
  FOR m IN SELECT regexp_matches(ctx, '(\d+) to (\d+)', 'g') LOOP
    unknown_rows := unknown_rows + m[2]::bigint - m[1]::bigint + 1;
  END LOOP;
  stored := (SELECT count(*) FROM emu.objects());
END $f$;

--
-- A batch/create answered 500 while others are in flight; one of those
-- others is answered 201 with a body that cannot be read (HubSpot created
-- its rows): those rows are named as unknown, the two readable batches are
-- counted.  The pg_sleep()s make the batches arrive in statement order (the
-- 500 is batch 1, the unreadable answer batch 3) where the machine allows;
-- whichever batches they hit, the context names the two as unknown (200
-- rows) and counts the two others (the store has those and the unreadable).
--
CALL settling_reset();
CALL emu.fault('[{"method": "POST", "path": "/crm/v3/objects/products/batch/create", "status": 500},
                 {"method": "POST", "path": "/crm/v3/objects/products/batch/create", "skip": 2, "action": "malformed"}]');
SELECT state, said, stored,
       unknown_rows = 200 AND stored = said + 100 AS names_malformed_batch
  FROM settling_error($$
    INSERT INTO settling (name)
      SELECT 'Malformed ' || g || CASE WHEN g IN (101, 201, 301) THEN pg_sleep(0.05)::text ELSE '' END
      FROM generate_series(1, 400) g$$);
CALL emu.wait_idle();

--
-- A PostgreSQL error in a statement whose error an exception block catches,
-- with batches in flight: its context still tells what HubSpot created or may
-- have created (the count and the unknown rows cover the store)
--
CALL settling_reset();
SELECT state, said <= stored AS said_no_more_than_stored,
       said + unknown_rows >= stored AS nothing_untold
  FROM settling_error($$
    INSERT INTO settling (name, price)
      SELECT 'Caught ' || g, 1000 / (g - 450) FROM generate_series(1, 800) g$$);
CALL emu.wait_idle();

--
-- A COPY that is a session's first use of hubspot_fdw (the library loads in
-- its middle), whose column default runs a statement whose error an exception
-- block catches: the COPY's batches in flight are not settled by that error,
-- and all 800 rows are created once
--
CREATE FUNCTION settling_default() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    PERFORM 1 / (extract(year FROM clock_timestamp())::int * 0);
  EXCEPTION WHEN division_by_zero THEN NULL;
  END;
  RETURN 'D';
END $$;
CREATE FOREIGN TABLE settling_copy (id text, name text, price numeric,
    sku text OPTIONS (property 'hs_sku') DEFAULT settling_default())
  SERVER hubspot_settling OPTIONS (object 'products', batch_size '100', max_concurrent_requests '4');
CALL settling_reset();
\c -
COPY settling_copy (name, price) FROM PROGRAM 'awk ''BEGIN{for(i=1;i<=800;i++) print "R " i "\t" i}''';
SELECT count(*) AS stored FROM emu.objects();
SELECT count(*) AS batch_creates,
       sum(jsonb_array_length(body->'inputs')) AS inputs
  FROM emu.requests() WHERE path LIKE '%batch/create';
DROP FOREIGN TABLE settling_copy;
DROP FUNCTION settling_default();
DROP FUNCTION settling_error(text);
DROP PROCEDURE settling_reset();
DROP FOREIGN TABLE settling;
DROP USER MAPPING FOR CURRENT_USER SERVER hubspot_settling;
DROP SERVER hubspot_settling;
