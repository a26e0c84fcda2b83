--
-- search_diff: search pushdown checked against the listing.  300 generated
-- queries (conditions of every kind, ORDER BY one column with LIMIT and
-- OFFSET, count(*)) run against two foreign tables of the same object with
-- the same columns: diff_search, which may read through HubSpot's search,
-- and diff_list (use_search 'false'), which reads the listing.  Every query
-- must have the same answer from both.  The records are the emulator's seed:
-- a session that wrote through hubspot_fdw would list instead of searching.
--
CALL emu.reset();

CREATE FOREIGN TABLE diff_search (
    id          bigint,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    name        text,
    price       numeric,
    sku         text OPTIONS (property 'hs_sku'),
    status      text OPTIONS (property 'hs_status'),
    tax         varchar OPTIONS (property 'hs_tax_category'),
    in_stock    boolean,
    launch_date date,
    weight      numeric OPTIONS (property 'weight_kg'),
    folder      integer OPTIONS (property 'hs_folder_id'),
    channels    text OPTIONS (property 'sales_channels'),
    descr       varchar OPTIONS (property 'description')
) SERVER hubspot OPTIONS (object 'products');

CREATE FOREIGN TABLE diff_list (
    id          bigint,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    name        text,
    price       numeric,
    sku         text OPTIONS (property 'hs_sku'),
    status      text OPTIONS (property 'hs_status'),
    tax         varchar OPTIONS (property 'hs_tax_category'),
    in_stock    boolean,
    launch_date date,
    weight      numeric OPTIONS (property 'weight_kg'),
    folder      integer OPTIONS (property 'hs_folder_id'),
    channels    text OPTIONS (property 'sales_channels'),
    descr       varchar OPTIONS (property 'description')
) SERVER hubspot OPTIONS (object 'products', use_search 'false');

--
-- The records: record i takes an element of each list below, each property
-- stepping through its list at its own pace.  '<missing>' leaves the
-- property out, NULL sends null, '' an empty value.  Strings in mixed case
-- and beyond ASCII, enumerations (a multiple choice too), numbers negative,
-- zero ("-0" too), decimals with trailing zeros, booleans, dates (also as
-- epoch milliseconds).
--
CREATE FUNCTION diff_record(i int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_object_agg(k, v) FROM (VALUES
    ('name', (ARRAY['Red', 'RED', 'red', 'rEd', 'Élan', 'élan', 'ÉLAN', 'Blue', 'blue', 'Straße',
                    'STRASSE', 'Widget 7', 'a''b', 'x%y', '日本', '', NULL, '<missing>', ' red'])[1 + (i * 7) % 19]),
    ('price', (ARRAY['0', '-1', '-0.5', '1.5', '10', '10.00', '99999999.99', '0.001', '-100', '3',
                     '7', '7.0', '', NULL, '<missing>', '42', '-0', '.5', '10.', '2.5', '2.50', '-7',
                     '<missing>'])[1 + (i * 5) % 23]),
    ('hs_sku', (ARRAY['SKU-1', 'sku-1', 'Sku-1', 'SKU-2', 'sku-2', 'ABC', 'abc', '', NULL, '<missing>',
                      'É-1', 'é-1', 'sku_1'])[1 + (i * 3) % 13]),
    ('hs_status', (ARRAY['active', 'inactive', '<missing>', '', NULL, 'active', 'inactive'])[1 + (i * 2 + 1) % 7]),
    ('hs_tax_category', (ARRAY['standard', 'reduced', 'zero_rated', 'exempt', '<missing>'])[1 + (i / 3) % 5]),
    ('in_stock', (ARRAY['true', 'false', '<missing>', '', NULL, 'true', 'false', 'true', 'false', 'true',
                        'false'])[1 + (i * 4) % 11]),
    ('launch_date', (ARRAY['2024-01-01', '2023-12-31', '2024-02-29', '1999-01-01', '2030-06-15',
                           '1970-01-01', '1969-12-31', '2024-01-02', '<missing>', '', NULL,
                           '1704153600000', '2024-03-10', '2024-01-01', '2023-12-31', '0',
                           '2024-02-29'])[1 + (i * 6) % 17]),
    ('weight_kg', (ARRAY['0', '0.5', '-2', '12.345', '', '<missing>', '1000000', '0.0001', '2.5', '2.50',
                         '-0.001', NULL, '7', '3', '4', '0.25', '100', '0.5', '12.3450'])[1 + (i * 8) % 19]),
    ('hs_folder_id', (ARRAY['-3', '0', '1', '2', '3', '5', '8', '', '<missing>', '100', NULL])[1 + (i * 4 + 3) % 11]),
    ('sales_channels', (ARRAY['web', 'retail', 'web;retail', 'partner;web', 'retail;partner;web', '',
                              '<missing>', NULL, 'partner', 'web'])[1 + (i / 2) % 10]),
    ('description', (ARRAY['Hello', 'hello', 'HELLO', 'Ünïcode', 'ünïcode', '', NULL, '<missing>', 'a b',
                           '日本語', 'x_y', 'Hello ', 'ÜNÏCODE'])[1 + (i * 9) % 13])
  ) AS p(k, v)
  WHERE v IS DISTINCT FROM '<missing>'
$$;

-- 150 live records in ten batches, each created at its own time of the
-- emulator's clock (created_at and updated_at on both sides of a
-- millisecond, of a year, of a DST change), and 6 archived ones
CREATE TABLE diff_seeded (batch int, ids int);
DO $$
DECLARE
  clocks text[] := ARRAY['2026-01-15T10:00:00.000Z', '2026-01-15T10:00:00.001Z', '2026-01-15T09:59:59.999Z',
                         '2025-12-31T23:59:59.999Z', '2026-01-01T00:00:00.000Z', '2026-03-08T10:00:00.500Z',
                         '2024-02-29T12:00:00.000Z', '2026-01-15T10:00:00.000Z', '2030-01-01T00:00:00.000Z',
                         '2000-01-01T00:00:00.123Z'];
BEGIN
  FOR b IN 0 .. 9 LOOP
    CALL emu.config(jsonb_build_object('clock', clocks[b + 1]));
    INSERT INTO diff_seeded
      SELECT b, jsonb_array_length(emu.seed(jsonb_build_object('objects', (
               SELECT jsonb_agg(jsonb_build_object('properties', diff_record(i)) ORDER BY i)
                 FROM generate_series(b * 15 + 1, b * 15 + 15) i)))->'ids');
  END LOOP;
  INSERT INTO diff_seeded
    SELECT 10, jsonb_array_length(emu.seed(jsonb_build_object('objects', (
             SELECT jsonb_agg(jsonb_build_object('properties', diff_record(i), 'archived', true) ORDER BY i)
               FROM generate_series(151, 156) i)))->'ids');
  CALL emu.config('{"clock": "2026-01-15T10:00:00.000Z"}');
END $$;
SELECT count(*) FILTER (WHERE batch < 10) AS batches, sum(ids) FILTER (WHERE batch < 10) AS live,
       sum(ids) FILTER (WHERE batch = 10) AS archived
  FROM diff_seeded;
SELECT count(*) AS records, count(DISTINCT created_at) AS creation_times,
       count(name) AS with_name, count(price) AS with_price, count(in_stock) AS with_in_stock
  FROM diff_list;

--
-- The generator: setseed() makes random() the same sequence in every run.
--

-- equality without case or accents (HubSpot's strings ignore case only)
CREATE COLLATION diff_ci (provider = icu, locale = 'und-u-ks-level1', deterministic = false);
CREATE FUNCTION diff_pick(VARIADIC a text[]) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT a[1 + floor(random() * array_length(a, 1))::int]
$$;

-- A value (an SQL literal) for a column of this kind; sometimes a scalar
-- subquery, whose value is known only when the scan starts.
CREATE FUNCTION diff_value(kind text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF random() < 0.06 THEN
    RETURN format('(SELECT %s)', diff_value(kind));
  END IF;
  RETURN CASE kind
    WHEN 'num' THEN diff_pick('0', '-1', '-0.5', '1.5', '10', '7', '3', '42', '2.5', '99999999.99', '0.001',
                              '-100', '1e20', '-1e-20', '10.00', '0.5', '12.345', '1000000', '-0',
                              'NULL::numeric', '''NaN''::numeric', '''Infinity''::numeric', '''-Infinity''::numeric')
    WHEN 'int' THEN diff_pick('0', '1', '2', '3', '5', '-3', '100', '2.5', '3000000000', '-2147483648',
                              'NULL::int', '1::smallint', '''NaN''::numeric', '8')
    WHEN 'id' THEN diff_pick('1000000', '1000001', '1000040', '1000075', '1000150', '1000151', '999999999999',
                             '-1', '1000075.5', 'NULL::bigint', '1000100', '1000020')
    WHEN 'name' THEN diff_pick('''Red''', '''red''', '''RED''', '''rEd''', ''' red''', '''Élan''', '''élan''',
                               '''ÉLAN''', '''Straße''', '''STRASSE''', '''straße''', '''Blue''', '''blue''',
                               '''Widget 7''', '''a''''b''', '''x%y''', '''日本''', '''''', 'NULL::text', '''10''')
    WHEN 'sku' THEN diff_pick('''SKU-1''', '''sku-1''', '''Sku-1''', '''SKU-2''', '''ABC''', '''abc''',
                              '''É-1''', '''é-1''', '''sku_1''', '''''', 'NULL::text', '''Red''')
    WHEN 'status' THEN diff_pick('''active''', '''active''', '''inactive''', '''Active''', '''INACTIVE''',
                                 '''''', 'NULL::text', '''standard''')
    WHEN 'tax' THEN diff_pick('''standard''', '''reduced''', '''zero_rated''', '''exempt''', '''STANDARD''',
                              '''Reduced''', '''''', 'NULL::text', '''active''')
    WHEN 'channels' THEN diff_pick('''web''', '''retail''', '''web;retail''', '''partner;web''',
                                   '''retail;partner;web''', '''partner''', '''WEB''', '''retail;web''', '''''',
                                   'NULL::text')
    WHEN 'other' THEN diff_pick('''10''', '''10.00''', '''7.0''', '''-0''', '''true''', '''True''', '''false''',
                                '''reduced''', '''''', 'NULL::text')
    WHEN 'descr' THEN diff_pick('''Hello''', '''hello''', '''HELLO''', '''Hello ''', '''Ünïcode''',
                                '''ünïcode''', '''ÜNÏCODE''', '''a b''', '''日本語''', '''x_y''', '''''',
                                'NULL::text')
    WHEN 'date' THEN diff_pick('''2024-01-01''::date', '''2023-12-31''::date', '''2024-02-29''::date',
                               '''1970-01-01''::date', '''1969-12-31''::date', '''1999-01-01''::date',
                               '''2030-06-15''::date', '''2024-01-02''::date', '''infinity''::date',
                               '''-infinity''::date', 'NULL::date', '''2024-03-10''::date',
                               '''0001-01-01''::date', '''9999-12-31''::date', '''1970-01-02''::date')
    WHEN 'ts' THEN diff_pick('''2026-01-15 10:00:00+00''::timestamptz', '''2026-01-15 10:00:00.001+00''::timestamptz',
                             '''2026-01-15 09:59:59.9995+00''::timestamptz', '''2026-01-15 10:00:00.0005+00''::timestamptz',
                             '''2025-12-31 23:59:59.999+00''::timestamptz', '''2026-01-01 00:00:00+00''::timestamptz',
                             '''2026-01-01 00:00:00-08''::timestamptz', '''2026-03-08 10:00:00.5+00''::timestamptz',
                             '''2024-02-29 12:00:00+00''::timestamptz', '''2030-01-01 00:00:00+00''::timestamptz',
                             '''2000-01-01 00:00:00.123+00''::timestamptz', '''infinity''::timestamptz',
                             '''-infinity''::timestamptz', 'NULL::timestamptz',
                             '''1969-12-31 23:59:59.999+00''::timestamptz', '''2026-01-15 02:00:00 PST''::timestamptz')
  END;
END $$;

-- 1 to 3 values, for IN and NOT IN
CREATE FUNCTION diff_values(kind text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  r text := diff_value(kind);
BEGIN
  FOR i IN 2 .. 1 + floor(random() * 3)::int LOOP
    r := r || ', ' || diff_value(kind);
  END LOOP;
  RETURN r;
END $$;

-- One condition.  exact: only of the kinds whose filters HubSpot evaluates
-- as PostgreSQL does (numbers, dates, times, booleans, enumerations), which
-- let it sort and limit.
CREATE FUNCTION diff_atom(exact boolean) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  col text;
  kind text;
  r float8 := random();
  op text;
  arr text;
BEGIN
  IF r < 0.10 THEN
    IF exact THEN
      RETURN diff_pick('in_stock', 'NOT in_stock', 'in_stock IS TRUE', 'in_stock IS FALSE', 'in_stock = true',
                       'in_stock IS NULL', 'in_stock IS NOT NULL', 'in_stock IN (false, NULL)');
    END IF;
    RETURN diff_pick('in_stock', 'NOT in_stock', 'in_stock IS TRUE', 'in_stock IS FALSE',
                     'in_stock IS NOT TRUE', 'in_stock IS NOT FALSE', 'in_stock IS UNKNOWN',
                     'in_stock = true', 'in_stock = false', 'in_stock = NULL::boolean',
                     'in_stock <> true', 'in_stock IS NULL', 'in_stock IS NOT NULL',
                     'in_stock IN (true, NULL)', 'in_stock < true', 'NOT archived', 'archived IS FALSE',
                     'archived', 'in_stock IS DISTINCT FROM false', 'in_stock = (SELECT true)');
  END IF;
  -- conditions that are no filter: PostgreSQL alone decides
  IF r < 0.14 AND NOT exact THEN
    RETURN diff_pick('(properties->>''price'')::numeric > 5', 'properties ? ''hs_sku''',
                     'properties @> ''{"hs_status": "active"}''', 'name IS NOT DISTINCT FROM ''Red''',
                     'upper(name) = ''RED''', 'weight = 2.5::float8', 'price + 0 > 5',
                     'launch_date < ''2024-01-01 12:00''::timestamp', 'lower(sku) = ''sku-1''',
                     'channels LIKE ''%web%''', 'length(descr) > 4', 'folder % 2 = 0');
  END IF;
  r := random();
  IF r < 0.35 THEN
    col := diff_pick('price', 'price', 'weight', 'folder', 'id');
    kind := CASE col WHEN 'folder' THEN 'int' WHEN 'id' THEN 'id' ELSE 'num' END;
  ELSIF r < 0.45 THEN
    col := 'launch_date';
    kind := 'date';
  ELSIF r < 0.53 THEN
    col := diff_pick('created_at', 'updated_at');
    kind := 'ts';
  ELSIF exact THEN
    col := diff_pick('status', 'tax', 'properties->>''hs_status''', 'properties->>''hs_tax_category''');
    kind := CASE WHEN col LIKE '%status%' THEN 'status' ELSE 'tax' END;
  ELSIF r < 0.82 THEN
    col := diff_pick('name', 'name', 'sku', 'status', 'tax', 'channels', 'descr');
    kind := col;
  ELSE
    col := diff_pick('name', 'hs_sku', 'hs_status', 'hs_tax_category', 'sales_channels', 'price', 'in_stock',
                     'description', 'no_such_property');
    kind := CASE col WHEN 'name' THEN 'name' WHEN 'hs_sku' THEN 'sku' WHEN 'description' THEN 'descr'
                     WHEN 'hs_status' THEN 'status' WHEN 'hs_tax_category' THEN 'tax'
                     WHEN 'sales_channels' THEN 'channels' ELSE 'other' END;
    col := format('properties->>%L', col);
  END IF;

  IF kind NOT IN ('num', 'int', 'id', 'date', 'ts') THEN
    op := CASE WHEN exact THEN diff_pick('=', 'IN', 'IS NULL')
               ELSE diff_pick('=', '=', '=', 'IN', 'IN', 'NOT IN', '<>', '<', '>=', 'IS NULL', 'IS NOT NULL',
                              'LIKE', 'ILIKE', '= C', '= CI', 'IN CI') END;
    RETURN CASE op
      WHEN 'IN' THEN format('%s IN (%s)', col, diff_values(kind))
      WHEN 'NOT IN' THEN format('%s NOT IN (%s)', col, diff_values(kind))
      WHEN 'IS NULL' THEN col || ' IS NULL'
      WHEN 'IS NOT NULL' THEN col || ' IS NOT NULL'
      WHEN 'LIKE' THEN format('%s LIKE %L', col, diff_pick('%ed', 'R%', '%a%', 'x\%y', 'É%', '_ed', '%', 'web%'))
      WHEN 'ILIKE' THEN format('%s ILIKE %L', col, diff_pick('%ed', 'r%', 'sku%', 'é%', '%WEB%'))
      WHEN '= C' THEN format('%s = %s COLLATE "C"', col, diff_value(kind))
      WHEN '= CI' THEN format('%s = %s COLLATE diff_ci', col, diff_value(kind))
      WHEN 'IN CI' THEN format('%s COLLATE diff_ci IN (%s)', col, diff_values(kind))
      ELSE format('%s %s %s', col, op, diff_value(kind))
    END;
  END IF;

  arr := CASE kind WHEN 'num' THEN 'numeric' WHEN 'int' THEN 'int' WHEN 'id' THEN 'bigint'
                   WHEN 'date' THEN 'date' ELSE 'timestamptz' END;
  op := CASE WHEN exact THEN diff_pick('=', '<', '<=', '>', '>=', 'BETWEEN', 'IN', 'IS NULL', 'IS NOT NULL')
             ELSE diff_pick('=', '<>', '<', '<=', '>', '>=', '=', '<', '>', 'BETWEEN', 'NOT BETWEEN',
                            'BETWEEN SYMMETRIC', 'IN', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL', 'ANY{}',
                            'ALL{}') END;
  RETURN CASE op
    WHEN 'BETWEEN' THEN format('%s BETWEEN %s AND %s', col, diff_value(kind), diff_value(kind))
    WHEN 'NOT BETWEEN' THEN format('%s NOT BETWEEN %s AND %s', col, diff_value(kind), diff_value(kind))
    WHEN 'BETWEEN SYMMETRIC' THEN format('%s BETWEEN SYMMETRIC %s AND %s', col, diff_value(kind), diff_value(kind))
    WHEN 'IN' THEN format('%s IN (%s)', col, diff_values(kind))
    WHEN 'NOT IN' THEN format('%s NOT IN (%s)', col, diff_values(kind))
    WHEN 'IS NULL' THEN col || ' IS NULL'
    WHEN 'IS NOT NULL' THEN col || ' IS NOT NULL'
    WHEN 'ANY{}' THEN format('%s = ANY (%L::%s[])', col, '{}', arr)
    WHEN 'ALL{}' THEN format('%s <> ALL (%L::%s[])', col, '{}', arr)
    ELSE format('%s %s %s', col, op, diff_value(kind))
  END;
END $$;

-- n conditions joined by AND and OR in a random tree, now and then negated
CREATE FUNCTION diff_cond(n int, exact boolean DEFAULT false) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k int;
  c text;
BEGIN
  IF n <= 1 THEN
    RETURN diff_atom(exact);
  END IF;
  k := 1 + floor(random() * (n - 1))::int;
  c := format('(%s %s %s)', diff_cond(k, exact), CASE WHEN random() < 0.55 THEN 'AND' ELSE 'OR' END,
              diff_cond(n - k, exact));
  IF random() < 0.1 THEN
    c := 'NOT ' || c;
  END IF;
  RETURN c;
END $$;

-- One query, {table} standing for the table, whose rows are (k, r): r the
-- row as text, k the ORDER BY key as text.  Its form tells how two answers
-- are compared (diff_same): 'set' (rows in any order; some of them a
-- correlated subquery's answers for three values), 'count' (count(*),
-- one value), 'seq' (a total order: the same rows in the same order),
-- 'ties' (ORDER BY one column: the same keys in the same order, and rows
-- tied at the ends of a LIMIT / OFFSET window any of the tied ones), 'limit'
-- (LIMIT without ORDER BY: as many rows, all of them answers of ref, the
-- query without LIMIT and ORDER BY).
CREATE FUNCTION diff_query(OUT form text, OUT sql text, OUT ref text) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  r float8 := random();
  cond text := diff_cond((ARRAY[1, 1, 1, 2, 2, 2, 2, 3, 3, 4])[1 + floor(random() * 10)::int]);
  proj text := diff_pick('row(t.id, t.name, t.price, t.sku, t.status, t.tax, t.in_stock, t.launch_date, t.weight, '
                         't.folder, t.channels, t.descr, t.created_at, t.updated_at, t.archived)::text',
                         'row(t.id, t.name, t.price, t.sku, t.status, t.tax, t.in_stock, t.launch_date, t.weight, '
                         't.folder, t.channels, t.descr, t.created_at, t.updated_at, t.archived)::text',
                         't.id::text', 'row(t.id, t.properties)::text', 't::text');
  col text;
  kind text;
  key text;
  dir text;
  lim text;
BEGIN
  IF r < 0.05 THEN
    -- a subquery run again for each outer value: the scan restarts with it
    form := 'set';
    col := diff_pick('price', 'weight', 'folder', 'id', 'launch_date', 'created_at');
    kind := CASE col WHEN 'folder' THEN 'int' WHEN 'id' THEN 'id' WHEN 'launch_date' THEN 'date'
                     WHEN 'created_at' THEN 'ts' ELSE 'num' END;
    sql := format('SELECT NULL::text AS k, coalesce(x::text, ''NULL'') || '': '' || '
                  'coalesce((SELECT string_agg(t.id::text, '','' ORDER BY t.id) FROM {table} t '
                  'WHERE %s AND t.%s %s x), '''') AS r FROM unnest(ARRAY[%s, %s, %s]) x',
                  diff_cond(1), col, diff_pick('=', '<', '>=', '<>'),
                  diff_value(kind), diff_value(kind), diff_value(kind));
  ELSIF r < 0.40 THEN
    form := 'set';
    sql := format('SELECT NULL::text AS k, %s AS r FROM {table} t WHERE %s', proj, cond);
  ELSIF r < 0.60 THEN
    form := 'count';
    IF random() < 0.4 THEN
      cond := diff_cond(CASE WHEN random() < 0.7 THEN 1 ELSE 2 END, true);
    END IF;
    sql := CASE WHEN random() < 0.1 THEN 'SELECT count(*) FROM {table} t'
                WHEN random() < 0.1 THEN 'SELECT count(price) FROM {table} t WHERE ' || cond
                ELSE 'SELECT count(*) FROM {table} t WHERE ' || cond END;
  ELSIF r < 0.90 THEN
    col := diff_pick('price', 'weight', 'folder', 'launch_date', 'created_at', 'updated_at', 'id', 'id', 'name');
    kind := CASE col WHEN 'folder' THEN 'int' WHEN 'id' THEN 'id' WHEN 'launch_date' THEN 'date'
                     WHEN 'created_at' THEN 'ts' WHEN 'updated_at' THEN 'ts' WHEN 'name' THEN 'name' ELSE 'num' END;
    -- often conditions HubSpot evaluates exactly, and one that keeps only
    -- records with a value: HubSpot can sort then
    IF random() < 0.5 THEN
      cond := diff_cond(CASE WHEN random() < 0.7 THEN 1 ELSE 2 END, true);
    END IF;
    IF random() < 0.8 THEN
      cond := format('%s AND %s', CASE WHEN random() < 0.5 THEN col || ' IS NOT NULL'
                                       ELSE format('%s %s %s', col, diff_pick('>', '>=', '<', '<=', '='),
                                                   diff_value(kind)) END,
                     cond);
    END IF;
    -- the key as text: numbers without trailing zeros (10 and 10.00 tie)
    key := CASE WHEN kind = 'num' THEN format('trim_scale(t.%s)::text', col) ELSE format('t.%s::text', col) END;
    dir := diff_pick('', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST', ' ASC NULLS LAST');
    lim := CASE WHEN random() < 0.15 THEN '' ELSE ' LIMIT ' || floor(random() * 12)::int END ||
           CASE WHEN random() < 0.3 THEN ' OFFSET ' || floor(random() * 6)::int ELSE '' END;
    IF col = 'id' OR random() < 0.3 THEN
      form := 'seq';
      sql := format('SELECT %s AS k, %s AS r FROM {table} t WHERE %s ORDER BY t.%s%s%s%s',
                    key, proj, cond, col, dir, CASE WHEN col = 'id' THEN '' ELSE ', t.id' END, lim);
    ELSE
      form := 'ties';
      sql := format('SELECT %s AS k, %s AS r FROM {table} t WHERE %s ORDER BY t.%s%s%s',
                    key, proj, cond, col, dir, lim);
      ref := format('SELECT NULL::text AS k, %s AS r FROM {table} t WHERE %s', proj, cond);
    END IF;
  ELSE
    form := 'limit';
    IF random() < 0.5 THEN
      cond := diff_cond(CASE WHEN random() < 0.7 THEN 1 ELSE 2 END, true);
    END IF;
    ref := format('SELECT NULL::text AS k, %s AS r FROM {table} t WHERE %s', proj, cond);
    sql := ref || ' LIMIT ' || (1 + floor(random() * 10)::int) ||
           CASE WHEN random() < 0.2 THEN ' OFFSET 2' ELSE '' END;
  END IF;
END $$;

-- One query against one table: the keys and rows in their order
-- (count(*)'s value as the one row).
CREATE FUNCTION diff_run(form text, sql text, tbl text, OUT ks text[], OUT rs text[])
LANGUAGE plpgsql AS $$
DECLARE
  rec record;
  c bigint;
BEGIN
  ks := '{}';
  rs := '{}';
  IF form = 'count' THEN
    EXECUTE replace(sql, '{table}', tbl) INTO c;
    rs := ARRAY[c::text];
    RETURN;
  END IF;
  FOR rec IN EXECUTE replace(sql, '{table}', tbl) LOOP
    ks := ks || rec.k;
    rs := rs || rec.r;
  END LOOP;
END $$;

-- The search requests of the emulator's log (their bodies, without the
-- property lists), and the log emptied, in one run of emuctl.
CREATE FUNCTION diff_take_searches() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  s emu.settings;
  result jsonb;
BEGIN
  SELECT * INTO s FROM emu.settings;
  IF to_regclass('pg_temp.diff_log') IS NULL THEN
    CREATE TEMP TABLE diff_log (line text);
  END IF;
  TRUNCATE diff_log;
  EXECUTE format('COPY diff_log FROM PROGRAM %L',
                 format('python3 %1$s --url %2$s --copy log && python3 %1$s --url %2$s clear-log',
                        emu.shell_quote(s.emuctl), emu.shell_quote(s.url)));
  SELECT coalesce(jsonb_agg((l->'body') - 'properties' ORDER BY (l->>'seq')::int), '[]')
    INTO result
    FROM (SELECT line::jsonb AS l FROM diff_log) x
   WHERE l->>'path' LIKE '%/search' AND (l->>'status')::int = 200;
  RETURN result;
END $$;

CREATE TABLE diff_queries (
    n        int PRIMARY KEY,
    form     text NOT NULL,
    sql      text NOT NULL,
    ref      text,
    -- the listing's answer, and its answer to ref
    list_k   text[],
    list_r   text[],
    ref_r    text[],
    -- search's answer, and the bodies of the search requests it made
    search_k text[],
    search_r text[],
    searches jsonb
);

--
-- 300 queries, each with the listing's answer: a query whose answer is
-- empty (or a count of 0) is mostly replaced by another, as search can
-- hardly be wrong about it.  The listing table makes no search request.
--
CALL emu.clear_log();
DO $$
DECLARE
  q record;
  a record;
  ref_rows text[];
BEGIN
  PERFORM setseed(0.2026);
  FOR i IN 1 .. 300 LOOP
    FOR try IN 1 .. 5 LOOP
      SELECT * INTO q FROM diff_query();
      a := diff_run(q.form, q.sql, 'diff_list');
      EXIT WHEN (cardinality(a.rs) > 0 AND a.rs <> '{0}') OR random() < 0.15;
    END LOOP;
    ref_rows := NULL;
    IF q.ref IS NOT NULL THEN
      ref_rows := (diff_run('set', q.ref, 'diff_list')).rs;
    END IF;
    INSERT INTO diff_queries (n, form, sql, ref, list_k, list_r, ref_r)
      VALUES (i, q.form, q.sql, q.ref, a.ks, a.rs, ref_rows);
  END LOOP;
END $$;
SELECT jsonb_array_length(diff_take_searches()) AS searches_of_diff_list;

-- Do two answers to a query of this form agree (see diff_query)?
CREATE FUNCTION diff_sorted(a text[]) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(x ORDER BY x COLLATE "C"), '{}') FROM unnest(a) x
$$;
CREATE FUNCTION diff_inner(ks text[], rs text[]) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT diff_sorted(ARRAY(SELECT r FROM unnest(ks, rs) u(k, r)
                            WHERE k IS DISTINCT FROM ks[1] AND k IS DISTINCT FROM ks[cardinality(ks)]))
$$;
CREATE FUNCTION diff_same(form text, ka text[], ra text[], kb text[], rb text[], ref text[])
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(CASE form
    WHEN 'seq' THEN ra = rb
    WHEN 'ties' THEN ka = kb AND diff_inner(ka, ra) = diff_inner(kb, rb) AND ra <@ ref AND rb <@ ref
    WHEN 'limit' THEN cardinality(ra) = cardinality(rb) AND ra <@ ref AND rb <@ ref
    ELSE diff_sorted(ra) = diff_sorted(rb)
  END, false)
$$;

--
-- Every query against the search table, each query's search requests taken
-- from the log
--
DO $$
DECLARE
  q record;
  a record;
BEGIN
  FOR q IN SELECT * FROM diff_queries ORDER BY n LOOP
    a := diff_run(q.form, q.sql, 'diff_search');
    UPDATE diff_queries SET search_k = a.ks, search_r = a.rs, searches = diff_take_searches() WHERE n = q.n;
  END LOOP;
END $$;

--
-- The result: how many queries used search (and how: sorted by HubSpot,
-- limited by HubSpot, counted by HubSpot's total), and how many answers
-- differ (none may)
--
SELECT count(*) AS queries,
       count(*) FILTER (WHERE jsonb_array_length(searches) > 0) AS used_search,
       count(*) FILTER (WHERE NOT diff_same(form, list_k, list_r, search_k, search_r, ref_r)) AS differences
  FROM diff_queries;
SELECT coalesce(form, 'all') AS form, count(*) AS queries,
       count(*) FILTER (WHERE jsonb_array_length(searches) > 0) AS used_search,
       count(*) FILTER (WHERE searches->0 ? 'filterGroups') AS with_filters,
       count(*) FILTER (WHERE searches->0->'sorts'->0->>'propertyName' <> 'hs_object_id' OR
                              searches->0->'sorts'->0->>'direction' = 'DESCENDING') AS sorted_by_hubspot,
       count(*) FILTER (WHERE form <> 'count' AND (searches->0->>'limit')::int < 200) AS limited_by_hubspot,
       count(*) FILTER (WHERE form = 'count' AND (searches->0->>'limit')::int = 1) AS counted_by_hubspot,
       count(*) FILTER (WHERE cardinality(list_r) = 0 OR list_r = '{0}') AS empty_answers,
       count(*) FILTER (WHERE NOT diff_same(form, list_k, list_r, search_k, search_r, ref_r)) AS differences
  FROM diff_queries GROUP BY ROLLUP (form) ORDER BY grouping(form), form;

-- The queries whose answers differ, with both answers' sizes (none)
SELECT n, form, replace(sql, '{table}', 'diff_search') AS query,
       cardinality(list_r) AS listing_rows, cardinality(search_r) AS search_rows
  FROM diff_queries
 WHERE NOT diff_same(form, list_k, list_r, search_k, search_r, ref_r)
 ORDER BY n;

-- The comparison can fail: each listing answer with a row fewer (a count
-- one more) differs from itself for every query
SELECT count(*) AS answers,
       count(*) FILTER (WHERE NOT diff_same(form, list_k, list_r,
                                             CASE WHEN form = 'count' THEN list_k ELSE trim_array(list_k, 1) END,
                                             CASE WHEN form = 'count' THEN ARRAY[(list_r[1]::bigint + 1)::text]
                                                  ELSE trim_array(list_r, 1) END,
                                             ref_r)) AS detected_when_changed,
       count(*) FILTER (WHERE diff_same(form, list_k, list_r, list_k, list_r, ref_r)) AS same_as_itself
  FROM diff_queries WHERE cardinality(list_r) > 0;

DROP TABLE diff_queries, diff_seeded;
DROP FUNCTION diff_same, diff_inner, diff_sorted, diff_take_searches, diff_run, diff_query, diff_cond,
              diff_atom, diff_values, diff_value, diff_pick, diff_record;
DROP FOREIGN TABLE diff_search, diff_list;
DROP COLLATION diff_ci;
