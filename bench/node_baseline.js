#!/usr/bin/env node
// The baseline of bench/run.sh: what a hand-written script around HubSpot's
// official Node client (@hubspot/api-client 13.5.0, from test/node) does.
// Every request is awaited before the next one is sent (what the client's own
// docs show), 100 records per request.
//
//   HUBSPOT_EMULATOR_URL=… node bench/node_baseline.js insert N
//       creates N products with batchApi.create
//   HUBSPOT_EMULATOR_URL=… node bench/node_baseline.js select
//       reads every product with every property of the catalogue (getPage)
//   HUBSPOT_EMULATOR_URL=… node bench/node_baseline.js update
//       reads every product's id and price (getPage with properties price),
//       then raises each price by 1 with batchApi.update, sending only price
//   HUBSPOT_EMULATOR_URL=… node bench/node_baseline.js upsert N PASS
//       batchApi.upsert of products EXT-1 … EXT-N by idProperty external_id,
//       with name "Product i" and price i (PASS 1) or i + 0.5 (PASS 2)
//   HUBSPOT_EMULATOR_URL=… node bench/node_baseline.js delete
//       reads every product's id (getPage with properties hs_object_id), then
//       archives them with batchApi.archive
//
// Batch writes answered with errors (207) make it fail, as they do the fdw.
// Prints one JSON line: {"op", "rows", "seconds"}; rows is the number of
// records read (select) or written.
'use strict';

const path = require('path');
const hubspot = require(path.join(__dirname, '..', 'test', 'node', 'node_modules', '@hubspot', 'api-client'));

const client = new hubspot.Client({
  accessToken: 'pat-bench-token',
  basePath: process.env.HUBSPOT_EMULATOR_URL,
  numberOfApiCallRetries: 0,
});
const products = client.crm.products;

// Every live product, 100 per page, with the given properties.
async function listAll(props) {
  const all = [];
  let after;
  do {
    const page = await products.basicApi.getPage(100, after, props);
    all.push(...page.results);
    after = page.paging && page.paging.next ? page.paging.next.after : undefined;
  } while (after);
  return all;
}

// Send items in chunks of 100 through send(chunk); fail on a batch with errors.
async function inChunks(items, send) {
  for (let start = 0; start < items.length; start += 100) {
    const res = await send(items.slice(start, start + 100));
    if (res && res.numErrors) {
      throw new Error(`batch at ${start}: ${res.numErrors} errors: ${JSON.stringify(res.errors[0])}`);
    }
  }
  return items.length;
}

async function insert(n) {
  const inputs = [];
  for (let i = 0; i < n; i++) {
    inputs.push({
      properties: { name: `Node product ${i}`, price: String(10 + i / 4), hs_sku: `NODE-${i}` },
      associations: [],
    });
  }
  return inChunks(inputs, (chunk) => products.batchApi.create({ inputs: chunk }));
}

async function select() {
  const props = (await client.crm.properties.coreApi.getAll('products')).results.map((p) => p.name);
  return (await listAll(props)).length;
}

async function update() {
  const inputs = (await listAll(['price'])).map((p) => ({
    id: p.id,
    properties: { price: String(Number(p.properties.price) + 1) },
  }));
  return inChunks(inputs, (chunk) => products.batchApi.update({ inputs: chunk }));
}

async function upsert(n, pass) {
  const inputs = [];
  for (let i = 1; i <= n; i++) {
    inputs.push({
      idProperty: 'external_id',
      id: `EXT-${i}`,
      properties: { name: `Product ${i}`, price: String(pass === 2 ? i + 0.5 : i) },
    });
  }
  return inChunks(inputs, (chunk) => products.batchApi.upsert({ inputs: chunk }));
}

async function archiveAll() {
  const inputs = (await listAll(['hs_object_id'])).map((p) => ({ id: p.id }));
  return inChunks(inputs, (chunk) => products.batchApi.archive({ inputs: chunk }));
}

const ops = {
  insert: () => insert(Number(process.argv[3])),
  select,
  update,
  upsert: () => upsert(Number(process.argv[3]), Number(process.argv[4])),
  delete: archiveAll,
};

(async () => {
  const op = process.argv[2];
  if (!ops[op]) throw new Error(`unknown operation ${op}; one of ${Object.keys(ops).join(', ')}`);
  const t0 = process.hrtime.bigint();
  const rows = await ops[op]();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ op, rows, seconds }));
})().catch((err) => {
  console.error(String((err && err.message) || err));
  process.exit(1);
});
