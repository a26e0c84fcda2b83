#!/usr/bin/env node
// Checks that HubSpot's official Node client (@hubspot/api-client, unchanged) works against the
// HubSpot emulator (test/emulator.py).
//
//   HUBSPOT_EMULATOR_URL=http://127.0.0.1:PORT node check.js
//
// Prints one line per check ("ok - name" or "not ok - name: reason"), then
// "node client checks: N ok, M not ok"; exits 1 when any check failed.
'use strict';

const hubspot = require('@hubspot/api-client');
// The package's top level does not export ApiException; each generated API module does.
const { ApiException } = require('@hubspot/api-client/lib/codegen/crm/products');

const baseUrl = (process.env.HUBSPOT_EMULATOR_URL || '').replace(/\/+$/, '');
if (!baseUrl) {
  console.error('check.js: set HUBSPOT_EMULATOR_URL to the emulator base URL');
  process.exit(2);
}

let passed = 0;
let failed = 0;

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (err) {
    failed += 1;
    const reason = String((err && err.message) || err).split('\n')[0];
    console.log(`not ok - ${name}: ${reason}`);
  }
}

async function control(method, path, body) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path}: HTTP ${res.status}: ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

async function main() {
  const client = new hubspot.Client({
    accessToken: 'test-token',
    basePath: baseUrl,
    numberOfApiCallRetries: 0,
  });
  const products = client.crm.products;
  const created = [];

  await check('reset the emulator', async () => {
    await control('POST', '/_emulator/reset');
    await control('POST', '/_emulator/config', { shuffle: true, random_seed: 7 });
  });

  await check('basicApi.create creates one product (201)', async () => {
    const obj = await products.basicApi.create({
      properties: { name: 'Node widget', price: '12.50', external_id: 'NODE-1' },
      associations: [],
    });
    assert(/^\d+$/.test(obj.id), `id ${obj.id} is not numeric`);
    assert(obj.properties.name === 'Node widget', 'name not returned');
    assert(obj.properties.hs_object_id === obj.id, 'hs_object_id differs from id');
    assert(obj.createdAt instanceof Date && !isNaN(obj.createdAt), 'createdAt is not a date');
    assert(obj.archived === false, 'archived is not false');
    created.push(obj.id);
  });

  await check('batchApi.create creates 3 products with trace ids (201)', async () => {
    const inputs = [1, 2, 3].map((i) => ({
      objectWriteTraceId: `trace-${i}`,
      properties: { name: `Batch ${i}`, price: `${i}.00`, hs_sku: `SKU-${i}` },
      associations: [],
    }));
    const res = await products.batchApi.create({ inputs });
    assert(res.status === 'COMPLETE', `status ${res.status}`);
    assert(res.results.length === 3, `${res.results.length} results`);
    res.results.forEach((r) => {
      assert(/^\d+$/.test(r.id), `id ${r.id} is not numeric`);
      created.push(r.id);
    });
    const traces = res.results.map((r) => r.objectWriteTraceId).sort();
    assert(JSON.stringify(traces) === JSON.stringify(['trace-1', 'trace-2', 'trace-3']),
      `trace ids echoed: ${JSON.stringify(traces)}`);
    res.results.forEach((r) => {
      assert(r.properties.name === `Batch ${r.objectWriteTraceId.slice(6)}`, 'result does not match its trace id');
    });
  });

  await check('basicApi.getById reads one product', async () => {
    const obj = await products.basicApi.getById(created[0], ['name', 'price', 'external_id']);
    assert(obj.id === created[0], `id ${obj.id}`);
    assert(obj.properties.name === 'Node widget', `name ${obj.properties.name}`);
    assert(obj.properties.price === '12.50', `price ${obj.properties.price}`);
    assert(obj.properties.external_id === 'NODE-1', `external_id ${obj.properties.external_id}`);
  });

  let pageAfter;
  await check('basicApi.getPage lists a page with chosen properties', async () => {
    const page = await products.basicApi.getPage(2, undefined, ['name', 'price']);
    assert(page.results.length === 2, `${page.results.length} results`);
    assert(page.results[0].id === created[0], 'results not in ascending id order');
    const keys = Object.keys(page.results[0].properties).sort();
    assert(JSON.stringify(keys) === JSON.stringify(['createdate', 'hs_lastmodifieddate', 'hs_object_id', 'name', 'price']),
      `properties returned: ${keys.join(',')}`);
    assert(page.paging && page.paging.next && page.paging.next.after, 'no paging.next.after');
    pageAfter = page.paging.next.after;
    assert(page.paging.next.link.startsWith(baseUrl), `paging link ${page.paging.next.link}`);
    const next = await products.basicApi.getPage(2, pageAfter, ['name', 'price']);
    assert(next.results.length === 2, `second page has ${next.results.length} results`);
    assert(!next.paging, 'last page still has paging');
  });

  await check('getAll returns every product created', async () => {
    const all = await products.getAll(undefined, undefined, ['name']);
    const ids = all.map((r) => r.id).sort();
    assert(JSON.stringify(ids) === JSON.stringify([...created].sort()),
      `getAll ids ${ids.join(',')} != created ${[...created].sort().join(',')}`);
  });

  await check('properties coreApi.getAll finds external_id with hasUniqueValue', async () => {
    const res = await client.crm.properties.coreApi.getAll('products');
    const byName = Object.fromEntries(res.results.map((p) => [p.name, p]));
    assert(byName.external_id, 'external_id missing');
    assert(byName.external_id.hasUniqueValue === true, 'external_id.hasUniqueValue is not true');
    assert(byName.price && byName.price.type === 'number', 'price is not a number property');
    assert(byName.hs_object_id.modificationMetadata.readOnlyValue === true, 'hs_object_id is not read-only');
  });

  await check('207 multi-status batch resolves with numErrors and errors (client does not throw)', async () => {
    const res = await products.batchApi.create({
      inputs: [
        { objectWriteTraceId: 'good', properties: { name: 'Good one', price: '5' }, associations: [] },
        { objectWriteTraceId: 'bad', properties: { name: 'Bad one', price: 'abc' }, associations: [] },
      ],
    });
    assert(res.numErrors === 1, `numErrors ${res.numErrors}`);
    assert(res.results.length === 1 && res.results[0].properties.name === 'Good one', 'valid input not created');
    const err = res.errors[0];
    assert(err.category === 'VALIDATION_ERROR', `category ${err.category}`);
    assert(JSON.stringify(err.context.objectWriteTraceId) === '["bad"]', `context ${JSON.stringify(err.context)}`);
    assert(err.message.includes('INVALID_FLOAT'), `message ${err.message}`);
    created.push(res.results[0].id);
  });

  await check('batch without trace ids and one bad input throws ApiException 400', async () => {
    let thrown;
    try {
      await products.batchApi.create({
        inputs: [
          { properties: { name: 'Fine' }, associations: [] },
          { properties: { name: 'Broken', nope: 'x' }, associations: [] },
        ],
      });
    } catch (e) {
      thrown = e;
    }
    assert(thrown, 'no exception');
    assert(thrown.code === 400, `code ${thrown.code}`);
    assert(thrown.body.category === 'VALIDATION_ERROR', `category ${thrown.body.category}`);
    assert(thrown.body.errors[0].code === 'PROPERTY_DOESNT_EXIST', `errors ${JSON.stringify(thrown.body.errors)}`);
  });

  await check('getById of an unknown id throws ApiException with code 404', async () => {
    let thrown;
    try {
      await products.basicApi.getById('999');
    } catch (e) {
      thrown = e;
    }
    assert(thrown, 'no exception');
    assert(thrown instanceof ApiException, `not an ApiException: ${thrown.constructor.name}`);
    assert(thrown.code === 404, `code ${thrown.code}`);
    assert(thrown.body.category === 'OBJECT_NOT_FOUND', `category ${thrown.body.category}`);
    assert(thrown.body.correlationId === thrown.headers['x-hubspot-correlation-id'], 'correlation id header differs from body');
  });

  await check('basicApi.update changes one product (200), by id and by idProperty', async () => {
    const obj = await products.basicApi.update(created[0], { properties: { price: '15.00', description: 'updated' } });
    assert(obj.id === created[0], `id ${obj.id}`);
    assert(obj.properties.price === '15.00', `price ${obj.properties.price}`);
    assert(obj.properties.name === 'Node widget', 'a property not sent was changed');
    assert(obj.properties.description === 'updated', `description ${obj.properties.description}`);
    assert(obj.updatedAt instanceof Date && !isNaN(obj.updatedAt), 'updatedAt is not a date');
    const byExt = await products.basicApi.update('NODE-1', { properties: { description: '' } }, 'external_id');
    assert(byExt.id === created[0], `idProperty update hit ${byExt.id}`);
    assert(!('description' in byExt.properties) || byExt.properties.description == null, 'empty string did not clear');
  });

  await check('basicApi.update of an unknown id throws ApiException 404', async () => {
    let thrown;
    try {
      await products.basicApi.update('999', { properties: { name: 'x' } });
    } catch (e) {
      thrown = e;
    }
    assert(thrown instanceof ApiException, `not an ApiException: ${thrown}`);
    assert(thrown.code === 404, `code ${thrown.code}`);
    assert(thrown.body.category === 'OBJECT_NOT_FOUND', `category ${thrown.body.category}`);
  });

  await check('batchApi.read reads products by id and by idProperty (200)', async () => {
    const ids = created.slice(0, 3);
    const res = await products.batchApi.read({
      properties: ['name', 'price'], propertiesWithHistory: ['price'], inputs: ids.map((id) => ({ id })),
    });
    assert(res.status === 'COMPLETE', `status ${res.status}`);
    assert(!res.errors || res.errors.length === 0, `errors ${JSON.stringify(res.errors)}`);
    assert(JSON.stringify(res.results.map((r) => r.id).sort()) === JSON.stringify([...ids].sort()),
      `ids ${res.results.map((r) => r.id).join(',')}`);
    const first = res.results.find((r) => r.id === created[0]);
    assert(first.properties.price === '15.00', `price ${first.properties.price}`);
    const hist = first.propertiesWithHistory.price;
    assert(hist.length === 2 && hist[0].value === '15.00' && hist[0].timestamp instanceof Date,
      `price history ${JSON.stringify(hist)}`);
    const byExt = await products.batchApi.read({
      properties: [], propertiesWithHistory: [], idProperty: 'external_id', inputs: [{ id: 'NODE-1' }],
    });
    assert(byExt.results.length === 1 && byExt.results[0].id === created[0], 'idProperty read did not find NODE-1');
  });

  await check('batchApi.read with a missing id resolves 207 with an OBJECT_NOT_FOUND error (client does not throw)', async () => {
    const res = await products.batchApi.read({
      properties: ['name'], propertiesWithHistory: [], inputs: [{ id: created[1] }, { id: '999999' }],
    });
    assert(res.numErrors === 1, `numErrors ${res.numErrors}`);
    assert(res.results.length === 1 && res.results[0].id === created[1], 'found record not returned');
    const err = res.errors[0];
    assert(err.category === 'OBJECT_NOT_FOUND', `category ${err.category}`);
    assert(JSON.stringify(err.context.ids) === '["999999"]', `context ${JSON.stringify(err.context)}`);
    assert(err.message.includes('PRODUCT objects'), `message ${err.message}`);
  });

  await check('batchApi.update updates with trace ids (200) and reports a missing id (207)', async () => {
    const res = await products.batchApi.update({
      inputs: [
        { id: created[1], properties: { price: '21.00' }, objectWriteTraceId: 'u-1' },
        { id: 'NODE-1', idProperty: 'external_id', properties: { name: 'Node widget v2' }, objectWriteTraceId: 'u-2' },
      ],
    });
    assert(res.status === 'COMPLETE' && !res.numErrors, `status ${res.status}, numErrors ${res.numErrors}`);
    const byTrace = Object.fromEntries(res.results.map((r) => [r.objectWriteTraceId, r]));
    assert(byTrace['u-1'] && byTrace['u-1'].id === created[1] && byTrace['u-1'].properties.price === '21.00',
      `u-1 result ${JSON.stringify(byTrace['u-1'])}`);
    assert(byTrace['u-2'] && byTrace['u-2'].id === created[0] && byTrace['u-2'].properties.name === 'Node widget v2',
      `u-2 result ${JSON.stringify(byTrace['u-2'])}`);
    const partial = await products.batchApi.update({
      inputs: [
        { id: created[2], properties: { price: '22.00' }, objectWriteTraceId: 'u-3' },
        { id: '999999', properties: { price: '1' }, objectWriteTraceId: 'u-4' },
      ],
    });
    assert(partial.numErrors === 1, `numErrors ${partial.numErrors}`);
    assert(partial.results.length === 1 && partial.results[0].objectWriteTraceId === 'u-3', 'valid input not applied');
    const err = partial.errors[0];
    assert(err.category === 'OBJECT_NOT_FOUND', `category ${err.category}`);
    assert(JSON.stringify(err.context) === '{"ids":["999999"],"objectWriteTraceId":["u-4"]}', `context ${JSON.stringify(err.context)}`);
  });

  let upserted;
  await check('batchApi.upsert creates (new true) then updates (new false) by external_id', async () => {
    const input = { id: 'NODE-UP-1', idProperty: 'external_id', properties: { name: 'Upserted' }, objectWriteTraceId: 'up-1' };
    const first = await products.batchApi.upsert({ inputs: [input] });
    assert(first.status === 'COMPLETE' && first.results.length === 1, `status ${first.status}`);
    const made = first.results[0];
    assert(made._new === true, `new ${made._new}`);
    assert(made.properties.external_id === 'NODE-UP-1' && made.properties.name === 'Upserted', 'created properties');
    assert(made.objectWriteTraceId === 'up-1', `trace ${made.objectWriteTraceId}`);
    upserted = made.id;
    const second = await products.batchApi.upsert({ inputs: [{ ...input, properties: { name: 'Upserted again' } }] });
    const same = second.results[0];
    assert(same._new === false, `new ${same._new}`);
    assert(same.id === upserted, `second upsert hit ${same.id}, not ${upserted}`);
    assert(same.properties.name === 'Upserted again', `name ${same.properties.name}`);
  });

  await check('basicApi.archive (204) hides a product; getById with archived=true finds it', async () => {
    const res = await products.basicApi.archive(upserted);
    assert(res === undefined, `archive resolved with ${JSON.stringify(res)}`);
    let thrown;
    try {
      await products.basicApi.getById(upserted);
    } catch (e) {
      thrown = e;
    }
    assert(thrown && thrown.code === 404, `live getById: ${thrown ? thrown.code : 'no exception'}`);
    const obj = await products.basicApi.getById(upserted, ['name'], undefined, undefined, true);
    assert(obj.id === upserted && obj.archived === true, `archived ${obj.archived}`);
    assert(obj.archivedAt instanceof Date && !isNaN(obj.archivedAt), 'archivedAt is not a date');
    await products.basicApi.archive('999999');
  });

  await check('batchApi.archive (204) archives; getPage with archived=true lists only archived products', async () => {
    const res = await products.batchApi.archive({ inputs: [{ id: created[2] }, { id: created[3] }, { id: '999999' }] });
    assert(res === undefined, `batch archive resolved with ${JSON.stringify(res)}`);
    const gone = await products.basicApi.getPage(100, undefined, ['name'], undefined, undefined, true);
    const ids = gone.results.map((r) => r.id).sort();
    const expected = [created[2], created[3], upserted].sort();
    assert(JSON.stringify(ids) === JSON.stringify(expected), `archived ids ${ids.join(',')} != ${expected.join(',')}`);
    assert(gone.results.every((r) => r.archived === true), 'a listed record is not archived');
    const live = await products.basicApi.getPage(100);
    assert(live.results.every((r) => !expected.includes(r.id)), 'an archived record is still listed as live');
    const archivedRead = await products.batchApi.read({ properties: [], propertiesWithHistory: [], inputs: [{ id: created[2] }] }, true);
    assert(archivedRead.results.length === 1 && archivedRead.results[0].archived === true, 'batch read archived=true');
  });

  await check('request log shows the client requests (repeated-key properties, updates and archives)', async () => {
    const log = (await control('GET', '/_emulator/requests')).requests;
    const pages = log.filter((r) => r.method === 'GET' && r.path === '/crm/v3/objects/products');
    assert(pages.length >= 3, `${pages.length} list requests logged`);
    const first = pages[0];
    assert(JSON.stringify(first.query.properties) === '["name","price"]',
      `properties sent as ${JSON.stringify(first.query.properties)}`);
    assert(JSON.stringify(first.query.limit) === '["2"]', `limit ${JSON.stringify(first.query.limit)}`);
    assert(first.status === 200, `status ${first.status}`);
    const batches = log.filter((r) => r.path === '/crm/v3/objects/products/batch/create');
    assert(JSON.stringify(batches.map((r) => r.status)) === '[201,207,400]',
      `batch statuses ${JSON.stringify(batches.map((r) => r.status))}`);
    assert(batches[0].body.inputs[0].objectWriteTraceId === 'trace-1', 'batch body not logged');
    const props = log.find((r) => r.path === '/crm/v3/properties/products');
    assert(props && props.status === 200, 'properties request not logged');
    const writes = log.filter((r) => ['PATCH', 'DELETE'].includes(r.method) || /\/batch\/(read|update|upsert|archive)$/.test(r.path))
      .map((r) => `${r.method} ${r.path.replace('/crm/v3/objects/products', '')} ${r.status}`);
    const expectedWrites = [
      'PATCH /ID 200', 'PATCH /NODE-1 200', 'PATCH /999 404', 'POST /batch/read 200', 'POST /batch/read 200',
      'POST /batch/read 207', 'POST /batch/update 200', 'POST /batch/update 207', 'POST /batch/upsert 200',
      'POST /batch/upsert 200', 'DELETE /UP 204', 'DELETE /999999 204', 'POST /batch/archive 204', 'POST /batch/read 200',
    ].map((s) => s.replace('/ID ', `/${created[0]} `).replace('/UP ', `/${upserted} `));
    assert(JSON.stringify(writes) === JSON.stringify(expectedWrites), `update/archive requests logged: ${JSON.stringify(writes)}`);
    const patchBody = log.find((r) => r.method === 'PATCH').body;
    assert(JSON.stringify(patchBody) === '{"properties":{"price":"15.00","description":"updated"}}', `PATCH body ${JSON.stringify(patchBody)}`);
    const idProp = log.find((r) => r.method === 'PATCH' && r.path.endsWith('/NODE-1'));
    assert(JSON.stringify(idProp.query.idProperty) === '["external_id"]', `PATCH query ${JSON.stringify(idProp.query)}`);
  });

  await searchChecks();
  await require('./objects')(client, check, assert, control);

  console.log(`node client checks: ${passed} ok, ${failed} not ok`);
  process.exit(failed ? 1 : 0);
}

// searchApi.doSearch against the emulator's search endpoint: filters, sorts in both forms,
// paging with after, total, a 400, and the search's secondly limit (429 without rate-limit
// headers, retried by the client's RetryDecorator on its message).
async function searchChecks() {
  const client = new hubspot.Client({ accessToken: 'test-token', basePath: baseUrl, numberOfApiCallRetries: 0 });
  const search = (body) => client.crm.products.searchApi.doSearch(body);
  const ids = [];

  await check('search: seed 12 products (search rate limit off)', async () => {
    await control('POST', '/_emulator/reset');
    await control('POST', '/_emulator/config', { search_rate_limit: null });
    const objects = Array.from({ length: 12 }, (_, i) => ({
      properties: { name: `Search ${i % 2 ? 'Gadget' : 'Widget'} ${i + 1}`, price: `${(i + 1) * 5}`, hs_sku: `S-${i + 1}` },
    }));
    objects[11].properties = { name: 'No price' };
    ids.push(...(await control('POST', '/_emulator/seed', { objects })).ids);
    assert(ids.length === 12, `${ids.length} seeded`);
  });

  await check('searchApi.doSearch with {} returns total, the first 10 in id order, paging.next.after "10"', async () => {
    const res = await search({});
    assert(res.total === 12, `total ${res.total}`);
    assert(res.results.length === 10, `${res.results.length} results`);
    assert(JSON.stringify(res.results.map((r) => r.id)) === JSON.stringify(ids.slice(0, 10)), 'not in id order');
    assert(res.paging && res.paging.next && res.paging.next.after === '10', `paging ${JSON.stringify(res.paging)}`);
    const first = res.results[0];
    assert(first.createdAt instanceof Date && !isNaN(first.createdAt), 'createdAt is not a date');
    assert(first.archived === false, 'archived is not false');
    const keys = Object.keys(first.properties).sort();
    assert(JSON.stringify(keys) === JSON.stringify(['createdate', 'hs_lastmodifieddate', 'hs_object_id', 'name', 'price']),
      `default properties ${keys.join(',')}`);
  });

  await check('searchApi.doSearch: filters, an object sort, properties, paging with after to the end', async () => {
    const body = {
      filterGroups: [{ filters: [
        { propertyName: 'price', operator: 'GTE', value: '20' },
        { propertyName: 'name', operator: 'CONTAINS_TOKEN', value: 'widget' },
      ] }],
      sorts: [{ propertyName: 'price', direction: 'DESCENDING' }],
      properties: ['name', 'price', 'hs_sku'],
      limit: 2,
      after: '0',
    };
    const seen = [];
    let page = await search(body);
    assert(page.total === 4, `total ${page.total}`);
    for (;;) {
      seen.push(...page.results.map((r) => r.properties.price));
      if (!page.paging) break;
      page = await search({ ...body, after: page.paging.next.after });
      assert(page.total === 4, `total on a later page ${page.total}`);
    }
    assert(JSON.stringify(seen) === '["55","45","35","25"]', `prices ${JSON.stringify(seen)}`);
  });

  await check('searchApi.doSearch: string sorts "-price" and "name", OR-ed groups, IN, BETWEEN, NOT_HAS_PROPERTY, query', async () => {
    const desc = await search({ sorts: ['-price'], limit: 3 });
    assert(desc.results[0].properties.name === 'No price', 'a missing value does not sort first when descending');
    assert(desc.results[1].properties.price === '55', `second ${desc.results[1].properties.price}`);
    const byName = await search({ sorts: ['name'], limit: 1 });
    assert(byName.results[0].properties.name === 'No price', `first by name ${byName.results[0].properties.name}`);
    const groups = await search({ filterGroups: [
      { filters: [{ propertyName: 'hs_object_id', operator: 'IN', values: [ids[0], ids[1]] }] },
      { filters: [{ propertyName: 'price', operator: 'BETWEEN', value: '50', highValue: '55' }] },
      { filters: [{ propertyName: 'price', operator: 'NOT_HAS_PROPERTY' }] },
    ] });
    const expected = [ids[0], ids[1], ids[9], ids[10], ids[11]];
    assert(JSON.stringify(groups.results.map((r) => r.id)) === JSON.stringify(expected),
      `ids ${groups.results.map((r) => r.id).join(',')}`);
    const query = await search({ query: 's-7' });
    assert(query.total === 1 && query.results[0].id === ids[6], `query total ${query.total}`);
  });

  await check('searchApi.doSearch with an unknown property throws ApiException 400 VALIDATION_ERROR', async () => {
    let thrown;
    try {
      await search({ filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: 'x' }] }] });
    } catch (e) {
      thrown = e;
    }
    assert(thrown instanceof ApiException, `not an ApiException: ${thrown}`);
    assert(thrown.code === 400, `code ${thrown.code}`);
    assert(thrown.body.category === 'VALIDATION_ERROR', `category ${thrown.body.category}`);
    assert(thrown.body.errors[0].code === 'PROPERTY_DOESNT_EXIST', `errors ${JSON.stringify(thrown.body.errors)}`);
  });

  await check('searchApi.doSearch over the secondly limit throws 429 SECONDLY without rate-limit headers', async () => {
    await control('POST', '/_emulator/config', { search_rate_limit: { max: 1, interval_ms: 5000 } });
    const ok = await client.crm.products.searchApi.doSearchWithHttpInfo({ limit: 1 });
    assert(ok.httpStatusCode === 200, `status ${ok.httpStatusCode}`);
    assert(!Object.keys(ok.headers).some((h) => h.startsWith('x-hubspot-ratelimit-')), 'a 200 search has rate-limit headers');
    let thrown;
    try {
      await search({ limit: 1 });
    } catch (e) {
      thrown = e;
    }
    assert(thrown instanceof ApiException, `not an ApiException: ${thrown}`);
    assert(thrown.code === 429, `code ${thrown.code}`);
    assert(thrown.body.policyName === 'SECONDLY', `policyName ${thrown.body.policyName}`);
    assert(thrown.body.message === 'You have reached your secondly limit.', `message ${thrown.body.message}`);
    assert(!Object.keys(thrown.headers).some((h) => h.startsWith('x-hubspot-ratelimit-')), 'a 429 search has rate-limit headers');
  });

  await check('the client retries a search 429 on its secondly message (RetryDecorator) and succeeds', async () => {
    await control('POST', '/_emulator/config', { search_rate_limit: { max: 1, interval_ms: 800 } });
    const retrying = new hubspot.Client({ accessToken: 'test-token', basePath: baseUrl, numberOfApiCallRetries: 2 });
    const quiet = console.error;
    console.error = () => {};   // the decorator announces its retry on stderr
    try {
      await retrying.crm.products.searchApi.doSearch({ limit: 1 });
      const res = await retrying.crm.products.searchApi.doSearch({ limit: 1, after: '1' });
      assert(res.results.length === 1 && res.results[0].id === ids[1], 'retried search answer');
    } finally {
      console.error = quiet;
    }
    const statuses = (await control('GET', '/_emulator/requests')).requests
      .filter((r) => r.path === '/crm/v3/objects/products/search').slice(-3).map((r) => r.status);
    assert(JSON.stringify(statuses) === '[200,429,200]', `statuses ${JSON.stringify(statuses)}`);
  });

  await check('request log shows the search bodies the client sent', async () => {
    const log = (await control('GET', '/_emulator/requests')).requests.filter((r) => r.path === '/crm/v3/objects/products/search');
    const paged = log.find((r) => r.body && r.body.limit === 2 && r.body.after === '0');
    assert(paged, 'the paged search is not logged');
    const sort = paged.body.sorts[0];
    assert(paged.body.sorts.length === 1 && sort.propertyName === 'price' && sort.direction === 'DESCENDING',
      `sorts ${JSON.stringify(paged.body.sorts)}`);
    const f = paged.body.filterGroups[0].filters[0];
    assert(f.propertyName === 'price' && f.operator === 'GTE' && f.value === '20' && Object.keys(f).length === 3,
      `filter ${JSON.stringify(f)}`);
    assert(JSON.stringify(paged.body.properties) === '["name","price","hs_sku"]', `properties ${JSON.stringify(paged.body.properties)}`);
    assert(log.some((r) => r.body && JSON.stringify(r.body.sorts) === '["-price"]'), 'the string sort is not logged as sent');
  });
}

main().catch((err) => {
  console.log(`not ok - unexpected error: ${(err && err.stack) || err}`);
  console.log(`node client checks: ${passed} ok, ${failed + 1} not ok`);
  process.exit(1);
});
