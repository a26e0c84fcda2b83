--
-- values: HubSpot's "" is no value, on every read path and for every column
-- type; numbers go to HubSpot as plain decimals, never in exponent form.
--
CALL emu.reset();
-- emu.reset() makes the emulator answer "" for every requested property
-- without a value, as HubSpot does for cleared values
SELECT emu.ctl('config') ->> 'empty_values' AS empty_values;

CREATE FOREIGN TABLE typed (
    id          text,
    properties  jsonb,
    name        text,
    price       numeric,
    weight      float8 OPTIONS (property 'weight_kg'),
    cost        real OPTIONS (property 'hs_cost_of_goods_sold'),
    folder      bigint OPTIONS (property 'hs_folder_id'),
    in_stock    boolean,
    launch_date date,
    created     timestamptz OPTIONS (property 'createdate'),
    modified    timestamp OPTIONS (property 'hs_lastmodifieddate'),
    channels    text[] OPTIONS (property 'sales_channels'),
    units       int[] OPTIONS (property 'hs_all_assigned_business_unit_ids'),
    tiers       jsonb OPTIONS (property 'hs_tier_prices')
) SERVER hubspot OPTIONS (object 'products');

--
-- "" reads as NULL in every typed column and is absent from properties
--
INSERT INTO typed (name, price, weight, cost, folder, in_stock, launch_date, created,
                   channels, units, tiers)
VALUES ('full', 9.5, 1.25, 0.5, 7, true, '2026-03-01', '2026-01-02 03:04:05+00',
        '{web,retail}', '{0,1}', '[1, 2]'),
       ('bare', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- the listing
SELECT name, price, weight, cost, folder, in_stock, launch_date, created, channels, units, tiers
  FROM typed ORDER BY id;
SELECT name, properties ? 'price' AS has_price, properties ? 'sales_channels' AS has_channels
  FROM typed ORDER BY id;
-- GET by id and batch/read
SELECT name, price, weight, in_stock, launch_date, channels, units, tiers
  FROM typed WHERE id = '1000002';
SELECT name, price, weight, in_stock, launch_date, channels, units, tiers
  FROM typed WHERE id IN ('1000001', '1000002') ORDER BY id;

-- clearing every property of the full record sends "" for each
CALL emu.clear_log();
UPDATE typed SET price = NULL, weight = NULL, cost = NULL, folder = NULL, in_stock = NULL,
                 launch_date = NULL, created = NULL, channels = NULL, units = NULL, tiers = NULL
 WHERE id = '1000001';
SELECT method, path, body FROM emu.requests() WHERE method = 'POST';
-- ... and it reads back as NULL everywhere (HubSpot answers "" now)
SELECT name, price, weight, cost, folder, in_stock, launch_date, created, channels, units, tiers
  FROM typed WHERE id = '1000001';
SELECT properties - 'createdate' - 'hs_lastmodifieddate' AS properties FROM typed WHERE id = '1000001';
-- RETURNING (the PATCH answer carries "" for what was cleared)
UPDATE typed SET name = 'full again', price = NULL WHERE id = '1000001'
  RETURNING name, price, weight, in_stock, channels, properties ? 'price' AS has_price;
-- the UPDATE diff: clearing what is already clear changes nothing, sends nothing
CALL emu.clear_log();
UPDATE typed SET price = NULL, weight = NULL, channels = NULL, tiers = NULL;
UPDATE typed SET properties = properties - 'price';
SELECT method, path FROM emu.requests() WHERE method <> 'GET';

--
-- numbers as plain decimals: float8, real, numeric, integers, jsonb numbers
--
CALL emu.clear_log();
INSERT INTO typed (name, weight, cost) VALUES
    ('tiny', 0.00001, 0.00001),
    ('huge', 1e15, 1e15),
    ('noise', 0.1::float8 * 3 - 0.3, NULL),
    ('negative', -2.5e-7, -2.5e-7),
    ('negative zero', '-0', '-0');
INSERT INTO typed (name, price, folder) VALUES ('numeric', 1.5e-10, 9007199254740993);
INSERT INTO typed (properties) VALUES ('{"name": "json", "weight_kg": 1e-5, "price": 1E+2}');
SELECT r.value->'properties' AS sent
  FROM emu.requests() q, jsonb_array_elements(q.body->'inputs') r
 WHERE q.path LIKE '%/batch/create' ORDER BY q.seq, r.value->>'objectWriteTraceId';
-- HubSpot accepted each one; they read back as the same numbers
SELECT name, weight, cost, price, folder FROM typed
 WHERE name IN ('tiny', 'huge', 'noise', 'negative', 'negative zero', 'numeric', 'json')
 ORDER BY id;
SELECT weight = 0.1::float8 * 3 - 0.3 AS same_float FROM typed WHERE name = 'noise';
-- an UPDATE that sets the same float sends nothing
CALL emu.clear_log();
UPDATE typed SET weight = 0.1::float8 * 3 - 0.3 WHERE name = 'noise';
UPDATE typed SET weight = 1e15 WHERE name = 'huge';
SELECT method, path FROM emu.requests() WHERE method <> 'GET';
-- ... and an UPDATE of a float sends it plainly
UPDATE typed SET weight = 3e-6 WHERE name = 'tiny';
SELECT body->'inputs'->0->'properties' AS sent FROM emu.requests() WHERE path LIKE '%/batch/update';
-- multi-select numbers too
CALL emu.clear_log();
INSERT INTO typed (name, units) VALUES ('units', '{1,0}');
SELECT body->'inputs'->0->'properties' AS sent FROM emu.requests() WHERE path LIKE '%/batch/create';

-- NaN and infinities have no HubSpot form: refused before anything is sent
CALL emu.clear_log();
INSERT INTO typed (name, weight) VALUES ('nan', 'NaN');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO typed (name, price) VALUES ('inf', 'Infinity');
INSERT INTO typed (name, cost) VALUES ('-inf', '-Infinity');
SELECT count(*) AS writes FROM emu.requests() WHERE method <> 'GET';

-- HubSpot refuses a number in exponent form (here written as text, which is
-- sent as it is)
INSERT INTO typed (properties) VALUES ('{"name": "text", "weight_kg": "1e-05"}');
\echo :LAST_ERROR_SQLSTATE

DROP FOREIGN TABLE typed;
