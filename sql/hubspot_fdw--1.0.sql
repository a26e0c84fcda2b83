/* hubspot_fdw--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION hubspot_fdw" to load this file. \quit

CREATE FUNCTION hubspot_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION hubspot_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

-- The properties of a HubSpot object (its property catalogue, read afresh through the
-- current user's user mapping for the server), sorted by name; options is a jsonb array
-- of {"label", "value"}.  docs/import.md.
CREATE FUNCTION hubspot_fdw_properties(server name, object text)
RETURNS TABLE (name text, label text, type text, field_type text, group_name text,
               read_only boolean, is_unique boolean, hidden boolean, calculated boolean,
               options jsonb)
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION hubspot_fdw_properties(name, text) IS 'the properties of a HubSpot CRM object, through the current user''s user mapping for the server';

CREATE FOREIGN DATA WRAPPER hubspot_fdw
  HANDLER hubspot_fdw_handler
  VALIDATOR hubspot_fdw_validator;

-- Association tables (options object and to_object) have their columns checked
-- when they are created or altered: each must stand for from_id, to_id, type_id,
-- category or label, which the validator, seeing one column at a time, cannot tell.
CREATE FUNCTION hubspot_fdw_check_table(regclass)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION hubspot_fdw_check_tables()
RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  checker regproc;
  t oid;
BEGIN
  -- the extension's own function, wherever the extension was put
  SELECT p.oid::regproc INTO checker
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_depend d
      ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
    JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'hubspot_fdw'
   WHERE p.proname = 'hubspot_fdw_check_table';
  IF checker IS NULL THEN
    RETURN;
  END IF;
  FOR t IN SELECT DISTINCT c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() c
            WHERE c.classid = 'pg_catalog.pg_class'::regclass
  LOOP
    EXECUTE pg_catalog.format('SELECT %s($1)', checker) USING t::regclass;
  END LOOP;
END
$$;

CREATE EVENT TRIGGER hubspot_fdw_check_tables ON ddl_command_end
  WHEN TAG IN ('CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE', 'IMPORT FOREIGN SCHEMA')
  EXECUTE FUNCTION hubspot_fdw_check_tables();


COMMENT ON FOREIGN DATA WRAPPER hubspot_fdw IS 'HubSpot CRM objects as foreign tables';

-- The CRM objects a foreign table's "object" option can name: the standard objects of
-- hubspot_fdw's registry, then the custom objects of the HubSpot account of the current
-- user's mapping for the server (its schemas, read once per session).
CREATE FUNCTION hubspot_fdw_objects(server name)
RETURNS TABLE (name text, type_id text, fully_qualified_name text, singular text,
               custom boolean, read_scope text, write_scope text, created_property text,
               modified_property text, unique_property text, required text[],
               associable boolean)
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION hubspot_fdw_objects(name) IS 'CRM objects hubspot_fdw can make foreign tables of: the standard ones and the account''s custom objects, with their scopes, date properties, unique key and required properties';

-- The backends waiting on HubSpot (wait_event 'HubSpotRequest') or on its rate limit
-- ('HubSpotRateLimit'), and since when.  Other backends' waits are seen only when
-- hubspot_fdw is in shared_preload_libraries; without it, only the calling backend's own
-- (which is never waiting while it calls this): no rows.
CREATE FUNCTION hubspot_fdw_waits(OUT pid int, OUT wait_event text, OUT since timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION hubspot_fdw_waits() IS 'backends waiting on HubSpot or its rate limit (all backends only with shared_preload_libraries = ''hubspot_fdw'')';

CREATE VIEW hubspot_fdw_activity AS
  SELECT a.pid, a.usename, a.datname, a.application_name, a.backend_type,
         w.wait_event, w.since, now() - w.since AS waited,
         a.state, a.query_start, a.query
    FROM hubspot_fdw_waits() w
    JOIN pg_catalog.pg_stat_activity a ON a.pid = w.pid;

GRANT SELECT ON hubspot_fdw_activity TO PUBLIC;

COMMENT ON VIEW hubspot_fdw_activity IS 'pg_stat_activity of the backends waiting on HubSpot (HubSpotRequest) or on its rate limit (HubSpotRateLimit)';

-- What this backend asked of HubSpot since it started, per server and user
-- mapping (user_name PUBLIC for a public mapping): requests (every attempt,
-- retries included), retries, errors (attempts answered 4xx/5xx other than
-- 429, and attempts without an answer), throttled (429 answers), rows_read
-- (records received), rows_written (inputs sent in writes), rate_wait_ms
-- (time held back for the rate limit), HubSpot's last X-HubSpot-RateLimit-*
-- headers (NULL if never sent), and when the last request started.
CREATE FUNCTION hubspot_fdw_usage(
    OUT server_name text, OUT user_name text,
    OUT requests bigint, OUT retries bigint, OUT errors bigint, OUT throttled bigint,
    OUT rows_read bigint, OUT rows_written bigint, OUT rate_wait_ms double precision,
    OUT rate_limit_max bigint, OUT rate_limit_remaining bigint,
    OUT rate_limit_interval_ms bigint, OUT daily_limit bigint, OUT daily_remaining bigint,
    OUT last_request_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION hubspot_fdw_usage() IS 'requests, rows and rate-limit headers of this backend''s HubSpot use, per server and user mapping';

CREATE VIEW hubspot_fdw_usage AS SELECT * FROM hubspot_fdw_usage();

GRANT SELECT ON hubspot_fdw_usage TO PUBLIC;

COMMENT ON VIEW hubspot_fdw_usage IS 'requests, rows and rate-limit headers of this backend''s HubSpot use, per server and user mapping';
