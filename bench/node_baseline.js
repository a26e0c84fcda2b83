#!/usr/bin/env node
// The baselines of bench/run.sh: what a script around HubSpot's official Node
// client (@hubspot/api-client 13.x, from test/node) does with the same work,
// written two ways:
//
//   sequential  one request at a time: every request awaited before the next
//               (what the client's own examples show). numberOfApiCallRetries
//               6, so a 429 TEN_SECONDLY_ROLLING is retried (the client waits
//               10 s × attempt).
//   careful     a careful script author: the client's Bottleneck limiter
//               (limiterOptions) with 10 requests in flight and a reservoir
//               of 180 requests per 10 s (HubSpot's Pro/Enterprise burst
//               limit is 190), every batch handed to the limiter at once, and
//               numberOfApiCallRetries 6 for the 429s that still happen (the
//               reservoir refills every 10 s, while HubSpot's window rolls).
//
//   node bench/node_baseline.js MODE insert N PREFIX [LOOPS]
//       creates N products "PREFIX i" (price, hs_sku) with batchApi.create,
//       100 per request; with LOOPS (careful only) in that many concurrent
//       loops of N / LOOPS products each, sharing one client and so one limiter
//   node bench/node_baseline.js MODE update
//       lists every product (getPage of 100, property price) and, per page,
//       sends batchApi.update of price + 1 for its 100 products (careful: the
//       update is handed to the limiter without waiting, and the next page is
//       asked for at once)
//   node bench/node_baseline.js MODE upsert FROM TO PRICE_OFFSET [LOOPS]
//       batchApi.upsert of products EXT-FROM … EXT-TO by idProperty
//       external_id, name "Product i", price i + PRICE_OFFSET; LOOPS as for insert
//   node bench/node_baseline.js MODE select
//       lists every product with every property of the catalogue
//   node bench/node_baseline.js MODE copy FILE
//       reads FILE, CSV lines name,price,hs_sku (no quoting), and creates one
//       product per line with batchApi.create, 100 per request
//   node bench/node_baseline.js sequential search [--warm] KIND ARGS
//       searchApi.doSearch, one request at a time (a search is paged by its
//       `after`, so there is nothing to overlap), properties name, price,
//       hs_sku; with --warm the search is done once before the measured one
//       (the process's first request pays for connecting and for code run the
//       first time), followed by a pause of 1.1 s (search's window of 5 per
//       second) and DELETE /_emulator/requests, so that the emulator's log
//       holds the measured requests only; KIND:
//         find SKU       the product(s) whose hs_sku is SKU (EQ), one search
//         range LO HI    every product with LO <= price <= HI (BETWEEN), 200
//                        a page (HubSpot's largest), following paging.next
//         count LOW      the number of products with price > LOW: the total
//                        of one search with limit 1
//         top-price N    the N most expensive products: price > 0 (GT),
//                        sorted by price descending, limit N
//         top-id N       the first N products by id: sorted by hs_object_id
//                        ascending, limit N
//       and prints the ids found in order (count: the total) as "result"
//
// HUBSPOT_EMULATOR_URL is the API's base URL, HUBSPOT_TOKEN the bearer token.
// A batch answered with errors (207) fails the script, as it fails the fdw.
// Prints one JSON line: {"mode", "op", "loops", "rows", "start_ms", "end_ms",
// "cpu_us", "max_rss_kb"}: rows written or read, wall-clock start and end of
// the work (epoch ms), the process's CPU time and peak RSS (search: and
// "result").
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const hubspot = require(path.join(__dirname, '..', 'test', 'node', 'node_modules', '@hubspot', 'api-client'));

const CAREFUL_LIMITER = {
  maxConcurrent: 10,
  reservoir: 180,
  reservoirRefreshAmount: 180,
  reservoirRefreshInterval: 10 * 1000,
};

const [mode, op, ...args] = process.argv.slice(2);
if (mode !== 'sequential' && mode !== 'careful') {
  throw new Error(`mode must be sequential or careful, not ${mode}`);
}
const careful = mode === 'careful';

const config = {
  accessToken: process.env.HUBSPOT_TOKEN || 'pat-bench-node',
  basePath: process.env.HUBSPOT_EMULATOR_URL,
  numberOfApiCallRetries: 6,
};
if (careful) {
  config.limiterOptions = CAREFUL_LIMITER;
}
const client = new hubspot.Client(config);
const products = client.crm.products;

function chunks(items) {
  const out = [];
  for (let start = 0; start < items.length; start += 100) {
    out.push(items.slice(start, start + 100));
  }
  return out;
}

function checkBatch(res, what) {
  if (res && res.numErrors) {
    throw new Error(`${what}: ${res.numErrors} errors: ${JSON.stringify(res.errors[0])}`);
  }
}

// Sends every chunk through send(chunk): one after the other, or (careful)
// all handed to the limiter at once.
async function sendAll(items, send, what) {
  const parts = chunks(items);
  if (careful) {
    const results = await Promise.all(parts.map((part) => send(part)));
    results.forEach((res) => checkBatch(res, what));
  } else {
    for (const part of parts) {
      checkBatch(await send(part), what);
    }
  }
  return items.length;
}

// Splits items into `loops` runs of sendAll that go on concurrently.
async function inLoops(items, loops, send, what) {
  if (loops > 1 && !careful) {
    throw new Error('several loops only in careful mode');
  }
  const per = Math.ceil(items.length / loops);
  const runs = [];
  for (let i = 0; i < loops; i++) {
    runs.push(sendAll(items.slice(i * per, (i + 1) * per), send, what));
  }
  return (await Promise.all(runs)).reduce((a, b) => a + b, 0);
}

async function insert(n, prefix, loops) {
  const inputs = [];
  for (let i = 1; i <= n; i++) {
    inputs.push({
      properties: { name: `${prefix} ${i}`, price: String(10 + i / 4), hs_sku: `${prefix}-${i}` },
      associations: [],
    });
  }
  return inLoops(inputs, loops, (chunk) => products.batchApi.create({ inputs: chunk }), 'batch/create');
}

async function update() {
  let after;
  let rows = 0;
  const pending = [];
  do {
    const page = await products.basicApi.getPage(100, after, ['price']);
    const inputs = page.results.map((p) => ({
      id: p.id,
      properties: { price: String(Number(p.properties.price) + 1) },
    }));
    rows += inputs.length;
    if (inputs.length) {
      const sent = products.batchApi.update({ inputs }).then((res) => checkBatch(res, 'batch/update'));
      if (careful) {
        pending.push(sent);
      } else {
        await sent;
      }
    }
    after = page.paging && page.paging.next ? page.paging.next.after : undefined;
  } while (after);
  await Promise.all(pending);
  return rows;
}

async function upsert(from, to, offset, loops) {
  const inputs = [];
  for (let i = from; i <= to; i++) {
    inputs.push({
      idProperty: 'external_id',
      id: `EXT-${i}`,
      properties: { name: `Product ${i}`, price: String(i + offset) },
    });
  }
  return inLoops(inputs, loops, (chunk) => products.batchApi.upsert({ inputs: chunk }), 'batch/upsert');
}

async function select() {
  const props = (await client.crm.properties.coreApi.getAll('products')).results.map((p) => p.name);
  let after;
  let rows = 0;
  do {
    const page = await products.basicApi.getPage(100, after, props);
    rows += page.results.length;
    after = page.paging && page.paging.next ? page.paging.next.after : undefined;
  } while (after);
  return rows;
}

async function copy(file) {
  const inputs = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => {
    const [name, price, sku] = line.split(',');
    return { properties: { name, price, hs_sku: sku }, associations: [] };
  });
  return sendAll(inputs, (chunk) => products.batchApi.create({ inputs: chunk }), 'batch/create');
}

// The search scenarios; each returns {rows, result}.
const SEARCH_PROPERTIES = ['name', 'price', 'hs_sku'];
const searchKinds = {
  find: async (sku) => {
    const res = await products.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'hs_sku', operator: 'EQ', value: sku }] }],
      properties: SEARCH_PROPERTIES,
    });
    return { rows: res.results.length, result: res.results.map((p) => p.id) };
  },
  range: async (lo, hi) => {
    const body = {
      filterGroups: [{ filters: [{ propertyName: 'price', operator: 'BETWEEN', value: lo, highValue: hi }] }],
      properties: SEARCH_PROPERTIES,
      limit: 200,
    };
    const ids = [];
    let after;
    do {
      const page = await products.searchApi.doSearch(after === undefined ? body : { ...body, after });
      page.results.forEach((p) => ids.push(p.id));
      after = page.paging && page.paging.next ? page.paging.next.after : undefined;
    } while (after !== undefined);
    return { rows: ids.length, result: ids };
  },
  count: async (low) => {
    const res = await products.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'price', operator: 'GT', value: low }] }],
      limit: 1,
    });
    return { rows: 1, result: res.total };
  },
  'top-price': async (n) => {
    const res = await products.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'price', operator: 'GT', value: '0' }] }],
      sorts: [{ propertyName: 'price', direction: 'DESCENDING' }],
      properties: SEARCH_PROPERTIES,
      limit: Number(n),
    });
    return { rows: res.results.length, result: res.results.map((p) => p.id) };
  },
  'top-id': async (n) => {
    const res = await products.searchApi.doSearch({
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties: SEARCH_PROPERTIES,
      limit: Number(n),
    });
    return { rows: res.results.length, result: res.results.map((p) => p.id) };
  },
};

// DELETE /_emulator/requests with the core http module, which the client has
// loaded already (the global fetch would load undici, whose first use costs
// about 90 ms of CPU in the measured search that follows).
function clearEmulatorLog() {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL('/_emulator/requests', process.env.HUBSPOT_EMULATOR_URL), { method: 'DELETE' },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode < 300 ? resolve()
          : reject(new Error(`DELETE /_emulator/requests: HTTP ${res.statusCode}`))));
      });
    req.on('error', reject);
    req.end();
  });
}

async function warmUp(kind, kindArgs) {
  await searchKinds[kind](...kindArgs);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await clearEmulatorLog();
}

let searchResult;
async function search(kind, ...kindArgs) {
  if (careful) throw new Error('search runs in sequential mode');
  if (!searchKinds[kind]) throw new Error(`unknown search ${kind}; one of ${Object.keys(searchKinds).join(', ')}`);
  const { rows, result } = await searchKinds[kind](...kindArgs);
  searchResult = result;
  return rows;
}

const ops = {
  insert: () => insert(Number(args[0]), args[1], Number(args[2] || 1)),
  update,
  upsert: () => upsert(Number(args[0]), Number(args[1]), Number(args[2]), Number(args[3] || 1)),
  select,
  copy: () => copy(args[0]),
  search: () => search(...args),
};

(async () => {
  if (!ops[op]) throw new Error(`unknown operation ${op}; one of ${Object.keys(ops).join(', ')}`);
  if (op === 'search' && args[0] === '--warm') {
    args.shift();
    if (!searchKinds[args[0]]) throw new Error(`unknown search ${args[0]}`);
    await warmUp(args[0], args.slice(1));
  }
  const loops = op === 'insert' ? Number(args[2] || 1) : op === 'upsert' ? Number(args[3] || 1) : 1;
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  const rows = await ops[op]();
  const end = Date.now();
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({
    mode, op, loops, rows, start_ms: start, end_ms: end,
    cpu_us: cpu.user + cpu.system, max_rss_kb: process.resourceUsage().maxRSS,
    ...(searchResult !== undefined ? { result: searchResult } : {}),
  }));
})().catch((err) => {
  console.error(String((err && err.message) || err));
  process.exit(1);
});
