--
-- search: conditions, ORDER BY, LIMIT and count(*) answered by HubSpot's CRM
-- search; the request bodies for each pushable form, what stays in
-- PostgreSQL, EXPLAIN, the lag rule, the table option, search's own rate
-- limit, paging past 10,000 results, and wide objects read through bodies.
--
CALL emu.reset();

CREATE FOREIGN TABLE catalog (
    id          bigint,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    name        text,
    price       numeric,
    sku         text OPTIONS (property 'hs_sku'),
    status      text OPTIONS (property 'hs_status'),
    in_stock    boolean,
    launch_date date,
    weight      float8 OPTIONS (property 'weight_kg'),
    folder      integer OPTIONS (property 'hs_folder_id'),
    channels    text[] OPTIONS (property 'sales_channels')
) SERVER hubspot OPTIONS (object 'products');

-- What the search requests sent (without their long property lists), and
-- the other requests; each clears the log.
CREATE FUNCTION searches() RETURNS TABLE (status int, body jsonb) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT r.status, r.body - 'properties' FROM emu.requests() r
    WHERE r.path LIKE '%/search' ORDER BY r.seq;
  CALL emu.clear_log();
END $$;
-- EXPLAIN ANALYZE without the time searches waited for their pace (it
-- varies with how fast the test runs)
CREATE FUNCTION explain_analyze(q text, detail boolean DEFAULT false) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (ANALYZE, VERBOSE %s, COSTS OFF, TIMING OFF, SUMMARY OFF) %s',
                             CASE WHEN detail THEN 'on' ELSE 'off' END, q) LOOP
    RETURN NEXT regexp_replace(line, 'Rate Limit Wait: [0-9.]+ ms', 'Rate Limit Wait: … ms');
  END LOOP;
END $$;
CREATE FUNCTION requests() RETURNS TABLE (method text, path text, status int) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT r.method, r.path, r.status FROM emu.requests() r
    WHERE r.path NOT LIKE '/crm/v3/properties/%' ORDER BY r.seq;
  CALL emu.clear_log();
END $$;

-- 40 records, ids 1000001..1000040: prices with gaps (every fifth has none,
-- or ""), SKUs in mixed case, an enumeration, booleans, dates
SELECT jsonb_array_length(emu.seed(jsonb_build_object('objects', (
  SELECT jsonb_agg(jsonb_build_object('properties', jsonb_strip_nulls(jsonb_build_object(
           'name', 'Widget ' || i,
           'price', CASE WHEN i % 10 = 0 THEN '' WHEN i % 5 = 0 THEN NULL ELSE i::text END,
           'hs_sku', CASE WHEN i % 4 = 0 THEN 'sku-' ELSE 'SKU-' END || (i / 2),
           'hs_status', CASE WHEN i % 3 = 0 THEN 'inactive' ELSE 'active' END,
           'in_stock', CASE WHEN i % 2 = 0 THEN 'true' WHEN i % 3 = 0 THEN 'false' END,
           'launch_date', '2024-01-' || lpad(((i % 28) + 1)::text, 2, '0'),
           'weight_kg', (i / 10.0)::text,
           'hs_folder_id', (i % 7)::text,
           'sales_channels', CASE WHEN i % 2 = 0 THEN 'web;retail' ELSE 'web' END))) ORDER BY i)
    FROM generate_series(1, 40) i)))->'ids');
CALL emu.clear_log();

--
-- Comparisons on typed columns: one search request each, sorted by id (the
-- order that can page past 10,000), 200 a page
--
SELECT id, price FROM catalog WHERE price > 36 ORDER BY id;
SELECT * FROM searches();
SELECT id, price FROM catalog WHERE price BETWEEN 5 AND 8 ORDER BY id;
SELECT * FROM searches();
SELECT id, price FROM catalog WHERE price IN (1, 2, 3.0) ORDER BY id;
SELECT * FROM searches();
SELECT id FROM catalog WHERE price = ANY (ARRAY[4, 6]) AND price <= 4;
SELECT * FROM searches();
-- NEQ and NOT_IN also match records without a value: PostgreSQL drops them
SELECT id, price FROM catalog WHERE price <> 3 AND folder = 3 ORDER BY id;
SELECT * FROM searches();
SELECT id, price FROM catalog WHERE price NOT IN (1, 2) AND folder = 1 ORDER BY id;
SELECT * FROM searches();
-- IS NULL / IS NOT NULL; "" is no value for HubSpot, nor for a typed column
SELECT id FROM catalog WHERE price IS NULL ORDER BY id;
SELECT * FROM searches();
SELECT count(*) FROM catalog WHERE price IS NOT NULL;
SELECT * FROM searches();
-- the id, dates, datetimes and booleans in HubSpot's formats
SELECT id FROM catalog WHERE id >= 1000038 ORDER BY id;
SELECT * FROM searches();
SELECT id, launch_date FROM catalog WHERE launch_date > '2024-01-27' ORDER BY id;
SELECT * FROM searches();
SELECT count(*) FROM catalog WHERE created_at >= '2026-01-15 10:00:00+00' AND updated_at < '2026-01-16';
SELECT * FROM searches();
SELECT count(*) FROM catalog WHERE in_stock;
SELECT count(*) FROM catalog WHERE NOT in_stock;
SELECT count(*) FROM catalog WHERE in_stock IS TRUE AND folder = 2;
SELECT * FROM searches();

--
-- Text: HubSpot compares strings without case, so = and IN are sent and
-- PostgreSQL keeps the rows that match exactly; IN values go lowercase.
-- Enumerations compare with case.
--
SELECT id, sku FROM catalog WHERE sku = 'SKU-6' ORDER BY id;
SELECT * FROM searches();
SELECT id, sku FROM catalog WHERE sku IN ('SKU-6', 'sku-10') ORDER BY id;
SELECT * FROM searches();
SELECT id FROM catalog WHERE properties->>'hs_sku' = 'sku-10' ORDER BY id;
SELECT * FROM searches();
SELECT count(*) FROM catalog WHERE status = 'inactive';
SELECT count(*) FROM catalog WHERE status IN ('active') AND price < 10;
SELECT * FROM searches();
-- a multiple-choice enumeration is not a filter (its = tests the whole list)
SELECT count(*) FROM catalog WHERE properties->>'sales_channels' = 'web';
SELECT * FROM searches();

--
-- OR: filter groups; what cannot be a filter stays in PostgreSQL
--
SELECT id FROM catalog WHERE price < 3 OR sku = 'SKU-20' OR id = 1000039 ORDER BY id;
SELECT * FROM searches();
SELECT id FROM catalog WHERE price > 30 AND name LIKE '%3%' ORDER BY id;
SELECT * FROM searches();
SELECT id FROM catalog WHERE price > 30 AND (name LIKE '%3%' OR price < 0) ORDER BY id;
SELECT * FROM searches();
-- text ranges, floats and expressions are not filters: the listing
SELECT count(*) FROM catalog WHERE sku > 'SKU-5' OR weight > 3.5 OR upper(name) = 'WIDGET 1';
SELECT * FROM requests();
-- an OR of one property's equalities is one IN filter
SELECT id FROM catalog
 WHERE price > 1 AND (folder = 1 OR folder = 2 OR folder = 3 OR folder = 4 OR folder = 5 OR folder = 6)
 ORDER BY id LIMIT 3;
SELECT * FROM searches();
-- six groups are more than HubSpot takes: that condition stays local
SELECT id FROM catalog
 WHERE price > 1 AND (folder = 1 OR price = 2 OR sku = 'SKU-4' OR in_stock OR launch_date = '2024-01-05'
                      OR status = 'inactive')
 ORDER BY id LIMIT 3;
SELECT * FROM searches();

EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, name FROM catalog WHERE price >= 10 AND price <= 20 AND sku IN ('A', 'b') AND name ~ 'x';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM catalog WHERE in_stock AND (launch_date < '2024-01-03' OR price IS NULL);

--
-- Values HubSpot has no form for mean what they mean to PostgreSQL: NaN
-- and infinity are above (or below) every value, a time between
-- milliseconds lies between two that HubSpot has, '' is no value (a cleared
-- one is NULL), text that no number is written as matches none; a NULL
-- value matches nothing.  No request is sent for what matches nothing.
--
SELECT count(*) FROM catalog WHERE price < 'NaN';
SELECT count(*) FROM catalog WHERE price > '-infinity' AND launch_date < 'infinity';
SELECT count(*) FROM catalog WHERE created_at > '2026-01-15 09:59:59.9995+00';
SELECT count(*) FROM catalog WHERE created_at <= '2026-01-15 10:00:00.0004+00' AND folder = 1;
SELECT id FROM catalog WHERE properties->>'price' = '7';
SELECT id FROM catalog WHERE sku IS NOT NULL AND properties->>'price' IS NULL AND folder = 5 ORDER BY id;
SELECT * FROM searches();
SELECT count(*) FROM catalog WHERE price = 'NaN';
SELECT count(*) FROM catalog WHERE price >= 'infinity';
SELECT count(*) FROM catalog WHERE created_at = '2026-01-15 10:00:00.0004+00';
SELECT count(*) FROM catalog WHERE sku = '';
SELECT count(*) FROM catalog WHERE properties->>'hs_sku' = '';
SELECT id FROM catalog WHERE properties->>'price' = 'seven';
SELECT count(*) FROM catalog WHERE price = NULL::numeric;
SELECT id FROM catalog WHERE price > NULL::numeric;
SELECT * FROM requests();
-- values a filter cannot carry (HubSpot's lowercase of non-ASCII text is
-- unknown): left out; a search left with no filter lists instead
SELECT * FROM explain_analyze($$SELECT id FROM catalog WHERE sku IN ('SKU-6', 'Äpfel')$$);
SELECT * FROM explain_analyze($$SELECT id FROM catalog WHERE sku IN ('SKU-6', 'Äpfel') AND price > 3$$);
CALL emu.clear_log();
-- why a listing does not search
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM catalog WHERE name LIKE 'W%';
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM catalog WHERE price <> 3;

--
-- Parameters: generic plans send the values of each execution
--
SET plan_cache_mode = force_generic_plan;
PREPARE cheap(numeric) AS SELECT id FROM catalog WHERE price < $1 ORDER BY id;
EXECUTE cheap(3);
EXECUTE cheap(2);
EXECUTE cheap(NULL);
SELECT * FROM searches();
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE cheap(4);
DEALLOCATE cheap;
-- a LIMIT given by a parameter: HubSpot's sort and page size when it is
-- within 10,000, else PostgreSQL sorts what the search reads
PREPARE top(int) AS SELECT id, price FROM catalog WHERE price > 0 ORDER BY price DESC LIMIT $1;
EXECUTE top(2);
SELECT * FROM searches();
CREATE TEMP TABLE top_all AS EXECUTE top(20000);
SELECT count(*), max(price), min(price) FROM top_all;
SELECT * FROM searches();
DROP TABLE top_all;
DEALLOCATE top;
RESET plan_cache_mode;

--
-- ORDER BY one column and LIMIT: HubSpot's sort and page size
--
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, name FROM catalog ORDER BY id LIMIT 5;
SELECT id, name FROM catalog ORDER BY id LIMIT 5;
SELECT * FROM searches();
SELECT id FROM catalog ORDER BY id DESC LIMIT 3 OFFSET 2;
SELECT * FROM searches();
-- a property that may be empty: sorted by HubSpot only where the filters
-- keep records with a value
EXPLAIN (COSTS OFF) SELECT id, price FROM catalog WHERE price > 0 ORDER BY price DESC LIMIT 3;
SELECT id, price FROM catalog WHERE price > 0 ORDER BY price DESC LIMIT 3;
SELECT * FROM searches();
EXPLAIN (COSTS OFF) SELECT id, price FROM catalog ORDER BY price LIMIT 3;
SELECT id, price FROM catalog ORDER BY price NULLS FIRST, id LIMIT 3;
-- more than one page: PostgreSQL sorts (paging by offset could skip what
-- the statement writes); a type modifier changes the value read: no filter
EXPLAIN (COSTS OFF) SELECT id, price FROM catalog WHERE price > 0 ORDER BY price DESC LIMIT 201;
ALTER FOREIGN TABLE catalog ADD COLUMN price2 numeric(10,1) OPTIONS (property 'price');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM catalog WHERE price2 = 5;
ALTER FOREIGN TABLE catalog DROP COLUMN price2;
-- text filters are not exact: no LIMIT is sent, and the rows are sorted here
SELECT id, price FROM catalog WHERE price > 0 AND sku = 'SKU-6' ORDER BY id LIMIT 1;
SELECT * FROM searches();

--
-- count(*): HubSpot's total, one request with limit 1
--
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM catalog WHERE price > 10;
SELECT count(*) FROM catalog WHERE price > 10;
SELECT * FROM searches();
SELECT count(*) FROM catalog;
SELECT count(*) FROM catalog WHERE price > 1000;
SELECT * FROM searches();
SELECT count(*) FROM catalog WHERE price = NULL::numeric;
SELECT * FROM requests();
-- another aggregate: PostgreSQL aggregates the rows
EXPLAIN (COSTS OFF) SELECT count(*), max(price) FROM catalog WHERE price > 10;
-- a string filter (no case) may be an enumeration's (exact): when the
-- catalogue says string, the rows of the search are counted instead
SELECT * FROM explain_analyze($$SELECT count(*) FROM catalog WHERE sku = 'SKU-1'$$);
SELECT count(*) FROM catalog WHERE sku = 'SKU-1';
SELECT * FROM searches();

--
-- Consistency: search lags writes (here by a minute), so a session that
-- wrote to the object in this transaction or the last minute lists it
--
CALL emu.config('{"search_lag_ms": 60000}');
-- a session that has not written sees what search sees: nothing yet
SELECT count(*) FROM catalog WHERE price > 0;
SELECT * FROM searches();
INSERT INTO catalog (name, price) VALUES ('Fresh', 7);
CALL emu.clear_log();
SELECT name, price FROM catalog WHERE price = 7 ORDER BY id;
SELECT count(*) FROM catalog WHERE price > 0;
SELECT * FROM requests();
SELECT * FROM explain_analyze($$SELECT name FROM catalog WHERE price = 7$$);
CALL emu.config('{"search_lag_ms": 0}');

-- WHERE archived reads the archived listing; use_search 'false' the listing
\c
CALL emu.clear_log();
SELECT count(*) FROM catalog WHERE archived AND price > 1;
SELECT method, path, query->'archived' AS archived FROM emu.requests();
ALTER FOREIGN TABLE catalog OPTIONS (ADD use_search 'false');
CALL emu.clear_log();
SELECT count(*) FROM catalog WHERE price > 1;
SELECT * FROM requests();
ALTER FOREIGN TABLE catalog OPTIONS (DROP use_search);
ALTER SERVER hubspot OPTIONS (ADD use_search 'off');
SELECT count(*) FROM catalog WHERE price > 1;
SELECT * FROM requests();
ALTER SERVER hubspot OPTIONS (DROP use_search);
ALTER FOREIGN TABLE catalog OPTIONS (ADD use_search 'maybe');

--
-- Search's own rate limit: a 429 ("secondly") is waited out in about a
-- second, and EXPLAIN ANALYZE counts it
--
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/search", "status": 429, "times": 1,
                 "body": {"status": "error", "message": "You have reached your secondly limit.",
                          "errorType": "RATE_LIMIT", "policyName": "SECONDLY"}}');
SELECT clock_timestamp() AS before \gset
CREATE TEMP TABLE plan AS SELECT 1;
DO $$ DECLARE p json; BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM catalog WHERE price = 6' INTO p;
  DROP TABLE plan;
  CREATE TEMP TABLE plan AS SELECT p->0->'Plan' AS node;
END $$;
SELECT node->>'HubSpot Requests' AS requests, node->>'HubSpot 429 Responses' AS "429s",
       (node->>'HubSpot Rate Limit Wait')::float8 BETWEEN 500 AND 2000 AS waited_about_a_second
  FROM plan;
SELECT clock_timestamp() - :'before' < interval '4 seconds' AS waited_briefly;
SELECT * FROM searches();

--
-- Wide objects: properties that would make the URL too long are read
-- through request bodies (batch/read), never a 414
--
CALL emu.config('{"max_url_length": 16000}');
SELECT emu.ctl('properties', '{"generate": 400, "prefix": "custom_field_with_a_rather_long_internal_name_"}') IS NOT NULL AS added;
SELECT emu.seed('{"objects": [{"properties": {"name": "Wide", "custom_field_with_a_rather_long_internal_name_00001": "x"}}]}') IS NOT NULL AS seeded;
-- a new session reads the new catalogue
\c
CALL emu.clear_log();
SELECT count(*), count(*) FILTER (WHERE properties->>'custom_field_with_a_rather_long_internal_name_00001' = 'x') AS wide
  FROM catalog;
SELECT * FROM requests();
SELECT id FROM catalog WHERE id = 1000003 AND properties ? 'name';
SELECT * FROM requests();
SELECT * FROM explain_analyze('SELECT properties FROM catalog', true);

--
-- Numbers as HubSpot may write them ("7.", ".5": hubspot-api.md 12.2); text
-- IS NULL is exact (a cleared value is no value); an OR of text equalities
-- stays groups (EQ carries non-ASCII text, a string IN does not); a
-- volatile LIMIT is PostgreSQL's, evaluated once, by it alone
--
SELECT jsonb_array_length(emu.seed('{"objects": [{"properties": {"name": "Dot", "price": "7."}},
                                                 {"properties": {"name": "Élan", "price": ".5"}}]}')->'ids') AS seeded;
CALL emu.clear_log();
SELECT name FROM catalog WHERE properties->>'price' = '7.';
SELECT name FROM catalog WHERE properties->>'price' IN ('.5', '7.') ORDER BY name;
SELECT count(*) FROM catalog WHERE name = 'Élan' OR name = 'Dot';
SELECT * FROM searches();
SELECT * FROM explain_analyze($$SELECT count(*) FROM catalog WHERE sku IS NULL$$);
CREATE SEQUENCE lim_seq;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT price FROM catalog WHERE price > 0 ORDER BY price LIMIT 10 - nextval('lim_seq');
SELECT count(*) FROM (SELECT price FROM catalog WHERE price > 0 ORDER BY price LIMIT 10 - nextval('lim_seq')) x;
SELECT currval('lim_seq');
DROP SEQUENCE lim_seq;

--
-- Past 10,000 results: HubSpot pages no further by offset; a search sorted
-- by id asks each next page as the ids after the last one read
--
CALL emu.reset();
SELECT jsonb_array_length(emu.seed('{"count": 12000, "properties": {"name": "Bulk {i}", "price": "5"}}')->'ids');
CALL emu.clear_log();
SELECT count(*), count(DISTINCT id), min(id), max(id) FROM catalog WHERE price = 5;
SELECT count(*) AS requests, count(*) FILTER (WHERE body->'filterGroups'->0->'filters' @> '[{"propertyName": "hs_object_id"}]') AS after_restart,
       count(*) FILTER (WHERE body ? 'after') AS by_offset
  FROM searches();
SELECT count(*) FROM catalog WHERE price = 5;
SELECT * FROM searches();

DROP FUNCTION searches();
DROP FUNCTION requests();
DROP FUNCTION explain_analyze(text, boolean);
DROP FOREIGN TABLE catalog;
