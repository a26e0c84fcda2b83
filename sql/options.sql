--
-- options: every option is validated where it is given
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CALL emu.reset();

-- unknown names, and names given in the wrong place
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (apiurl 'https://api.hubapi.com');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (access_token 'secret-value');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (object 'products');
CREATE FOREIGN DATA WRAPPER hubspot_fdw2 HANDLER hubspot_fdw_handler VALIDATOR hubspot_fdw_validator
  OPTIONS (api_url 'https://api.hubapi.com');

-- server values
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'ftp://api.hubapi.com');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://api.hubapi.com');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://user:pw@api.hubapi.com');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://api.hubapi.com?x=1');
-- scheme, host and port only: hubspot_fdw writes every path itself
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://127.0.0.1:8080/crm/v3');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://api.hubapi.com/crm/v3/objects/products/');
-- a host and port libcurl can use
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://127.0.0.1:99999');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://api.hubapi.com;x');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://[::1:8080');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (timeout_ms 'abc');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (timeout_ms '0');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (connect_timeout_ms '-5');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (max_retries '21');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (batch_size '101');
CREATE SERVER bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (batch_size '0');
-- good ones, loopback http included
CREATE SERVER good FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url 'https://api-eu1.hubapi.com/', timeout_ms '5000', connect_timeout_ms '2000',
           max_retries '0', batch_size '100');
CREATE SERVER good_local FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://localhost:8080');
CREATE SERVER good_v6 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://[::1]:8080');
ALTER SERVER good OPTIONS (SET batch_size '500');
ALTER SERVER good OPTIONS (SET api_url 'http://127.0.0.1.example.com');

-- user mappings: the token lives here and nowhere else, and is never echoed
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (token 'abc');
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (access_token '');
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (access_token 'pat na1 with spaces');
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (access_token 'pat-na1-0000', batch_size '5');
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (access_token 'pat-na1-0000');

-- tables and columns
CREATE FOREIGN TABLE bad_t (id text) SERVER good OPTIONS (object 'pro ducts');
CREATE FOREIGN TABLE bad_t (id text) SERVER good OPTIONS (batch_size '1000');
CREATE FOREIGN TABLE bad_t (id text) SERVER good OPTIONS (api_url 'https://x.example');
CREATE FOREIGN TABLE bad_t (id text) SERVER good OPTIONS (objects 'products');
CREATE FOREIGN TABLE bad_t (id text OPTIONS (property 'hs-sku')) SERVER good;
CREATE FOREIGN TABLE bad_t (id text OPTIONS (column_name 'x')) SERVER good;
CREATE FOREIGN TABLE good_t (
    id text, sku text OPTIONS (property 'hs_sku')
) SERVER good OPTIONS (object '0-7', batch_size '25');
\d good_t

-- plain EXPLAIN needs neither HubSpot nor a user mapping
CREATE SERVER unmapped FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emulator_url');
CREATE FOREIGN TABLE unmapped_products (id text, properties jsonb) SERVER unmapped;
EXPLAIN (COSTS OFF) SELECT * FROM unmapped_products;
EXPLAIN (COSTS OFF) INSERT INTO unmapped_products (properties) VALUES ('{}');
-- but using the table without a user mapping is a clear error
SELECT * FROM unmapped_products;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO unmapped_products (properties) VALUES ('{"name": "x"}');
-- a user mapping without a token, too
CREATE USER MAPPING FOR CURRENT_USER SERVER unmapped;
SELECT * FROM unmapped_products;
\echo :LAST_ERROR_SQLSTATE
ALTER USER MAPPING FOR CURRENT_USER SERVER unmapped OPTIONS (ADD access_token 'pat-test-token');
SELECT count(*) FROM unmapped_products;
-- a PUBLIC user mapping serves every user
DROP USER MAPPING FOR CURRENT_USER SERVER unmapped;
CREATE USER MAPPING FOR PUBLIC SERVER unmapped OPTIONS (access_token 'pat-test-token');
SELECT count(*) FROM unmapped_products;

-- each role uses its own user mapping; a view uses its owner's
CREATE FOREIGN TABLE products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    associations jsonb
) SERVER hubspot OPTIONS (object 'products');
CREATE ROLE regress_hs_alice;
GRANT USAGE ON SCHEMA public TO regress_hs_alice;
GRANT SELECT, INSERT ON products TO regress_hs_alice;
SET ROLE regress_hs_alice;
SELECT count(*) FROM products;
RESET ROLE;
CREATE USER MAPPING FOR regress_hs_alice SERVER hubspot OPTIONS (access_token 'alice-token');
CALL emu.config('{"tokens": ["pat-test-token"]}');
SET ROLE regress_hs_alice;
\set VERBOSITY terse
SELECT count(*) FROM products;
\set VERBOSITY default
RESET ROLE;
CREATE VIEW products_ids AS SELECT id FROM products;
GRANT SELECT ON products_ids TO regress_hs_alice;
SET ROLE regress_hs_alice;
SELECT count(*) FROM products_ids;
RESET ROLE;
CALL emu.config('{"tokens": null}');
DROP VIEW products_ids;
DROP USER MAPPING FOR regress_hs_alice SERVER hubspot;
REVOKE ALL ON products FROM regress_hs_alice;
REVOKE ALL ON SCHEMA public FROM regress_hs_alice;
DROP ROLE regress_hs_alice;

DROP SERVER good CASCADE;
DROP SERVER good_local, good_v6;
DROP SERVER unmapped CASCADE;

DROP FOREIGN TABLE products;
