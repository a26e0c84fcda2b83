--
-- Writes at COMMIT: rows HubSpot rejects at COMMIT (on_error 'abort' and
-- 'skip'), what the mode refuses, and two-phase commit.
--
CREATE FOREIGN TABLE de_items (id text, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE de_items_skip (id text, name text, price numeric)
  SERVER hubspot OPTIONS (object 'products', on_error 'skip');
CREATE FOREIGN TABLE de_items_text (id text, name text, price text OPTIONS (property 'price'))
  SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE de_items_text_skip (id text, name text, price text OPTIONS (property 'price'))
  SERVER hubspot OPTIONS (object 'products', on_error 'skip');
CREATE FUNCTION de_log() RETURNS TABLE (method text, path text, inputs int, status int)
LANGUAGE sql AS $$
  SELECT method, path, jsonb_array_length(body->'inputs'), status FROM emu.requests()
  WHERE path NOT LIKE '/crm/v3/properties/%' ORDER BY seq
$$;

CALL emu.reset();
SELECT jsonb_array_length(emu.seed('{"count": 3, "properties": {"name": "Item {i}", "price": "{i}"}}')->'ids');
SET hubspot_fdw.write_mode = 'commit';

-- a row HubSpot rejects at COMMIT under on_error 'abort': the COMMIT fails,
-- naming the row (and the statement that queued it) and what HubSpot applied
CALL emu.clear_log();
BEGIN;
INSERT INTO de_items (name, price) VALUES ('good 1', 1);
UPDATE de_items SET price = 30 WHERE id = '1000003';
INSERT INTO de_items (name, price) VALUES ('good 2', 2);
INSERT INTO de_items_text (name, price) VALUES ('bad', 'not a number');
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM de_log() WHERE method = 'POST';
-- the good rows of the batch were created and stay; the update was not sent
SELECT o->'properties'->>'name' AS name, o->'properties'->>'price' AS price
  FROM emu.objects() o ORDER BY o->>'id';
-- the transaction is over: the queue is gone
SELECT count(*) FROM de_items;

-- ... under on_error 'skip': a WARNING (its context names the statement),
-- and the COMMIT goes on
CALL emu.clear_log();
BEGIN;
UPDATE de_items SET price = 33 WHERE id = '1000003';
INSERT INTO de_items_skip (name, price) VALUES ('good 3', 3);
INSERT INTO de_items_text_skip (name, price) VALUES ('bad 2', 'NaN?');
\set SHOW_CONTEXT always
COMMIT;
\set SHOW_CONTEXT errors
SELECT * FROM de_log() WHERE method = 'POST';
SELECT o->'properties'->>'price' AS price FROM emu.objects() o WHERE o->>'id' = '1000003';

-- each write statement that queued rows has its number, also one run by a
-- function (here the second INSERT of the loop)
CALL emu.clear_log();
BEGIN;
DO $$ BEGIN
  FOR i IN 1..3 LOOP
    INSERT INTO de_items_text (name, price) VALUES ('loop ' || i, CASE i WHEN 2 THEN 'two' ELSE i::text END);
  END LOOP;
END $$;
COMMIT;
SELECT * FROM de_log() WHERE method = 'POST';

-- an error of a later table: what the earlier one applied is told
CALL emu.clear_log();
CALL emu.fault('{"method": "POST", "path": "/crm/v3/objects/products/batch/archive", "action": "respond", "status": 403, "times": 1, "body": {"status": "error", "category": "MISSING_SCOPES", "message": "This app hasn''t been granted all required scopes to make this call."}}');
BEGIN;
INSERT INTO de_items (name) VALUES ('before archive');
DELETE FROM de_items WHERE id = '1000002';
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM de_log() WHERE method = 'POST';

-- what needs HubSpot's answer at once is refused, before any row
BEGIN;
INSERT INTO de_items (name) VALUES ('r') RETURNING id;
ROLLBACK;
BEGIN;
UPDATE de_items SET price = 1 WHERE id = '1000001' RETURNING id;
ROLLBACK;
CREATE VIEW de_cheap AS SELECT * FROM de_items WHERE price < 100 WITH CHECK OPTION;
INSERT INTO de_cheap (name, price) VALUES ('wco', 1);
CREATE FUNCTION de_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name := upper(NEW.name);
  RETURN NEW;
END $$;
CREATE TRIGGER de_after AFTER INSERT ON de_items FOR EACH ROW EXECUTE FUNCTION de_trigger();
INSERT INTO de_items (name) VALUES ('after');
DROP TRIGGER de_after ON de_items;
-- BEFORE ROW triggers and DELETE ... RETURNING (the row as read) work
CREATE TRIGGER de_before BEFORE INSERT ON de_items FOR EACH ROW EXECUTE FUNCTION de_trigger();
CALL emu.clear_log();
BEGIN;
INSERT INTO de_items (name) VALUES ('before');
DELETE FROM de_items WHERE id = '1000001' RETURNING id, name;
COMMIT;
DROP TRIGGER de_before ON de_items;
SELECT i->'properties' AS properties FROM emu.requests() r,
  jsonb_array_elements(r.body->'inputs') i WHERE r.path LIKE '%batch/create';
SELECT * FROM de_log() WHERE method = 'POST';
-- association tables are written only in immediate mode
CREATE FOREIGN TABLE de_deal_companies (deal_id text, company_id text)
  SERVER hubspot OPTIONS (object 'deals', to_object 'companies');
INSERT INTO de_deal_companies VALUES ('1', '2');
-- immediate mode refuses an object with writes queued
BEGIN;
INSERT INTO de_items (name) VALUES ('queued');
SET LOCAL hubspot_fdw.write_mode = 'immediate';
INSERT INTO de_items (name) VALUES ('now');
ROLLBACK;

-- two-phase commit is refused with writes queued (and works without)
CALL emu.clear_log();
BEGIN;
INSERT INTO de_items (name) VALUES ('prepared');
PREPARE TRANSACTION 'de_1';
SELECT count(*) AS requests FROM emu.requests();

-- plain EXPLAIN refuses nothing and sends nothing; it tells the mode
EXPLAIN (COSTS OFF) INSERT INTO de_items (name) VALUES ('x') RETURNING id;
EXPLAIN (COSTS OFF) DELETE FROM de_items WHERE id = '1';
CALL emu.clear_log();
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) UPDATE de_items SET price = 8 WHERE id = '1000003';
ROLLBACK;
SELECT count(*) AS writes FROM emu.requests() WHERE method = 'POST';

-- dry run wins over commit mode: a statement under dry run queues nothing
CALL emu.clear_log();
BEGIN;
SET LOCAL hubspot_fdw.dry_run = 'on';
INSERT INTO de_items (name) VALUES ('dry');
SELECT count(*) AS seen FROM de_items WHERE name = 'dry';
COMMIT;
SELECT count(*) AS writes FROM emu.requests() WHERE method = 'POST' AND path NOT LIKE '%/search';
-- ... and what was queued before is sent at COMMIT whatever dry_run says then
CALL emu.clear_log();
BEGIN;
INSERT INTO de_items (name) VALUES ('queued before the dry run');
SET LOCAL hubspot_fdw.dry_run = 'on';
UPDATE de_items SET price = 7 WHERE id = '1000003';
COMMIT;
SELECT * FROM de_log() WHERE method = 'POST';
