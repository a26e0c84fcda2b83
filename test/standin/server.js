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
//   * properties a record has no value for (never set, or cleared) come back
//     as the empty string "" in every answer that shows records (list, read
//     one, batch/read, and the answers of every write), as real HubSpot sends
//     them (hubspot-api.md section 12.1): never JSON null, never left out when
//     asked for;
//   * number property values must be plain decimals (section 12.2): digits,
//     an optional single leading "-", an optional single "."; an exponent
//     ("1e-05"), a "+", spaces or separators are a validation problem
//     "VALUE was not a valid number." (INVALID_INTEGER), on creates and
//     updates alike;
//   * batch/create results come back shuffled and WITHOUT objectWriteTraceId
//     (the document says echoing it on successes is unverified);
//   * ids are large numeric strings (512000000001, ...).
//
// Endpoints (both /crm/v3/objects/products... and /crm/v3/objects/0-7...):
//
//   GET    /crm/v3/properties/products[/NAME]   the catalogue: a few default
//          product properties plus one custom property, external_id (string,
//          hasUniqueValue: true).  Nothing else is unique, not even
//          hs_object_id.
//   GET    /crm/v3/objects/products   list; archived=true lists ONLY archived
//          records; with `properties` the three system properties always come
//          along.
//   POST   /crm/v3/objects/products               create one, 201
//   POST   /crm/v3/objects/products/batch/create  201 / 207 (see above)
//   GET    /crm/v3/objects/products/{id}   read one.  archived=true finds ONLY
//          archived records (a live one is then 404, like the list).  With
//          idProperty (a unique property: external_id) {id} is its value; a
//          non-unique or unknown idProperty is a 400.  With `properties` only
//          those come back (no system properties added).  404 body:
//          OBJECT_NOT_FOUND, "Object not found.  objectId are usually
//          numeric.", context.id.
//   PATCH  /crm/v3/objects/products/{id}   (idProperty allowed) 200.  The
//          answer's properties are ONLY the ones written by this request plus
//          createdate, hs_lastmodifieddate and hs_object_id, not the whole
//          record.  Unknown or archived id: 404 as for GET.  Unknown,
//          read-only or invalid property: 400 VALIDATION_ERROR.
//   DELETE /crm/v3/objects/products/{id}   204 always (unknown ids too);
//          archives the record.
//   POST   .../batch/read      (?archived=) 200, or 207 with ONE
//          OBJECT_NOT_FOUND error whose context.ids lists every id not found.
//          Results shuffled; a repeated id comes back once.  properties [] or
//          absent: the default set; otherwise only the named ones.
//   POST   .../batch/update    200 / 207.  Results shuffled, WITHOUT
//          objectWriteTraceId, properties as for PATCH.  Ids not found: ONE
//          OBJECT_NOT_FOUND error with context.ids and WITHOUT
//          context.objectWriteTraceId, even when the inputs carried one.
//   POST   .../batch/upsert    200 / 207, per-input idProperty (must be
//          unique: external_id).  Results have "new": true|false, shuffled,
//          WITHOUT objectWriteTraceId; properties are the written ones, the
//          idProperty and the three system ones.
//   POST   .../batch/archive   204, unknown ids ignored.
//
// Writes (PATCH, batch/update, batch/upsert):
//   * "" clears a property (it then reads back as ""); JSON null is taken
//     as "not sent": the stored value stays, and the property is not in the
//     answer (the document only promises that "" clears);
//   * hs_lastmodifieddate and updatedAt move to the wall-clock time of the
//     write (strictly later than before), while creates keep the fixed
//     clock below; records created by an upsert use the fixed clock too;
//   * two inputs of one batch/update or batch/upsert naming the same record
//     (or the same idProperty value): 400 VALIDATION_ERROR "Duplicate IDs
//     found in batch input: [a, b]", nothing written;
//   * a non-unique idProperty (also hs_object_id, and a missing idProperty on
//     upsert): 400 VALIDATION_ERROR "Unable to perform update/upsert by
//     non-unique 0-7 property NAME in portal ID 24681357";
//   * a bad property in an input WITH objectWriteTraceId is a 207 item
//     (VALIDATION_ERROR, context.objectWriteTraceId); in an input without
//     one, the whole request is a 400 and nothing is written;
//   * a unique value another live record already has (or an earlier input of
//     the same batch claims) is a validation problem "propertyValue: already
//     has that value external_id" (creates too).
//     Its error code, DUPLICATE_UNIQUE_PROPERTY_VALUE, is the stand-in's own
//     (the document gives no exact body); archived records do not count;
//   * checks come in this order, the first failing one answering: request
//     shape, idProperty, (batch) duplicate ids, (PATCH) record exists,
//     property values;
//   * archived records carry archivedAt (wall clock of the archive);
//   * ids are matched as strings: "00512000000001" is not 512000000001.
//
// Every answer, errors included, goes through the same Bearer check, rate
// limit, chunked/gzip sending and request log; 204 answers have no body and
// are sent neither chunked nor compressed (the log says gzip: false).
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
    // a custom property with unique values, as batch/upsert and idProperty
    // need one (hubspot-api.md section 6)
    prop('external_id', 'External ID', 'string', 'text', false, {
        description: 'Identifier of the product in an external system',
        hasUniqueValue: true,
        hubspotDefined: false,
        modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
        createdAt: '2026-01-12T10:20:30.400Z',
        updatedAt: '2026-01-12T10:20:30.400Z',
    }),
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

// The record as the API shows it, with the given property names ("" for the
// ones it has no value for, as HubSpot sends them; unknown names are silently
// ignored).
function view(rec, names) {
    const properties = {};
    for (const n of names) {
        if (!CATALOGUE_BY_NAME.has(n)) continue;
        properties[n] = Object.prototype.hasOwnProperty.call(rec.properties, n) ? rec.properties[n] : '';
    }
    const out = { id: rec.id, properties, createdAt: rec.createdAt, updatedAt: rec.updatedAt, archived: rec.archived };
    if (rec.archived) out.archivedAt = rec.archivedAt;
    return out;
}

const SYSTEM_PROPERTIES = ['createdate', 'hs_lastmodifieddate', 'hs_object_id'];

// What PATCH, batch/update and batch/upsert answer: only the given (written)
// properties and the three system ones, not the whole record.
function writtenView(rec, names) {
    return view(rec, [...new Set([...names, ...SYSTEM_PROPERTIES])]);
}

// The live (or, with archived, only the archived) record whose id, or whose
// idProperty value, is key.
function findRecord(key, idProperty, archived) {
    if (idProperty) return state.records.find((r) => r.archived === archived && r.properties[idProperty] === key);
    return state.records.find((r) => r.archived === archived && r.id === key);
}

// A write's time: the wall clock, but always later than the record's last
// modification (and its fixed-clock creation).
function touch(rec, now) {
    const t = Math.max(now, Date.parse(rec.updatedAt) + 1);
    rec.updatedAt = iso(t);
    rec.properties.hs_lastmodifieddate = iso(t);
}

// Apply checked values to a record: "" clears, null is left alone.  Returns
// the names written.
function applyValues(rec, values) {
    const written = [];
    for (const [k, v] of Object.entries(values)) {
        if (v === null) continue;
        if (v === '') delete rec.properties[k];
        else rec.properties[k] = v;
        written.push(k);
    }
    return written;
}

// What create and batch/create answer: every property the record has, plus
// the default ones ("" when empty).
function createdView(rec) {
    const names = [...new Set([...DEFAULT_PROPERTIES, ...Object.keys(rec.properties)])];
    return view(rec, names);
}

// ---------------------------------------------------------------- validation

// A plain decimal, as HubSpot takes number values: ASCII digits, an optional
// single leading "-", an optional single "." ("5." and ".5" too); no exponent,
// no "+", no spaces or separators.
const NUMBER_RE = /^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;

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

// Values of unique properties another live record already has, or that an
// earlier input of the same request claimed (claims: Map "name\0value" ->
// the claiming record's id or a placeholder), as validation results.  target
// is the record being written, or null for a new one.
function uniqueProblems(values, target, claims) {
    const problems = [];
    for (const [name, value] of Object.entries(values)) {
        const def = CATALOGUE_BY_NAME.get(name);
        if (!def || !def.hasUniqueValue || value === null || value === '') continue;
        const key = name + '\0' + value;
        const owner = state.records.find((r) => !r.archived && r !== target && r.properties[name] === value);
        const claimed = claims && claims.has(key) && claims.get(key) !== (target ? target.id : undefined);
        if (owner || claimed) {
            const message = `propertyValue: already has that value ${name}`;
            problems.push({
                isValid: false, message, error: 'DUPLICATE_UNIQUE_PROPERTY_VALUE', name,
                localizedErrorMessage: message, portalId: PORTAL_ID,
            });
        }
    }
    return problems;
}

function claimValues(values, target, claims, placeholder) {
    for (const [name, value] of Object.entries(values)) {
        const def = CATALOGUE_BY_NAME.get(name);
        if (!def || !def.hasUniqueValue || value === null || value === '') continue;
        claims.set(name + '\0' + value, target ? target.id : placeholder);
    }
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
    if (status === 204) {
        // no body: neither chunked nor typed nor compressed
        delete h['content-type'];
        delete h['transfer-encoding'];
        res.writeHead(status, h);
        res.end();
        return;
    }
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
    const taken = uniqueProblems(v.values, null, null);
    if (taken.length > 0) return [400, validationError(ctx, taken)];
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
    const claims = new Map();
    checked.forEach((c, i) => {
        if (c.problems.length > 0) return;
        c.problems = uniqueProblems(c.values, null, claims);
        if (c.problems.length === 0) claimValues(c.values, null, claims, `new:${i}`);
    });
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

const NOT_FOUND_MESSAGE = 'Object not found.  objectId are usually numeric.';
const BATCH_NOT_FOUND_MESSAGE = 'Could not get some PRODUCT objects, they may be deleted or not exist. Check that ids are valid.';

function notFound(ctx, key) {
    return [404, errorBody(ctx, 'OBJECT_NOT_FOUND', NOT_FOUND_MESSAGE, { context: { id: [key] } })];
}

// null when name may serve as idProperty (a property with unique values;
// hs_object_id is not one), else the 400 answer
function checkIdProperty(ctx, name) {
    const def = CATALOGUE_BY_NAME.get(name);
    if (def && def.hasUniqueValue) return null;
    return [400, errorBody(ctx, 'VALIDATION_ERROR',
        `Unable to perform update/upsert by non-unique 0-7 property ${name} in portal ID ${PORTAL_ID}`)];
}

function isTraced(input) {
    return typeof input.objectWriteTraceId === 'string' && input.objectWriteTraceId !== '';
}

function archiveRecord(rec, now) {
    rec.archived = true;
    rec.archivedAt = iso(Math.max(now, Date.parse(rec.updatedAt) + 1));
}

function getOne(ctx, key) {
    const idProperty = ctx.params.get('idProperty') || null;
    if (idProperty) {
        const bad = checkIdProperty(ctx, idProperty);
        if (bad) return bad;
    }
    // like the list, archived=true finds only archived records
    const rec = findRecord(key, idProperty, ctx.params.get('archived') === 'true');
    if (!rec) return notFound(ctx, key);
    const names = [];
    for (const v of ctx.params.getAll('properties')) for (const n of v.split(',')) if (n.trim()) names.push(n.trim());
    return [200, view(rec, ctx.params.has('properties') ? names : DEFAULT_PROPERTIES)];
}

function patchOne(ctx, key, body) {
    const idProperty = ctx.params.get('idProperty') || null;
    if (idProperty) {
        const bad = checkIdProperty(ctx, idProperty);
        if (bad) return bad;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body) || body.properties === undefined || body.properties === null) {
        return [400, errorBody(ctx, 'VALIDATION_ERROR', 'Invalid input JSON on line 1, column 1: Cannot build SimplePublicObjectInput, some of required attributes are not set [properties]')];
    }
    const rec = findRecord(key, idProperty, false);
    if (!rec) return notFound(ctx, key);
    const v = validateProperties(body.properties);
    if (v.invalid) return [400, errorBody(ctx, 'VALIDATION_ERROR', v.invalid)];
    if (v.problems.length > 0) return [400, validationError(ctx, v.problems)];
    const taken = uniqueProblems(v.values, rec, null);
    if (taken.length > 0) return [400, validationError(ctx, taken)];
    const written = applyValues(rec, v.values);
    touch(rec, Date.now());
    return [200, writtenView(rec, written)];
}

function deleteOne(ctx, key) {
    const rec = findRecord(key, null, false);
    if (rec) archiveRecord(rec, Date.now());
    return [204, undefined];
}

// The inputs of a batch request, each an object with a non-empty string id,
// or the 400 answer.
function batchInputs(ctx, body, schema) {
    if (!body || typeof body !== 'object' || Array.isArray(body) || !Array.isArray(body.inputs)) {
        return { error: [400, errorBody(ctx, 'VALIDATION_ERROR', `Invalid input JSON on line 1, column 1: Cannot build ${schema}, some of required attributes are not set [inputs]`)] };
    }
    const inputs = body.inputs;
    if (inputs.length === 0 || inputs.length > BATCH_MAX) {
        return { error: [400, errorBody(ctx, 'VALIDATION_ERROR', `Batch size must be between 1 and ${BATCH_MAX} inputs, got ${inputs.length}`)] };
    }
    for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i];
        if (!input || typeof input !== 'object' || Array.isArray(input)) {
            return { error: [400, errorBody(ctx, 'VALIDATION_ERROR', `inputs[${i}]: input must be an object`)] };
        }
        if (typeof input.id !== 'string' || input.id === '') {
            return { error: [400, errorBody(ctx, 'VALIDATION_ERROR', `inputs[${i}]: id must be a non-empty string`)] };
        }
    }
    return { inputs };
}

function batchRead(ctx, body) {
    const r = batchInputs(ctx, body, 'BatchReadInputSimplePublicObjectId');
    if (r.error) return r.error;
    const inputs = r.inputs;
    const idProperty = typeof body.idProperty === 'string' && body.idProperty !== '' ? body.idProperty : null;
    if (idProperty) {
        const bad = checkIdProperty(ctx, idProperty);
        if (bad) return bad;
    }
    if (body.properties !== undefined && body.properties !== null && !Array.isArray(body.properties)) {
        return [400, errorBody(ctx, 'VALIDATION_ERROR', 'Invalid input JSON on line 1, column 1: properties must be an array')];
    }
    if (Array.isArray(body.propertiesWithHistory) && body.propertiesWithHistory.length > 0 && inputs.length > 50) {
        return [400, errorBody(ctx, 'VALIDATION_ERROR', 'The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again')];
    }
    const asked = (body.properties || []).filter((n) => typeof n === 'string' && n !== '');
    const names = asked.length > 0 ? asked : DEFAULT_PROPERTIES;
    const archived = ctx.params.get('archived') === 'true';
    const startedAt = Date.now();
    const seen = new Set();
    const results = [];
    const missing = [];
    for (const input of inputs) {
        // a repeated id comes back once
        if (seen.has(input.id)) continue;
        seen.add(input.id);
        const rec = findRecord(input.id, idProperty, archived);
        if (rec) results.push(view(rec, names));
        else missing.push(input.id);
    }
    const times = { startedAt: iso(startedAt), completedAt: iso(Math.max(Date.now(), startedAt + 3)) };
    if (missing.length === 0) return [200, Object.assign({ status: 'COMPLETE', results: shuffle(results) }, times)];
    return [207, Object.assign({
        status: 'COMPLETE',
        results: shuffle(results),
        numErrors: 1,
        errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: BATCH_NOT_FOUND_MESSAGE, context: { ids: shuffle(missing) } }],
    }, times)];
}

// batch/update and batch/upsert
function batchWrite(ctx, body, upsert) {
    const schema = upsert ? 'BatchInputSimplePublicObjectBatchInputUpsert' : 'BatchInputSimplePublicObjectBatchInput';
    const r = batchInputs(ctx, body, schema);
    if (r.error) return r.error;
    const inputs = r.inputs;
    const idProps = [];
    for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i];
        if (input.properties === undefined || input.properties === null) {
            return [400, errorBody(ctx, 'VALIDATION_ERROR', `Invalid input JSON on line 1, column 1: inputs[${i}]: Cannot build ${schema.replace(/^BatchInput/, '')}, some of required attributes are not set [properties]`)];
        }
        if (input.idProperty !== undefined && input.idProperty !== null && typeof input.idProperty !== 'string') {
            return [400, errorBody(ctx, 'VALIDATION_ERROR', `inputs[${i}]: idProperty must be a string`)];
        }
        const idProperty = input.idProperty ? input.idProperty : null;
        // an upsert needs a unique property; the record id is not one
        const bad = upsert && !idProperty ? checkIdProperty(ctx, 'hs_object_id') : idProperty ? checkIdProperty(ctx, idProperty) : null;
        if (bad) return bad;
        idProps.push(idProperty);
    }
    const targets = inputs.map((input, i) => findRecord(input.id, idProps[i], false) || null);

    // two inputs naming the same record, or the same idProperty value
    const byKey = new Map();
    inputs.forEach((input, i) => {
        const key = targets[i] ? 'record\0' + targets[i].id : (idProps[i] || '') + '\0' + input.id;
        if (!byKey.has(key)) byKey.set(key, []);
        byKey.get(key).push(input.id);
    });
    const dups = [];
    for (const ids of byKey.values()) {
        if (ids.length < 2) continue;
        for (const id of ids) if (!dups.includes(id)) dups.push(id);
    }
    if (dups.length > 0) {
        return [400, errorBody(ctx, 'VALIDATION_ERROR', `Duplicate IDs found in batch input: [${dups.join(', ')}]`)];
    }

    const checked = inputs.map((input) => validateProperties(input.properties));
    const broken = checked.findIndex((c) => c.invalid);
    if (broken >= 0) return [400, errorBody(ctx, 'VALIDATION_ERROR', `inputs[${broken}]: ${checked[broken].invalid}`)];
    const claims = new Map();
    checked.forEach((c, i) => {
        // the upsert's id is the unique property's value, whatever the
        // properties say
        if (upsert) c.values[idProps[i]] = inputs[i].id;
        if (c.problems.length > 0 || (!upsert && !targets[i])) return;
        c.problems = uniqueProblems(c.values, targets[i], claims);
        if (c.problems.length === 0) claimValues(c.values, targets[i], claims, `new:${i}`);
    });
    // without a trace id, one bad input fails the whole request
    const untraced = checked.findIndex((c, i) => c.problems.length > 0 && !isTraced(inputs[i]));
    if (untraced >= 0) return [400, validationError(ctx, checked[untraced].problems)];

    const now = Date.now();
    const results = [];
    const errors = [];
    const missing = [];
    inputs.forEach((input, i) => {
        const c = checked[i];
        if (c.problems.length > 0) {
            errors.push({
                status: 'error',
                category: 'VALIDATION_ERROR',
                message: 'Property values were not valid: ' + JSON.stringify(c.problems),
                context: { objectWriteTraceId: [input.objectWriteTraceId] },
            });
            return;
        }
        let rec = targets[i];
        let written;
        let isNew = false;
        if (!rec) {
            if (!upsert) {
                missing.push(input.id);
                return;
            }
            rec = newRecord(c.values);
            written = Object.keys(c.values).filter((k) => c.values[k] !== null);
            isNew = true;
        } else {
            written = applyValues(rec, c.values);
            touch(rec, now);
        }
        // no objectWriteTraceId on results
        const out = writtenView(rec, upsert ? [...written, idProps[i]] : written);
        if (upsert) out.new = isNew;
        results.push(out);
    });
    if (missing.length > 0) {
        // one error for all of them, and no objectWriteTraceId in its context
        errors.push({ status: 'error', category: 'OBJECT_NOT_FOUND', message: BATCH_NOT_FOUND_MESSAGE, context: { ids: shuffle(missing) } });
    }
    const times = { startedAt: iso(now), completedAt: iso(Math.max(Date.now(), now + 3)) };
    if (errors.length === 0) return [200, Object.assign({ status: 'COMPLETE', results: shuffle(results) }, times)];
    return [207, Object.assign({
        status: 'COMPLETE',
        results: shuffle(results),
        numErrors: errors.length,
        errors: shuffle(errors),
    }, times)];
}

function batchArchive(ctx, body) {
    const r = batchInputs(ctx, body, 'BatchInputSimplePublicObjectId');
    if (r.error) return r.error;
    const now = Date.now();
    for (const input of r.inputs) {
        const rec = findRecord(input.id, null, false);
        if (rec) archiveRecord(rec, now);
    }
    return [204, undefined];
}

function notAllowed(ctx) {
    return [405, errorBody(ctx, 'VALIDATION_ERROR', `HTTP ${ctx.method} not supported`)];
}

function route(ctx, body) {
    const { method, path } = ctx;
    if (path === '/crm/v3/properties/products' || path === '/crm/v3/properties/0-7') {
        if (method !== 'GET') return notAllowed(ctx);
        const archived = ctx.params.get('archived') === 'true';
        return [200, { results: archived ? [] : CATALOGUE }];
    }
    let m = /^\/crm\/v3\/properties\/(products|0-7)\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
        const p = CATALOGUE_BY_NAME.get(decodeURIComponent(m[2]));
        if (!p) return [404, errorBody(ctx, 'OBJECT_NOT_FOUND', `Unable to find property ${decodeURIComponent(m[2])}`)];
        return [200, p];
    }
    m = /^\/crm\/v3\/objects\/(?:products|0-7)(\/.*)?$/.exec(path);
    if (m) {
        const rest = m[1] || '';
        if (rest === '' || rest === '/') {
            if (method === 'GET') return listProducts(ctx);
            if (method === 'POST') return createOne(ctx, body);
            return notAllowed(ctx);
        }
        const batch = {
            '/batch/create': () => batchCreate(ctx, body),
            '/batch/read': () => batchRead(ctx, body),
            '/batch/update': () => batchWrite(ctx, body, false),
            '/batch/upsert': () => batchWrite(ctx, body, true),
            '/batch/archive': () => batchArchive(ctx, body),
        };
        if (Object.prototype.hasOwnProperty.call(batch, rest)) {
            if (method !== 'POST') return notAllowed(ctx);
            return batch[rest]();
        }
        const one = /^\/([^/]+)$/.exec(rest);
        if (one && one[1] !== 'batch' && one[1] !== 'search') {
            let key;
            try {
                key = decodeURIComponent(one[1]);
            } catch (e) {
                key = one[1];
            }
            if (method === 'GET') return getOne(ctx, key);
            if (method === 'PATCH') return patchOne(ctx, key, body);
            if (method === 'DELETE') return deleteOne(ctx, key);
            return notAllowed(ctx);
        }
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
    ctx.gzip = status !== 204 && acceptsGzip(req.headers['accept-encoding']);
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
