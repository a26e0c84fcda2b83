--
-- damaged: answers HubSpot does not send are errors, never values.  Bytes
-- that are not UTF-8 make an answer malformed (HV000); a value with \u0000,
-- which no PostgreSQL text holds, is 22P05 as in jsonb's own input; a record
-- id must be a JSON string of digits and a paging cursor a JSON string
-- (HV000).  The emulator's damage rules spoil one answer each.
--
CALL emu.reset();
CREATE FOREIGN TABLE dp (id text, properties jsonb, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE dh (id text, properties_with_history jsonb)
  SERVER hubspot OPTIONS (object 'products');
SELECT emu.seed('{"count": 3, "properties": {"name": "Product {i}", "price": "{i}0"}}')->'ids' AS ids;
SELECT id, name, price FROM dp ORDER BY id;

--
-- bytes that are not UTF-8: a malformed answer on every read path
--
CALL emu.damage('{"kind": "invalid_utf8", "method": "GET", "path": "/crm/v3/objects/products",
                  "target": "name", "seed": 0}');
SELECT id, name FROM dp ORDER BY id;
CALL emu.damage('{"kind": "invalid_utf8", "method": "GET", "path": "/crm/v3/objects/products/*",
                  "target": "name", "seed": 1}');
SELECT id, name FROM dp WHERE id = '1000002';
CALL emu.damage('{"kind": "invalid_utf8", "method": "POST",
                  "path": "/crm/v3/objects/products/batch/read", "target": "name", "seed": 2}');
SELECT id, name FROM dp WHERE id IN ('1000001', '1000003') ORDER BY id;
-- a raw NUL byte (JSON allows it only escaped) as well
CALL emu.damage('{"kind": "nul", "raw": true, "method": "GET", "path": "/crm/v3/objects/products",
                  "target": "name"}');
SELECT id, name FROM dp ORDER BY id;
-- nothing is left pending: the next reads are whole
CALL emu.damage_clear();
SELECT id, name FROM dp ORDER BY id;

--
-- \u0000 in a value: 22P05, naming the property, the column and the record,
-- in typed columns, the properties column and propertiesWithHistory
--
CALL emu.damage('{"kind": "nul", "raw": false, "method": "GET", "path": "/crm/v3/objects/products",
                  "target": "name"}');
SELECT id, name FROM dp ORDER BY id;
CALL emu.damage('{"kind": "nul", "raw": false, "method": "GET", "path": "/crm/v3/objects/products/*",
                  "target": "price"}');
SELECT price FROM dp WHERE id = '1000002';
CALL emu.damage('{"kind": "nul", "raw": false, "method": "POST",
                  "path": "/crm/v3/objects/products/batch/read", "target": "name"}');
SELECT properties->>'name' AS name FROM dp WHERE id IN ('1000001', '1000003') ORDER BY 1;
CALL emu.damage('{"kind": "nul", "raw": false, "method": "GET", "path": "/crm/v3/objects/products",
                  "target": "value"}');
SELECT id, properties_with_history ? 'name' AS has_name FROM dh ORDER BY id;

--
-- numbers json-c would not keep as written: integers beyond 64 bits (json-c
-- clamps them) and NaN/Infinity (not JSON): HV000, never a changed value
--
CALL emu.fault('{"method": "GET", "path": "/crm/v3/objects/products/1000001", "status": 200,
                 "body": {"id": "1000001", "properties": {"name": "big", "price": 99999999999999999999999}}}');
SELECT id, price, properties->>'price' AS p FROM dp WHERE id = '1000001';
CALL emu.fault('{"method": "GET", "path": "/crm/v3/objects/products/1000001", "status": 200,
                 "body": {"id": "1000001", "properties": {"name": "big", "price": -9223372036854775809}}}');
SELECT id, price, properties->>'price' AS p FROM dp WHERE id = '1000001';
CALL emu.fault('{"method": "GET", "path": "/crm/v3/objects/products/1000001", "status": 200,
                 "body": "{\"id\": \"1000001\", \"properties\": {\"name\": \"nan\", \"price\": -Infinity}}"}');
SELECT id, price, properties->>'price' AS p FROM dp WHERE id = '1000001';
-- ... while the largest integers that fit, and decimals beyond 64 bits, are kept
CALL emu.fault('{"method": "GET", "path": "/crm/v3/objects/products/1000001", "status": 200,
                 "body": {"id": "1000001", "properties": {"name": "fits", "price": 18446744073709551615}}}');
SELECT id, price, properties->>'price' AS p FROM dp WHERE id = '1000001';
CALL emu.fault('{"method": "GET", "path": "/crm/v3/objects/products/1000001", "status": 200,
                 "body": "{\"id\": \"1000001\", \"properties\": {\"name\": \"decimal\", \"price\": 99999999999999999999999.5}}"}');
SELECT id, price, properties->>'price' AS p FROM dp WHERE id = '1000001';

--
-- record ids that are not strings of digits: HV000, naming the request
--
CALL emu.damage('{"kind": "wrong_type", "method": "GET", "path": "/crm/v3/objects/products",
                  "target": "id", "seed": 0}');
SELECT id FROM dp ORDER BY id;
CALL emu.damage('{"kind": "huge_number", "method": "GET", "path": "/crm/v3/objects/products/*",
                  "target": "id", "seed": 1}');
SELECT id FROM dp WHERE id = '1000002';
CALL emu.damage('{"kind": "missing", "method": "POST",
                  "path": "/crm/v3/objects/products/batch/read", "target": "id"}');
SELECT id FROM dp WHERE id IN ('1000001', '1000003') ORDER BY id;
CALL emu.damage('{"kind": "nul", "raw": false, "method": "GET", "path": "/crm/v3/objects/products",
                  "target": "id"}');
SELECT id FROM dp ORDER BY id;

--
-- a paging cursor that is not a non-empty string: HV000, nothing read twice
--
-- (count(id): count(*) would be HubSpot's search total)
SELECT jsonb_array_length(emu.seed('{"count": 120}')->'ids') AS seeded;
SELECT count(id) FROM dp;
CALL emu.damage('{"kind": "wrong_type", "method": "GET", "path": "/crm/v3/objects/products",
                  "target": "after", "seed": 0}');
SELECT count(id) FROM dp;
CALL emu.damage('{"kind": "missing", "method": "GET", "path": "/crm/v3/objects/products",
                  "target": "after"}');
SELECT count(id) FROM dp;

--
-- search answers: "total" must be a non-negative integer, the next offset
-- an integer string, ids strings of digits (HV000)
--
SELECT jsonb_array_length(emu.seed('{"count": 200, "properties": {"price": "1"}}')->'ids') AS seeded;
SELECT count(*) FROM dp WHERE price > 0;
CALL emu.damage('{"kind": "wrong_type", "method": "POST", "path": "/crm/v3/objects/products/search",
                  "target": "total", "seed": 0}');
SELECT count(*) FROM dp WHERE price > 0;
CALL emu.damage('{"kind": "missing", "method": "POST", "path": "/crm/v3/objects/products/search",
                  "target": "total"}');
SELECT count(*) FROM dp WHERE price > 0;
CALL emu.damage('{"kind": "wrong_type", "method": "POST", "path": "/crm/v3/objects/products/search",
                  "target": "after", "seed": 0}');
SELECT count(id) FROM dp WHERE price > 0;
CALL emu.damage('{"kind": "wrong_type", "method": "POST", "path": "/crm/v3/objects/products/search",
                  "target": "id", "seed": 0}');
SELECT count(id) FROM dp WHERE price > 0;
SELECT count(id) FROM dp WHERE price > 0;
-- pages whose ids do not follow the last one read (keyset paging would read
-- them again for ever), and an empty page with a next one (which would skip)
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/search", "status": 200, "times": 2,
                 "body": {"total": 400, "paging": {"next": {"after": "1"}},
                          "results": [{"id": "1000001", "properties": {"price": "10"}, "archived": false,
                                       "createdAt": "2026-01-15T10:00:00.000Z",
                                       "updatedAt": "2026-01-15T10:00:00.000Z"}]}}');
SELECT count(id) FROM dp WHERE price > 0;
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/search", "status": 200, "times": 1,
                 "body": {"total": 400, "results": [], "paging": {"next": {"after": "200"}}}}');
SELECT count(id) FROM dp WHERE price > 0;
-- a page without a next one while "total" counts more (a short read)
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/search", "status": 200, "times": 1,
                 "body": {"total": 400, "results": [{"id": "1000001", "properties": {"price": "10"}, "archived": false,
                                       "createdAt": "2026-01-15T10:00:00.000Z",
                                       "updatedAt": "2026-01-15T10:00:00.000Z"}]}}');
SELECT count(id) FROM dp WHERE price > 0;


DROP FOREIGN TABLE dp, dh;
