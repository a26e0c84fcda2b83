--
-- concurrency: several requests in flight.  Batched writes keep up to
-- max_concurrent_requests batches in flight and take their answers apart in
-- statement order; reads page ahead and send batch/reads side by side.  The
-- emulator answers each request 200 ms after it arrives, so requests overlap.
-- Which batch arrives first (and so which ids HubSpot hands out) varies from
-- run to run: the output shows counts, row numbers and checks, never ids or
-- times.
--
\getenv emulator_url HUBSPOT_EMULATOR_URL
CREATE SERVER hubspot_conc FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emulator_url', max_retries '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_conc
  OPTIONS (access_token 'pat-test-token');
CREATE FOREIGN TABLE conc (
    id          text,
    properties  jsonb,
    name        text,
    price       numeric
) SERVER hubspot_conc
  OPTIONS (object 'products', batch_size '100', max_concurrent_requests '4');

-- empty store, 200 ms per answer, a window wide enough that nothing is paced
CREATE PROCEDURE conc_reset() LANGUAGE sql AS $$
  CALL emu.reset();
  CALL emu.config('{"latency_ms": 200, "rate_limit": {"max": 1000, "interval_ms": 10000}}');
$$;

-- the overlap of the logged requests whose path contains path_filter
CREATE FUNCTION conc_summary(path_filter text, max_flight int DEFAULT 4)
RETURNS TABLE (requests int, max_in_flight_ok boolean) LANGUAGE sql AS $$
  SELECT (c->>'requests')::int,
         (c->>'max_in_flight')::int BETWEEN 2 AND max_flight
  FROM emu.concurrency(path_filter) c
$$;

-- each batch/create sent once: one request per batch, each row's trace id in
-- exactly one of them
CREATE FUNCTION creates_sent()
RETURNS TABLE (batch_creates bigint, inputs bigint, distinct_rows bigint) LANGUAGE sql AS $$
  SELECT count(DISTINCT r.seq), count(i), count(DISTINCT i->>'objectWriteTraceId')
  FROM emu.requests() r LEFT JOIN LATERAL jsonb_array_elements(r.body->'inputs') i ON true
  WHERE r.method = 'POST' AND r.path LIKE '%/batch/create'
$$;

-- a statement's error, with the numbers that depend on timing masked: its
-- SQLSTATE, message and context (numbers of rows applied or in flight as N),
-- and the rows its context says HubSpot created
CREATE FUNCTION conc_error(statement text, OUT error text, OUT created_said bigint)
LANGUAGE plpgsql AS $f$
DECLARE
  state text; message text; context text;
BEGIN
  EXECUTE statement;
  error := 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          context = PG_EXCEPTION_CONTEXT;
  context := regexp_replace(context, E'\n?(SQL statement "[^"]*"|PL/pgSQL function[^\n]*)', '', 'g');
  created_said := coalesce((regexp_match(context, 'had already created (\d+) row'))[1]::bigint, 0);
  error := state || ': ' || message || E'\nCONTEXT: ' ||
           regexp_replace(context, '\d+ row', 'N row', 'g');
END $f$;

-- EXPLAIN ANALYZE with the time waited for the rate limit masked
CREATE FUNCTION conc_explain(statement text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || statement LOOP
    RETURN NEXT regexp_replace(line, 'Rate Limit Wait: [0-9.]+ ms', 'Rate Limit Wait: N ms');
  END LOOP;
END $f$;

\set QUIET off

--
-- 1. INSERT of 1,000 rows: 10 batch/creates, up to 4 in flight
--
CALL conc_reset();
INSERT INTO conc (name, price) SELECT 'Item ' || g, g FROM generate_series(1, 1000) g;
SELECT * FROM conc_summary('batch/create');
SELECT * FROM creates_sent();
SELECT count(*) AS records, count(DISTINCT o->'properties'->>'name') AS names,
       sum((o->'properties'->>'price')::numeric) AS price_sum
  FROM emu.objects() o;

--
-- 2. rows HubSpot rejects stay exact with batches in flight
--
-- on_error 'skip': a WARNING per rejected row, in statement order, and the
-- count counts the rows written
ALTER FOREIGN TABLE conc OPTIONS (ADD on_error 'skip');
CALL conc_reset();
INSERT INTO conc (name, properties)
  SELECT 'Skip ' || g,
         jsonb_build_object('price', CASE WHEN g IN (17, 250, 251, 512, 799, 800) THEN 'abc' ELSE g::text END)
  FROM generate_series(1, 800) g;
SELECT * FROM conc_summary('batch/create');
SELECT * FROM creates_sent();
SELECT count(*) AS records FROM emu.objects();
SELECT count(*) AS rejected_rows_stored FROM emu.objects() o
 WHERE o->'properties'->>'name' IN ('Skip 17', 'Skip 250', 'Skip 251', 'Skip 512', 'Skip 799', 'Skip 800');

-- on_error 'abort': a row of batch 3 of 8 rejected.  The batches in flight are
-- waited for (nothing more is sent), and the context tells how many rows
-- HubSpot created; how many were in flight depends on timing (batches 4 and
-- 5, or 4 to 6: 499 or 599 rows), so it is compared with the store rather
-- than shown
ALTER FOREIGN TABLE conc OPTIONS (SET on_error 'abort');
CALL conc_reset();
SELECT error,
       created_said = (SELECT count(*) FROM emu.objects()) AS matches_store,
       created_said IN (499, 599) AS plausible
  FROM conc_error($$
    INSERT INTO conc (name, properties)
      SELECT 'Abort ' || g, jsonb_build_object('price', CASE WHEN g = 234 THEN 'abc' ELSE g::text END)
      FROM generate_series(1, 800) g$$);
-- batches 1 to 3, and those in flight with them, each sent once; never all 8
SELECT batch_creates IN (5, 6) AS some_sent, inputs = batch_creates * 100 AS full_batches,
       distinct_rows = inputs AS each_row_once
  FROM creates_sent();
SELECT count(*) FILTER (WHERE o->'properties'->>'name' = 'Abort 234') AS rejected_stored,
       count(*) FILTER (WHERE o->'properties'->>'name' IN ('Abort 1', 'Abort 233', 'Abort 235', 'Abort 300')) AS first_three_stored
  FROM emu.objects() o;

--
-- 3. a batch/create answered 500 with others in flight: never sent again, its
-- rows named as unknown, the others waited for
--
CALL conc_reset();
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/batch/create", "skip": 2, "status": 500}');
CREATE TEMP TABLE err500 AS
  SELECT * FROM conc_error($$
    INSERT INTO conc (name) SELECT 'Fail ' || g FROM generate_series(1, 800) g$$);
-- the rows of the batch that got the 500, from the request log
CREATE TEMP TABLE failed_batch AS
  SELECT min((i->>'objectWriteTraceId')::int) AS first_row, max((i->>'objectWriteTraceId')::int) AS last_row
  FROM emu.requests() r, jsonb_array_elements(r.body->'inputs') i
  WHERE r.path LIKE '%/batch/create' AND r.status = 500;
SELECT count(*) AS answered_500 FROM emu.requests() WHERE status = 500;
SELECT e.error ~ '^08007: ' AS sqlstate_08007,
       e.error LIKE format('%%rows %s to %s, which HubSpot may or may not have created%%', f.first_row, f.last_row)
         AS names_failed_rows_unknown,
       e.created_said = (SELECT count(*) FROM emu.objects()) AS created_matches_store,
       e.created_said % 100 = 0 AS whole_batches
  FROM err500 e, failed_batch f;
SELECT batch_creates BETWEEN 3 AND 7 AS some_sent, distinct_rows = inputs AS each_row_once
  FROM creates_sent();
-- no record of the failed batch's rows (the emulator's 500 wrote nothing)
SELECT count(*) AS failed_rows_stored FROM emu.objects() o, failed_batch f
 WHERE substr(o->'properties'->>'name', 6)::int BETWEEN f.first_row AND f.last_row;
DROP TABLE err500, failed_batch;

--
-- 4. UPDATE and DELETE of 1,000 rows
--
CALL conc_reset();
SELECT jsonb_array_length(emu.seed('{"count": 1000, "properties": {"name": "Item {i}", "price": "{i}"}}')->'ids') AS seeded;
-- each write answered 600 ms later than the list pages, so that the scan
-- keeps up and writes pile up in flight (at equal speeds a page a batch
-- would keep about one in flight)
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/batch/*", "action": "delay",
                 "delay_ms": 600, "times": null}');
CALL emu.clear_log();
UPDATE conc SET price = price + 1;
SELECT * FROM conc_summary('batch/update');
SELECT count(*) AS list_pages FROM emu.requests() WHERE method = 'GET';
SELECT count(*) FILTER (WHERE (o->'properties'->>'price')::int = substr(o->'properties'->>'name', 6)::int + 1) AS updated
  FROM emu.objects() o;
CALL emu.clear_log();
DELETE FROM conc;
SELECT * FROM conc_summary('batch/archive');
SELECT count(*) AS list_pages FROM emu.requests() WHERE method = 'GET';
SELECT count(*) AS records_left FROM emu.objects();

--
-- 7. COPY of 250 rows: queued into 3 batch/creates
--
CALL conc_reset();
COPY conc (name, price) FROM STDIN;
Copied 1	1
Copied 2	2
Copied 3	3
Copied 4	4
Copied 5	5
Copied 6	6
Copied 7	7
Copied 8	8
Copied 9	9
Copied 10	10
Copied 11	11
Copied 12	12
Copied 13	13
Copied 14	14
Copied 15	15
Copied 16	16
Copied 17	17
Copied 18	18
Copied 19	19
Copied 20	20
Copied 21	21
Copied 22	22
Copied 23	23
Copied 24	24
Copied 25	25
Copied 26	26
Copied 27	27
Copied 28	28
Copied 29	29
Copied 30	30
Copied 31	31
Copied 32	32
Copied 33	33
Copied 34	34
Copied 35	35
Copied 36	36
Copied 37	37
Copied 38	38
Copied 39	39
Copied 40	40
Copied 41	41
Copied 42	42
Copied 43	43
Copied 44	44
Copied 45	45
Copied 46	46
Copied 47	47
Copied 48	48
Copied 49	49
Copied 50	50
Copied 51	51
Copied 52	52
Copied 53	53
Copied 54	54
Copied 55	55
Copied 56	56
Copied 57	57
Copied 58	58
Copied 59	59
Copied 60	60
Copied 61	61
Copied 62	62
Copied 63	63
Copied 64	64
Copied 65	65
Copied 66	66
Copied 67	67
Copied 68	68
Copied 69	69
Copied 70	70
Copied 71	71
Copied 72	72
Copied 73	73
Copied 74	74
Copied 75	75
Copied 76	76
Copied 77	77
Copied 78	78
Copied 79	79
Copied 80	80
Copied 81	81
Copied 82	82
Copied 83	83
Copied 84	84
Copied 85	85
Copied 86	86
Copied 87	87
Copied 88	88
Copied 89	89
Copied 90	90
Copied 91	91
Copied 92	92
Copied 93	93
Copied 94	94
Copied 95	95
Copied 96	96
Copied 97	97
Copied 98	98
Copied 99	99
Copied 100	100
Copied 101	101
Copied 102	102
Copied 103	103
Copied 104	104
Copied 105	105
Copied 106	106
Copied 107	107
Copied 108	108
Copied 109	109
Copied 110	110
Copied 111	111
Copied 112	112
Copied 113	113
Copied 114	114
Copied 115	115
Copied 116	116
Copied 117	117
Copied 118	118
Copied 119	119
Copied 120	120
Copied 121	121
Copied 122	122
Copied 123	123
Copied 124	124
Copied 125	125
Copied 126	126
Copied 127	127
Copied 128	128
Copied 129	129
Copied 130	130
Copied 131	131
Copied 132	132
Copied 133	133
Copied 134	134
Copied 135	135
Copied 136	136
Copied 137	137
Copied 138	138
Copied 139	139
Copied 140	140
Copied 141	141
Copied 142	142
Copied 143	143
Copied 144	144
Copied 145	145
Copied 146	146
Copied 147	147
Copied 148	148
Copied 149	149
Copied 150	150
Copied 151	151
Copied 152	152
Copied 153	153
Copied 154	154
Copied 155	155
Copied 156	156
Copied 157	157
Copied 158	158
Copied 159	159
Copied 160	160
Copied 161	161
Copied 162	162
Copied 163	163
Copied 164	164
Copied 165	165
Copied 166	166
Copied 167	167
Copied 168	168
Copied 169	169
Copied 170	170
Copied 171	171
Copied 172	172
Copied 173	173
Copied 174	174
Copied 175	175
Copied 176	176
Copied 177	177
Copied 178	178
Copied 179	179
Copied 180	180
Copied 181	181
Copied 182	182
Copied 183	183
Copied 184	184
Copied 185	185
Copied 186	186
Copied 187	187
Copied 188	188
Copied 189	189
Copied 190	190
Copied 191	191
Copied 192	192
Copied 193	193
Copied 194	194
Copied 195	195
Copied 196	196
Copied 197	197
Copied 198	198
Copied 199	199
Copied 200	200
Copied 201	201
Copied 202	202
Copied 203	203
Copied 204	204
Copied 205	205
Copied 206	206
Copied 207	207
Copied 208	208
Copied 209	209
Copied 210	210
Copied 211	211
Copied 212	212
Copied 213	213
Copied 214	214
Copied 215	215
Copied 216	216
Copied 217	217
Copied 218	218
Copied 219	219
Copied 220	220
Copied 221	221
Copied 222	222
Copied 223	223
Copied 224	224
Copied 225	225
Copied 226	226
Copied 227	227
Copied 228	228
Copied 229	229
Copied 230	230
Copied 231	231
Copied 232	232
Copied 233	233
Copied 234	234
Copied 235	235
Copied 236	236
Copied 237	237
Copied 238	238
Copied 239	239
Copied 240	240
Copied 241	241
Copied 242	242
Copied 243	243
Copied 244	244
Copied 245	245
Copied 246	246
Copied 247	247
Copied 248	248
Copied 249	249
Copied 250	250
\.
SELECT * FROM conc_summary('batch/create', 3);
SELECT * FROM creates_sent();
SELECT count(*) AS records FROM emu.objects();

--
-- 8. reads: 1,000 records are 10 list pages; 500 ids are 5 batch/reads side
-- by side
--
CALL conc_reset();
SELECT jsonb_array_length(emu.seed('{"count": 1000, "properties": {"name": "Item {i}", "price": "{i}"}}')->'ids') AS seeded;
CALL emu.clear_log();
SELECT count(*), sum(price) FROM conc;
SELECT method, count(*) AS requests FROM emu.requests() GROUP BY 1;
CALL emu.clear_log();
SELECT count(*), sum(price) FROM conc
 WHERE id = ANY (ARRAY(SELECT (1000000 + 2 * g)::text FROM generate_series(1, 500) g));
SELECT * FROM conc_summary('batch/read');
SELECT count(*) AS other_requests FROM emu.requests() WHERE path NOT LIKE '%/batch/read';

--
-- 5. pacing: a window of 20 requests in 2 s, and 30 batch/creates
--
CALL emu.reset();
CALL emu.config('{"latency_ms": 200, "rate_limit": {"max": 20, "interval_ms": 2000}}');
INSERT INTO conc (name) SELECT 'Paced ' || g FROM generate_series(1, 3000) g;
SELECT (c->>'requests')::int AS requests, (c->>'429')::int <= 1 AS "429 <= 1",
       (c->>'max_in_window')::int <= 20 AS window_kept,
       (c->>'max_in_flight')::int BETWEEN 2 AND 4 AS several_in_flight
  FROM emu.concurrency('batch/create') c;
SELECT * FROM creates_sent();
SELECT count(*) AS records FROM emu.objects();
-- the window is still full: the next statement waits for it
SELECT * FROM conc_explain($$INSERT INTO conc (name) SELECT 'Paced more ' || g FROM generate_series(1, 500) g$$);
SELECT count(*) AS records FROM emu.objects();

--
-- 6. a 429 (TEN_SECONDLY_ROLLING) is waited out and the batch sent again
--
CALL conc_reset();
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/batch/create", "skip": 1, "status": 429,
  "headers": {"X-HubSpot-RateLimit-Interval-Milliseconds": "1000"},
  "body": {"status": "error", "message": "You have reached your ten_secondly_rolling limit.", "errorType": "RATE_LIMIT",
           "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24", "policyName": "TEN_SECONDLY_ROLLING"}}');
SELECT * FROM conc_explain($$INSERT INTO conc (name) SELECT 'Throttled ' || g FROM generate_series(1, 500) g$$);
SELECT status, count(*) FROM emu.requests() GROUP BY 1 ORDER BY 1;
SELECT count(*) AS records, count(DISTINCT o->'properties'->>'name') AS names FROM emu.objects() o;

\set QUIET on
CALL emu.reset();
DROP FUNCTION conc_summary(text, int), creates_sent(), conc_error(text), conc_explain(text);
DROP PROCEDURE conc_reset();
DROP FOREIGN TABLE conc;
DROP USER MAPPING FOR CURRENT_USER SERVER hubspot_conc;
DROP SERVER hubspot_conc;
