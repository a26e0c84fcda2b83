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

  await check('request log shows the client requests (repeated-key properties understood)', async () => {
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
  });

  console.log(`node client checks: ${passed} ok, ${failed} not ok`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.log(`not ok - unexpected error: ${(err && err.stack) || err}`);
  console.log(`node client checks: ${passed} ok, ${failed + 1} not ok`);
  process.exit(1);
});
