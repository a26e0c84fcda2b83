#!/usr/bin/env node
// An independent HubSpot CRM v3 "products" stand-in, written from
// /work/shared/docs/hubspot-api.md only.  It shares no code and no
// assumptions with test/emulator.py; where that document leaves a choice open
// it deliberately takes the less convenient one for a client:
//
//   * every API response is sent with chunked transfer encoding (never a
//     content-length), in irregular chunk sizes, and gzip-compressed whenever
//     the request's accept-encoding allows gzip;
//   * header names are lower case, as HubSpot's edge sends them;
//   * properties a record has no value for come back as JSON null;
//   * batch/create results come back shuffled and WITHOUT objectWriteTraceId
//     (the document says echoing it on successes is unverified);
//   * ids are large numeric strings (512000000001, ...).
//
// Node 20, standard library only (http, zlib, crypto).
//
//   node test/standin/server.js [--port-file PATH] [--port N] [--token TOKEN]
//                               [--rate-max N] [--seed N]
//
// Listens on 127.0.0.1 (a free port unless --port is given) and writes the
// port to PATH once it is listening.  With --token, only that Bearer token is
// accepted; without it, any non-empty Bearer token is.
//
// Control endpoints (no authentication, not logged):
//   GET  /_standin/requests   the API requests seen so far, oldest first:
//                             [{seq, method, path, query, body, status, gzip}]
//   POST /_standin/reset      forget records, the request log, counters and the
//                             rate-limit window

'use strict';

const http = require('http');
const zlib = require('zlib');
const crypto = require('crypto');

// ---------------------------------------------------------------- options

function parseArgs(argv) {
    const opts = { port: 0, portFile: null, token: null, rateMax: 190, seed: 20260302 };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--port') opts.port = Number(next());
        else if (a === '--port-file') opts.portFile = next();
        else if (a === '--token') opts.token = next();
        else if (a === '--rate-max') opts.rateMax = Number(next());
        else if (a === '--seed') opts.seed = Number(next());
        else throw new Error(`unknown argument ${a}`);
    }
    return opts;
}

const OPTS = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------- constants

const PORTAL_ID = 24681357;
const FIRST_ID = 512000000001n;
// A fixed clock keeps test output stable: record n is created at
// CLOCK_START + n ms, and modified 250 ms after it was created.
const CLOCK_START = Date.parse('2026-03-02T08:00:00.000Z');
const DAILY_LIMIT = 250000;
const INTERVAL_MS = 10000;
const BATCH_MAX = 100;
const LIST_DEFAULT = 10;
const LIST_MAX = 100;

// The property catalogue (hubspot-api.md section 7 and 3.12): a handful of
// HubSpot's default product properties.
function prop(name, label, type, fieldType, readOnly, extra) {
    return Object.assign({
        name, label, type, fieldType,
        description: '',
        groupName: 'productinformation',
        options: [],
        displayOrder: -1,
        calculated: false,
        externalOptions: false,
        hasUniqueValue: false,
        hidden: false,
        hubspotDefined: true,
        showCurrencySymbol: false,
        modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: readOnly },
        formField: false,
        dataSensitivity: 'non_sensitive',
        createdAt: '2019-08-06T02:41:08.029Z',
        updatedAt: '2025-11-20T16:03:51.612Z',
        archived: false,
    }, extra || {});
}

const CATALOGUE = [
    prop('name', 'Name', 'string', 'text', false, { displayOrder: 0, description: 'The name of the product' }),
    prop('description', 'Description', 'string', 'textarea', false, { displayOrder: 1, description: 'Full description of the product' }),
    prop('price', 'Unit price', 'number', 'number', false, { displayOrder: 2, showCurrencySymbol: true, description: 'Cost of the product' }),
    prop('hs_sku', 'SKU', 'string', 'text', false, { displayOrder: 3, description: 'Unique product identifier' }),
    prop('createdate', 'Create Date', 'datetime', 'date', false, { description: 'The date the product was created' }),
    prop('hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', true, { description: 'Most recent timestamp of any property update for this product' }),
    prop('hs_object_id', 'Record ID', 'number', 'number', true, { description: 'The unique ID for this record. This value is set automatically by HubSpot and may not be modified.' }),
];
const CATALOGUE_BY_NAME = new Map(CATALOGUE.map((p) => [p.name, p]));
const DEFAULT_PROPERTIES = ['name', 'description', 'price', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'];

// ---------------------------------------------------------------- state

let state;

function freshState() {
    return {
        records: [],          // ascending id order, since ids only grow
        nextId: FIRST_ID,
        created: 0,           // records ever created (drives the clock)
        requests: [],         // the request log
        correlation: 0,       // sequential correlation ids
        window: [],           // times of requests in the last INTERVAL_MS
        daily: 0,
        rng: mulberry32(OPTS.seed),
    };
}

// A small seeded PRNG, so that the shuffles are the same on every run.
function mulberry32(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function shuffle(list) {
    const a = list.slice();
    for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(state.rng() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
    }
    // never hand back a batch of two or more in its input order
    if (a.length > 1 && a.every((x, i) => x === list[i])) a.push(a.shift());
    return a;
}

function nextCorrelationId() {
    state.correlation += 1;
    // uuid-shaped, but sequential so that test output is stable
    return `5e7a4d1e-0000-4000-8000-${String(state.correlation).padStart(12, '0')}`;
}

function iso(ms) {
    return new Date(ms).toISOString();
}

state = freshState();

// ---------------------------------------------------------------- records

function newRecord(values) {
    const id = String(state.nextId);
    state.nextId += 1n;
    state.created += 1;
    const createdAt = CLOCK_START + state.created;
    const updatedAt = createdAt + 250;
    const properties = {};
    for (const [k, v] of Object.entries(values)) {
        if (v !== null && v !== '') properties[k] = v;
    }
    if (properties.createdate === undefined) properties.createdate = iso(createdAt);
    properties.hs_lastmodifieddate = iso(updatedAt);
    properties.hs_object_id = id;
    const rec = { id, properties, createdAt: iso(createdAt), updatedAt: iso(updatedAt), archived: false, associations: [] };
    state.records.push(rec);
    return rec;
}

// The record as the API shows it, with the given property names (null for
// the ones it has no value for; unknown names are silently ignored).
function view(rec, names) {
    const properties = {};
    for (const n of names) {
        if (!CATALOGUE_BY_NAME.has(n)) continue;
        properties[n] = Object.prototype.hasOwnProperty.call(rec.properties, n) ? rec.properties[n] : null;
    }
    return { id: rec.id, properties, createdAt: rec.createdAt, updatedAt: rec.updatedAt, archived: rec.archived };
}

// What create and batch/create answer: every property the record has, plus
// the default ones (null when empty).
function createdView(rec) {
    const names = [...new Set([...DEFAULT_PROPERTIES, ...Object.keys(rec.properties)])];
    return view(rec, names);
}

// ---------------------------------------------------------------- validation

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

// Problems with one input's properties, in HubSpot's "validation result"
// shape (the JSON packed into "Property values were not valid: [...]").
function validateProperties(properties) {
    const problems = [];
    const values = {};
    if (properties === undefined || properties === null) return { problems, values };
    if (typeof properties !== 'object' || Array.isArray(properties)) {
        return { invalid: 'properties must be an object' };
    }
    for (const [name, raw] of Object.entries(properties)) {
        const def = CATALOGUE_BY_NAME.get(name);
        const result = (message, error) => ({
            isValid: false, message, error, name, localizedErrorMessage: message, portalId: PORTAL_ID,
        });
        if (!def) {
            problems.push(result(`Property "${name}" does not exist`, 'PROPERTY_DOESNT_EXIST'));
            continue;
        }
        if (def.modificationMetadata.readOnlyValue) {
            problems.push(result(`"${name}" is a read only property; its value cannot be set.`, 'READ_ONLY_VALUE'));
            continue;
        }
        if (raw === null) { values[name] = null; continue; }
        // HubSpot coerces JSON numbers and booleans to their text
        const value = typeof raw === 'string' ? raw : (typeof raw === 'number' || typeof raw === 'boolean') ? String(raw) : undefined;
        if (value === undefined) {
            problems.push(result(`${JSON.stringify(raw)} is not a valid property value`, 'INVALID_PROPERTY_VALUE'));
            continue;
        }
        if (value === '') { values[name] = ''; continue; }
        if (def.type === 'number' && !NUMBER_RE.test(value)) {
            // real HubSpot text and code for a bad number property value
            problems.push(result(`${value} was not a valid number.`, 'INVALID_INTEGER'));
            continue;
        }
        if (def.type === 'datetime') {
            const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
            if (!Number.isFinite(ms) || !/^\d+$|^\d{4}-\d{2}-\d{2}/.test(value)) {
                problems.push(result(`${value} was not a valid datetime.`, 'INVALID_DATE'));
                continue;
            }
            values[name] = iso(ms);
            continue;
        }
        values[name] = value;
    }
    return { problems, values };
}

// ---------------------------------------------------------------- responses

function acceptsGzip(header) {
    if (!header) return false;
    let gzip = null;
    let star = null;
    for (const part of String(header).split(',')) {
        const [coding, ...params] = part.trim().toLowerCase().split(';');
        let q = 1;
        for (const p of params) {
            const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
            if (m) q = Number(m[1]);
        }
        if (coding === 'gzip' || coding === 'x-gzip') gzip = q;
        else if (coding === '*') star = q;
    }
    if (gzip !== null) return gzip > 0;
    return star !== null && star > 0;
}

// Irregular chunk sizes, so that chunk boundaries fall inside the gzip header,
// inside JSON tokens and inside multi-byte characters.
const CHUNK_SIZES = [1, 9, 300, 4096, 2, 1500, 8192];

function sleepTick() {
    return new Promise((resolve) => setImmediate(resolve));
}

async function sendChunked(req, res, status, headers, payload, ctx) {
    let body = Buffer.from(payload === undefined ? '' : payload, 'utf8');
    const gzip = ctx.gzip;
    if (gzip) body = zlib.gzipSync(body);
    const h = Object.assign({
        'date': new Date().toUTCString(),
        'content-type': 'application/json;charset=utf-8',
        'transfer-encoding': 'chunked',
        'connection': ctx.keepAlive ? 'keep-alive' : 'close',
        'vary': 'origin, Accept-Encoding',
        'access-control-allow-credentials': 'false',
        'x-content-type-options': 'nosniff',
        'x-hubspot-correlation-id': ctx.correlationId,
        'x-trace': '2B' + crypto.createHash('sha1').update(ctx.correlationId).digest('hex').toUpperCase().slice(0, 40),
        'report-to': '{"endpoints":[{"url":"https://a.nel.cloudflare.com/report/v4"}],"group":"cf-nel","max_age":604800}',
        'server': 'cloudflare',
        'cf-ray': crypto.createHash('md5').update(ctx.correlationId).digest('hex').slice(0, 16) + '-IAD',
        'cf-cache-status': 'DYNAMIC',
        'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
        'set-cookie': '__cf_bm=standin' + state.correlation + '; path=/; expires=Mon, 02-Mar-2026 08:30:00 GMT; domain=.hubapi.com; HttpOnly; Secure; SameSite=None',
    }, headers);
    if (ctx.keepAlive) h['keep-alive'] = 'timeout=60';
    if (gzip) h['content-encoding'] = 'gzip';
    res.writeHead(status, h);
    let pos = 0;
    let k = 0;
    while (pos < body.length) {
        const n = CHUNK_SIZES[k++ % CHUNK_SIZES.length];
        res.write(body.subarray(pos, pos + n));
        pos += n;
        await sleepTick();
    }
    res.end();
}

function rateHeaders() {
    const remaining = Math.max(OPTS.rateMax - state.window.length, 0);
    return {
        'x-hubspot-ratelimit-daily': String(DAILY_LIMIT),
        'x-hubspot-ratelimit-daily-remaining': String(Math.max(DAILY_LIMIT - state.daily, 0)),
        'x-hubspot-ratelimit-interval-milliseconds': String(INTERVAL_MS),
        'x-hubspot-ratelimit-max': String(OPTS.rateMax),
        'x-hubspot-ratelimit-remaining': String(remaining),
        'x-hubspot-ratelimit-secondly': String(Math.floor(OPTS.rateMax / 10)),
        'x-hubspot-ratelimit-secondly-remaining': String(Math.max(Math.floor(OPTS.rateMax / 10) - countSince(1000), 0)),
    };
}

function countSince(ms) {
    const now = Date.now();
    return state.window.filter((t) => t > now - ms).length;
}

function errorBody(ctx, category, message, extra) {
    return Object.assign({ status: 'error', message, correlationId: ctx.correlationId }, extra || {}, { category });
}

// ---------------------------------------------------------------- handlers

function listProducts(ctx) {
    const q = ctx.params;
    const limitRaw = q.get('limit');
    let limit = LIST_DEFAULT;
    if (limitRaw !== null) {
        limit = Number(limitRaw);
        if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
            return [400, errorBody(ctx, 'VALIDATION_ERROR', `limit must be between 1 and ${LIST_MAX}, got ${limitRaw}`)];
        }
    }
    const archived = q.get('archived') === 'true';
    const names = [];
    for (const v of q.getAll('properties')) {
        for (const n of v.split(',')) if (n.trim() !== '' && !names.includes(n.trim())) names.push(n.trim());
    }
    // like search (hubspot-api.md 3.11), the three system properties always
    // come along, whatever was asked for
    const wanted = q.has('properties')
        ? [...names, ...['createdate', 'hs_lastmodifieddate', 'hs_object_id'].filter((n) => !names.includes(n))]
        : DEFAULT_PROPERTIES;
    const after = q.get('after');
    if (after !== null && after !== '' && !/^\d+$/.test(after)) {
        return [400, errorBody(ctx, 'VALIDATION_ERROR', `Unable to parse after cursor ${after}`)];
    }
    // the cursor is the id of the next record; records come in ascending id order
    const pool = state.records.filter((r) => r.archived === archived);
    let begin = 0;
    if (after !== null && after !== '') {
        const a = BigInt(after);
        begin = pool.findIndex((r) => BigInt(r.id) >= a);
        if (begin < 0) begin = pool.length;
    }
    const page = pool.slice(begin, begin + limit);
    const body = { results: page.map((r) => view(r, wanted)) };
    const rest = pool[begin + limit];
    if (rest) {
        const link = new URLSearchParams();
        for (const [k, v] of q) if (k !== 'after') link.append(k, v);
        link.set('limit', String(limit));
        link.set('after', rest.id);
        body.paging = {
            next: {
                after: rest.id,
                link: `http://${ctx.host}/crm/v3/objects/products?${link.toString()}`,
            },
        };
    }
    return [200, body];
}

function createOne(ctx, input) {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
        return [400, errorBody(ctx, 'VALIDATION_ERROR', 'Invalid input JSON on line 1, column 1: Cannot build SimplePublicObjectInputForCreate')];
    }
    const v = validateProperties(input.properties);
    if (v.invalid) return [400, errorBody(ctx, 'VALIDATION_ERROR', v.invalid)];
    if (v.problems.length > 0) return [400, validationError(ctx, v.problems)];
    const rec = newRecord(v.values);
    rec.associations = Array.isArray(input.associations) ? input.associations : [];
    return [201, createdView(rec)];
}

function validationError(ctx, problems) {
    return errorBody(ctx, 'VALIDATION_ERROR', 'Property values were not valid: ' + JSON.stringify(problems), {
        errors: problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })),
    });
}

function batchCreate(ctx, body) {
    const startedAt = iso(CLOCK_START + state.created);
    if (!body || !Array.isArray(body.inputs)) {
        return [400, errorBody(ctx, 'VALIDATION_ERROR', 'Invalid input JSON on line 1, column 1: Cannot build BatchInputSimplePublicObjectBatchInputForCreate, some of required attributes are not set [inputs]')];
    }
    const inputs = body.inputs;
    if (inputs.length === 0 || inputs.length > BATCH_MAX) {
        return [400, errorBody(ctx, 'VALIDATION_ERROR', `Batch size must be between 1 and ${BATCH_MAX} inputs, got ${inputs.length}`)];
    }
    const checked = inputs.map((input) => {
        if (!input || typeof input !== 'object' || Array.isArray(input)) return { invalid: 'input must be an object' };
        return validateProperties(input.properties);
    });
    const broken = checked.findIndex((c) => c.invalid);
    if (broken >= 0) return [400, errorBody(ctx, 'VALIDATION_ERROR', `inputs[${broken}]: ${checked[broken].invalid}`)];
    const traced = inputs.every((i) => typeof i.objectWriteTraceId === 'string' && i.objectWriteTraceId !== '');
    const firstBad = checked.findIndex((c) => c.problems.length > 0);
    if (firstBad >= 0 && !traced) {
        // without trace ids one bad input fails the whole batch, and only
        // the first problem is reported (hubspot-api.md 3.7)
        return [400, validationError(ctx, checked[firstBad].problems)];
    }
    const results = [];
    const errors = [];
    inputs.forEach((input, i) => {
        if (checked[i].problems.length > 0) {
            errors.push({
                status: 'error',
                category: 'VALIDATION_ERROR',
                message: 'Property values were not valid: ' + JSON.stringify(checked[i].problems),
                context: { objectWriteTraceId: [input.objectWriteTraceId] },
            });
            return;
        }
        const rec = newRecord(checked[i].values);
        rec.associations = Array.isArray(input.associations) ? input.associations : [];
        // no objectWriteTraceId on successful results
        results.push(createdView(rec));
    });
    const completedAt = iso(CLOCK_START + state.created + 37);
    if (errors.length === 0) {
        return [201, { status: 'COMPLETE', results: shuffle(results), startedAt, completedAt }];
    }
    return [207, {
        status: 'COMPLETE',
        results: shuffle(results),
        numErrors: errors.length,
        errors: shuffle(errors),
        startedAt,
        completedAt,
    }];
}

function route(ctx, body) {
    const { method, path } = ctx;
    if (path === '/crm/v3/properties/products' || path === '/crm/v3/properties/0-7') {
        if (method !== 'GET') return [405, errorBody(ctx, 'VALIDATION_ERROR', `HTTP ${method} not supported`)];
        const archived = ctx.params.get('archived') === 'true';
        return [200, { results: archived ? [] : CATALOGUE }];
    }
    let m = /^\/crm\/v3\/properties\/(products|0-7)\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
        const p = CATALOGUE_BY_NAME.get(decodeURIComponent(m[2]));
        if (!p) return [404, errorBody(ctx, 'OBJECT_NOT_FOUND', `Unable to find property ${decodeURIComponent(m[2])}`)];
        return [200, p];
    }
    if (path === '/crm/v3/objects/products' || path === '/crm/v3/objects/0-7') {
        if (method === 'GET') return listProducts(ctx);
        if (method === 'POST') return createOne(ctx, body);
        return [405, errorBody(ctx, 'VALIDATION_ERROR', `HTTP ${method} not supported`)];
    }
    if (path === '/crm/v3/objects/products/batch/create' || path === '/crm/v3/objects/0-7/batch/create') {
        if (method === 'POST') return batchCreate(ctx, body);
        return [405, errorBody(ctx, 'VALIDATION_ERROR', `HTTP ${method} not supported`)];
    }
    m = /^\/crm\/v3\/objects\/(products|0-7)\/(\d+)$/.exec(path);
    if (m && method === 'GET') {
        const rec = state.records.find((r) => r.id === m[2] && !r.archived);
        if (!rec) return [404, errorBody(ctx, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', { context: { id: [m[2]] } })];
        const names = [];
        for (const v of ctx.params.getAll('properties')) for (const n of v.split(',')) if (n) names.push(n);
        return [200, view(rec, ctx.params.has('properties') ? names : DEFAULT_PROPERTIES)];
    }
    return [404, errorBody(ctx, 'OBJECT_NOT_FOUND', `Unable to route ${method} ${path}`)];
}

// ---------------------------------------------------------------- server

function queryObject(params) {
    const out = {};
    for (const [k, v] of params) {
        if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = v;
        else if (Array.isArray(out[k])) out[k].push(v);
        else out[k] = [out[k], v];
    }
    return out;
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const parts = [];
        req.on('data', (d) => parts.push(d));
        req.on('end', () => resolve(Buffer.concat(parts)));
        req.on('error', reject);
    });
}

async function handle(req, res) {
    const url = new URL(req.url, 'http://standin.invalid');
    const raw = await readBody(req);
    const text = raw.toString('utf8');

    // control endpoints: plain, unlogged, no authentication
    if (url.pathname === '/_standin/requests' && req.method === 'GET') {
        const out = JSON.stringify(state.requests);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
        return;
    }
    if (url.pathname === '/_standin/reset' && req.method === 'POST') {
        state = freshState();
        res.writeHead(204);
        res.end();
        return;
    }

    const ctx = {
        method: req.method,
        path: url.pathname,
        params: url.searchParams,
        host: req.headers.host || '127.0.0.1',
        correlationId: nextCorrelationId(),
        keepAlive: req.httpVersion === '1.1' && String(req.headers.connection || '').toLowerCase() !== 'close',
        gzip: false,
    };
    let body = null;
    let bodyForLog = null;
    if (text !== '') {
        try {
            body = JSON.parse(text);
            bodyForLog = body;
        } catch (e) {
            bodyForLog = text;
        }
    }
    const entry = {
        seq: state.requests.length + 1,
        method: req.method,
        path: url.pathname,
        query: queryObject(url.searchParams),
        body: bodyForLog,
        status: null,
        gzip: null,
    };
    state.requests.push(entry);

    let status;
    let payload;
    let headers = {};
    const auth = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization || '');
    if (!auth || (OPTS.token !== null && auth[1] !== OPTS.token)) {
        status = 401;
        payload = errorBody(ctx, 'INVALID_AUTHENTICATION',
            'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview');
    } else {
        const now = Date.now();
        state.window = state.window.filter((t) => t > now - INTERVAL_MS);
        if (state.window.length >= OPTS.rateMax) {
            status = 429;
            payload = {
                status: 'error',
                message: 'You have reached your ten_secondly_rolling limit.',
                errorType: 'RATE_LIMIT',
                correlationId: ctx.correlationId,
                policyName: 'TEN_SECONDLY_ROLLING',
            };
            headers = rateHeaders();
        } else {
            state.window.push(now);
            state.daily += 1;
            if (text !== '' && body === null) {
                status = 400;
                payload = errorBody(ctx, 'VALIDATION_ERROR', 'Invalid input JSON on line 1, column 1: Unexpected character');
            } else {
                [status, payload] = route(ctx, body);
            }
            headers = rateHeaders();
        }
    }
    entry.status = status;
    ctx.gzip = acceptsGzip(req.headers['accept-encoding']);
    entry.gzip = ctx.gzip;
    await sendChunked(req, res, status, headers, JSON.stringify(payload), ctx);
}

const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
        process.stderr.write(`standin: ${err && err.stack || err}\n`);
        if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'application/json;charset=utf-8' });
        }
        res.end();
    });
});
server.sendDate = false;
server.keepAliveTimeout = 60000;

server.listen(OPTS.port, '127.0.0.1', () => {
    const port = server.address().port;
    process.stderr.write(`standin: listening on http://127.0.0.1:${port}\n`);
    if (OPTS.portFile) {
        const fs = require('fs');
        const tmp = OPTS.portFile + '.tmp';
        fs.writeFileSync(tmp, String(port) + '\n');
        fs.renameSync(tmp, OPTS.portFile);
    }
});

for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
        server.close();
        server.closeAllConnections();
        process.exit(0);
    });
}
