--
-- encoding: HubSpot's text is UTF-8.  In a database of another encoding it
-- is converted as PostgreSQL converts a client's text: a character the
-- encoding lacks is 22P05 in a value (and written \uXXXX in a message);
-- request bodies go to HubSpot as UTF-8.
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CALL emu.reset();
SELECT emu.seed('{"count": 1, "properties": {"name": "Café crème", "price": "1"}}')->'ids' AS ids;
SELECT emu.seed('{"count": 1, "properties": {"name": "Price in €", "price": "2"}}')->'ids' AS ids;
CREATE DATABASE hs_latin1 ENCODING 'LATIN1' TEMPLATE template0 LC_CTYPE 'C' LC_COLLATE 'C';
\c hs_latin1
SET client_encoding = 'UTF8';
SELECT getdatabaseencoding();
CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emulator_url', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token 'pat-test-token');
CREATE FOREIGN TABLE p (id text, properties jsonb, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products');
-- converted: é and è exist in LATIN1
SELECT id, name, length(name) AS chars, octet_length(name) AS bytes, properties->>'name' AS prop
  FROM p WHERE id = '1000001';
-- € does not: 22P05, in a typed column and in the properties column
SELECT name FROM p WHERE id = '1000002';
SELECT properties->>'name' FROM p WHERE id = '1000002';
SELECT id, price FROM p ORDER BY id;
-- written as UTF-8, read back the same
INSERT INTO p (name, price) VALUES ('Crème brûlée', 3) RETURNING name, length(name) AS chars;
SELECT name FROM p WHERE id = '1000003';
-- the catalogue's names are converted too: this one is not among them
INSERT INTO p (properties) VALUES ('{"colour_é": "x"}');
\c contrib_regression
DROP DATABASE hs_latin1;
SELECT o->'properties'->>'name' AS stored FROM emu.objects() AS o
  WHERE o->>'id' = '1000003';
