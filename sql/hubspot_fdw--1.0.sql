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

CREATE FOREIGN DATA WRAPPER hubspot_fdw
  HANDLER hubspot_fdw_handler
  VALIDATOR hubspot_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER hubspot_fdw IS 'HubSpot CRM objects (products) as foreign tables';
