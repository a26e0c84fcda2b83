#!/usr/bin/env node
// The baseline of bench/run.sh: what a hand-written script around HubSpot's
// official Node client (@hubspot/api-client 13.5.0, from test/node) does.
//
//   HUBSPOT_EMULATOR_URL=… node bench/node_baseline.js insert N
//       creates N products with batchApi.create, 100 inputs per request, one
//       request at a time (what the client's own docs show)
//   HUBSPOT_EMULATOR_URL=… node bench/node_baseline.js select
//       reads every product with every property of the catalogue, 100 per page
//
// Prints one JSON line: {"op", "rows", "seconds"}.
'use strict';

const path = require('path');
const hubspot = require(path.join(__dirname, '..', 'test', 'node', 'node_modules', '@hubspot', 'api-client'));

const client = new hubspot.Client({
  accessToken: 'pat-bench-token',
  basePath: process.env.HUBSPOT_EMULATOR_URL,
  numberOfApiCallRetries: 0,
});

async function insert(n) {
  for (let start = 0; start < n; start += 100) {
    const inputs = [];
    for (let i = start; i < Math.min(n, start + 100); i++) {
      inputs.push({
        properties: { name: `Node product ${i}`, price: String(10 + i / 4), hs_sku: `NODE-${i}` },
        associations: [],
      });
    }
    await client.crm.products.batchApi.create({ inputs });
  }
  return n;
}

async function select() {
  const props = (await client.crm.properties.coreApi.getAll('products')).results.map((p) => p.name);
  let rows = 0;
  let after;
  do {
    const page = await client.crm.products.basicApi.getPage(100, after, props);
    rows += page.results.length;
    after = page.paging && page.paging.next ? page.paging.next.after : undefined;
  } while (after);
  return rows;
}

(async () => {
  const op = process.argv[2];
  const t0 = process.hrtime.bigint();
  const rows = op === 'insert' ? await insert(Number(process.argv[3])) : await select();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ op, rows, seconds }));
})().catch((err) => {
  console.error(String((err && err.message) || err));
  process.exit(1);
});
