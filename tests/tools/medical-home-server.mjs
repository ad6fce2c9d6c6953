#!/usr/bin/env node
// In-memory FHIR R4 server standing in for a child's medical home, for the gateway's integration tests.
// REST semantics (read, search, create, update, conditional create/update, batch/transaction Bundles)
// come from Medplum's FhirRouter + MemoryRepository (@medplum/fhir-router); validation from
// @medplum/core (+ optionally the official R4 JSON schema). This file adapts node:http to the router,
// adds fault injection and a request log, and works around MemoryRepository gaps (see README.md).
//
//   node medical-home-server.mjs [--port=0] [--log=FILE] [--fail-first=N] [--status=CODE]
//                                [--fail-status=CODE] [--retry-after=SECONDS|date:SECONDS|none] [--hold=N]
//                                [--schema] [--no-validate] [--exit-on-stdin-close]
//                                [--require-token --client-jwks=FILE [--token-lifetime=SECONDS]]
//                                [--tls-cert=FILE --tls-key=FILE [--client-ca=FILE]]
//
// --tls-cert/--tls-key serve HTTPS instead (base https://127.0.0.1:<port>/fhir); --client-ca then demands
// a client certificate that chains to that CA (mutual TLS: node's requestCert + rejectUnauthorized), and
// the log names its subject CN as "client_cert".
//
// --require-token makes it a SMART Backend Services resource and authorization server, built on npm jose
// (an implementation the project does not write): POST /auth/token (the token URL, http://127.0.0.1:<port>/
// auth/token, i.e. the base without /fhir) takes grant_type=client_credentials with a private_key_jwt client
// assertion, verified against the client's JWK Set (--client-jwks, Homebase's public key as `homebase jwks`
// prints it): signature (RS384 or ES384, kid from the set), typ JWT, aud = the token URL, iss = sub, exp in
// the future and at most 5 minutes ahead, jti never seen before (for that iss, within its exp). It answers
// with an access token (a JWT jose signs with an ES256 key generated at start-up) that lives
// --token-lifetime seconds (default 300), and errors per RFC 6749 (400 invalid_request /
// unsupported_grant_type, 401 invalid_client). Every FHIR request but GET /metadata then needs
// "Authorization: Bearer <one of its tokens>", unexpired and not revoked; otherwise 401 with
// WWW-Authenticate: Bearer. POST /__revoke-tokens (test hook) revokes every token issued so far.
// Token requests are logged (client, kid, alg, error; never the assertion or the token); FHIR requests log
// the token's client.
//
// --fail-status and --retry-after shape the --fail-first answers (default 503 with "Retry-After: 1";
// date:N sends an HTTP-date N seconds ahead, none no field). --hold=N holds every transaction POST until N
// of them are in flight at once (or 3 s passed), to see whether a client sends in parallel; every logged
// transaction POST then carries "in_flight" (how many were in flight when it arrived, itself included) and
// "arrived"/"answered" (one counter for both events, so that their order across requests is known).
//
// Prints exactly one line on stdout, "LISTENING <port>", once it accepts connections (diagnostics go to
// stderr). Base URL: http://127.0.0.1:<port>/fhir. Exits on SIGTERM/SIGINT, and by itself when its
// parent process goes away.
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

import * as jose from 'jose';

import { errorsFor, loadProfiles, loadSearchParameters } from './lib/fhir-validation.mjs';

// Parent pid, taken before the slow module loading below (see the parent watch at the end).
const parent = livePpid();

const require = createRequire(import.meta.url);
const core = require('@medplum/core');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

const BASE = '/fhir';
const options = {
  port: 0,
  log: undefined,
  failFirst: 0,
  status: 0,
  engines: ['medplum'],
  exitOnStdinClose: false,
  requireToken: false,
  clientJwks: undefined,
  tokenLifetime: 300,
  tlsCert: undefined,
  tlsKey: undefined,
  clientCa: undefined,
  failStatus: 503,
  retryAfter: '1',
  hold: 0,
};
// Options that take a value accept "--key=value" and "--key value".
const VALUE_OPTIONS = new Set(['--port', '--log', '--fail-first', '--status', '--client-jwks', '--token-lifetime', '--tls-cert', '--tls-key', '--client-ca', '--fail-status', '--retry-after', '--hold']);
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  let [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, ''];
  if (!arg.includes('=') && VALUE_OPTIONS.has(key) && i + 1 < argv.length) value = argv[++i];
  if (key === '--port') options.port = Number(value);
  else if (key === '--log') options.log = value;
  else if (key === '--fail-first') options.failFirst = Number(value);
  else if (key === '--status') options.status = Number(value);
  else if (key === '--schema') options.engines = ['medplum', 'schema'];
  else if (key === '--no-validate') options.engines = [];
  else if (key === '--exit-on-stdin-close') options.exitOnStdinClose = true;
  else if (key === '--require-token') options.requireToken = true;
  else if (key === '--client-jwks') options.clientJwks = value;
  else if (key === '--token-lifetime') options.tokenLifetime = Number(value);
  else if (key === '--tls-cert') options.tlsCert = value;
  else if (key === '--tls-key') options.tlsKey = value;
  else if (key === '--client-ca') options.clientCa = value;
  else if (key === '--fail-status') options.failStatus = Number(value);
  else if (key === '--retry-after') options.retryAfter = value;
  else if (key === '--hold') options.hold = Number(value);
  else {
    console.error(`medical-home-server: unknown argument ${arg}`);
    process.exit(2);
  }
}
if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
  console.error('medical-home-server: bad --port');
  process.exit(2);
}
if (!(options.failStatus >= 100 && options.failStatus <= 599) || !Number.isInteger(options.hold) || options.hold < 0 ||
    !/^(none|\d+|date:\d+)$/.test(options.retryAfter)) {
  console.error('medical-home-server: bad --fail-status, --hold or --retry-after');
  process.exit(2);
}
if (options.status && !(options.status >= 100 && options.status <= 599)) {
  console.error('medical-home-server: bad --status');
  process.exit(2);
}

if (options.requireToken && !options.clientJwks) {
  console.error('medical-home-server: --require-token needs --client-jwks FILE');
  process.exit(2);
}
if (Boolean(options.tlsCert) !== Boolean(options.tlsKey) || (options.clientCa && !options.tlsCert)) {
  console.error('medical-home-server: --tls-cert and --tls-key go together; --client-ca needs them');
  process.exit(2);
}
if (!Number.isInteger(options.tokenLifetime) || options.tokenLifetime < 1) {
  console.error('medical-home-server: bad --token-lifetime');
  process.exit(2);
}

// ------------------------------------------------------------------ SMART Backend Services (npm jose)
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME = 300; // SMART: exp no more than five minutes in the future
let clientKeys; // the client's JWK Set
let tokenKeys; // our ES256 key pair for access tokens
if (options.requireToken) {
  try {
    clientKeys = jose.createLocalJWKSet(JSON.parse(readFileSync(options.clientJwks, 'utf8')));
  } catch (err) {
    console.error(`medical-home-server: --client-jwks ${options.clientJwks}: ${err.message}`);
    process.exit(2);
  }
  tokenKeys = await jose.generateKeyPair('ES256');
}
const seenAssertions = new Map(); // iss + "\n" + jti -> exp (SMART-06)
const issuedTokens = new Set(); // jti of every access token issued
const revokedTokens = new Set();
const tokenUrlOf = (port) => `http://127.0.0.1:${port}/auth/token`;
const issuerOf = (port) => `http://127.0.0.1:${port}`;
const fhirBaseOf = (port) => `http://127.0.0.1:${port}${BASE}`;

function oauthError(status, error, description) {
  return {
    status,
    body: { error, error_description: description },
    contentType: 'application/json',
    headers: { 'cache-control': 'no-store' },
    logged: { token: { error, description } },
  };
}

async function tokenEndpoint(raw, port) {
  const form = new URLSearchParams(raw);
  if (form.get('grant_type') !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  if (form.get('client_assertion_type') !== JWT_BEARER) return oauthError(400, 'invalid_request', `client_assertion_type must be ${JWT_BEARER}`);
  const assertion = form.get('client_assertion');
  if (!assertion) return oauthError(400, 'invalid_request', 'client_assertion is required');
  const scope = form.get('scope');
  if (!scope) return oauthError(400, 'invalid_request', 'scope is required');
  let payload, protectedHeader;
  try {
    ({ payload, protectedHeader } = await jose.jwtVerify(assertion, clientKeys, {
      audience: tokenUrlOf(port),
      algorithms: ['RS384', 'ES384'],
      typ: 'JWT',
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
    }));
  } catch (err) {
    return oauthError(401, 'invalid_client', `client assertion refused: ${err.code ?? 'error'}: ${err.message}`);
  }
  if (payload.iss !== payload.sub) return oauthError(401, 'invalid_client', 'iss and sub differ');
  const now = Math.floor(Date.now() / 1000);
  if (payload.exp > now + MAX_ASSERTION_LIFETIME) return oauthError(401, 'invalid_client', 'exp is more than 5 minutes ahead');
  for (const [key, exp] of seenAssertions) if (exp < now) seenAssertions.delete(key);
  const seenKey = `${payload.iss}\n${payload.jti}`;
  if (seenAssertions.has(seenKey)) return oauthError(401, 'invalid_client', 'jti replayed');
  seenAssertions.set(seenKey, payload.exp);
  const jti = randomUUID();
  const accessToken = await new jose.SignJWT({ scope, client_id: payload.iss })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setIssuer(issuerOf(port))
    .setSubject(payload.iss)
    .setAudience(fhirBaseOf(port))
    .setIssuedAt(now)
    .setExpirationTime(now + options.tokenLifetime)
    .setJti(jti)
    .sign(tokenKeys.privateKey);
  issuedTokens.add(jti);
  return {
    status: 200,
    body: { access_token: accessToken, token_type: 'Bearer', expires_in: options.tokenLifetime, scope },
    contentType: 'application/json',
    headers: { 'cache-control': 'no-store' },
    logged: { token: { client_id: payload.iss, kid: protectedHeader.kid, alg: protectedHeader.alg, expires_in: options.tokenLifetime } },
  };
}

// The client of a valid access token on the request, or why there is none.
async function bearerClient(req, port) {
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return { error: 'no bearer token' };
  try {
    const { payload } = await jose.jwtVerify(match[1], tokenKeys.publicKey, {
      issuer: issuerOf(port),
      audience: fhirBaseOf(port),
      algorithms: ['ES256'],
    });
    if (revokedTokens.has(payload.jti)) return { error: 'token revoked' };
    return { client: payload.sub };
  } catch (err) {
    return { error: `invalid token: ${err.code ?? err.message}` };
  }
}

loadProfiles();
loadSearchParameters();
if (options.engines.includes('schema')) errorsFor({ resourceType: 'Basic', code: {} }, ['schema']); // compile once now

const router = new FhirRouter();
const repo = new MemoryRepository();
let transactionPosts = 0; // POSTs of batch/transaction Bundles to the base, whatever the answer
let posts = 0; // every POST/PUT received (fault injection counts these)

// ------------------------------------------------------------------ MemoryRepository workarounds
// 1. MemoryRepository.withTransaction() has no rollback: a failed transaction would keep the entries
//    written before the failing one. We snapshot the store before each write and restore it on failure.
//    Resources are never mutated in place (updates store a new object), so copying the maps is enough.
function snapshot() {
  const copy = (outer, inner) => new Map([...outer].map(([type, byId]) => [type, new Map([...byId].map(([id, v]) => [id, inner(v)]))]));
  return { resources: copy(repo.resources, (r) => r), history: copy(repo.history, (h) => [...h]) };
}
function restore(saved) {
  repo.resources = saved.resources;
  repo.history = saved.history;
}
// 2. Requests are processed one at a time: the router awaits between its search and its write, so two
//    concurrent conditional creates could both miss and both create (no serializable isolation).
let queue = Promise.resolve();
function exclusive(task) {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}
// 3. FhirRouter refuses transactions that need "strict isolation" (any conditional create/update/delete)
//    when they have more than 8 entries (a limit of Medplum's Postgres server, not of FHIR). Such
//    transactions are run here as a batch inside our own all-or-nothing wrapper (2 + 1), and answered
//    as a transaction-response; any failing entry rolls everything back and the answer is the error.
const STRICT_ISOLATION_LIMIT = 8;
function needsBatchEmulation(bundle) {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (bundle.type !== 'transaction' || entries.length <= STRICT_ISOLATION_LIMIT) return false;
  return entries.some((e) => e?.request?.ifNoneExist || (['PUT', 'DELETE', 'PATCH'].includes(e?.request?.method) && e.request.url?.includes('?')));
}
// Duplicate identities inside one transaction are an error in transaction mode only; keep that check.
function duplicateConditionalTargets(bundle) {
  const seen = new Set();
  for (const e of bundle.entry ?? []) {
    const key = e?.request?.method === 'PUT' || e?.request?.method === 'DELETE' ? `${e.request.method} ${e.request.url}` : undefined;
    if (!key) continue;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}

// 5. MemoryRepository matches a token `system|value` by splitting on every `|`, so an identifier value that
//    itself contains `|` (escaped as `\|`, R4 search.html "Escaping Search Parameters") never matches, and a
//    conditional update keyed on it would create a duplicate each time. Such entries (PUT
//    Type?identifier=..., value with an escape) are resolved here: the match becomes a plain update of
//    Type/<id>, no match a create; the fullUrl keeps working for the references of the other entries.
function unescapeSearch(text) {
  return text.replace(/\\([\\|,$])/g, '$1');
}
function splitToken(text) {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '|') return [unescapeSearch(text.slice(0, i)), unescapeSearch(text.slice(i + 1))];
  }
  return [undefined, unescapeSearch(text)];
}
function resolveEscapedIdentifiers(bundle) {
  for (const e of bundle.entry ?? []) {
    const url = e?.request?.url;
    if (e?.request?.method !== 'PUT' || typeof url !== 'string' || !url.includes('?')) continue;
    const type = url.slice(0, url.indexOf('?'));
    const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
    const token = query.get('identifier');
    if ([...query.keys()].length !== 1 || token === null || !token.includes('\\')) continue;
    const [system, value] = splitToken(token);
    const matches = [...(repo.resources.get(type)?.values() ?? [])].filter((r) =>
      (r.identifier ?? []).some((id) => id.value === value && (system === undefined || (id.system ?? '') === system))
    );
    if (matches.length > 1) continue; // let the router report the multiple match
    if (matches.length === 1) {
      e.request = { ...e.request, url: `${type}/${matches[0].id}` };
      if (e.resource) e.resource = { ...e.resource, id: matches[0].id };
    } else {
      e.request = { ...e.request, method: 'POST', url: type };
    }
  }
}

// ------------------------------------------------------------------ helpers
function operationOutcome(code, texts) {
  return {
    resourceType: 'OperationOutcome',
    issue: [].concat(texts).map((text) => ({ severity: 'error', code, details: { text } })),
  };
}

function capabilityStatement(port) {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Homebase test medical-home server (@medplum/fhir-router MemoryRepository)' },
    implementation: { description: 'in-memory test server', url: `http://127.0.0.1:${port}${BASE}` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{ mode: 'server', interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }] }],
  };
}

async function routeToMedplum(method, pathname, search, query, body, headers) {
  const [outcome, resource] = await router.handleRequest(
    { method, url: pathname + search, pathname: '', params: {}, query, body, headers },
    repo
  );
  return { status: core.getStatus(outcome), body: resource ?? outcome, resource };
}

const entryStatus = (entry) => Number.parseInt(String(entry?.response?.status ?? '500'), 10);

async function handleTransaction(bundle, headers) {
  const duplicate = bundle.type === 'transaction' ? duplicateConditionalTargets(bundle) : undefined;
  if (duplicate) return { status: 400, body: operationOutcome('invalid', `duplicate entry in transaction: ${duplicate}`) };
  resolveEscapedIdentifiers(bundle);
  const emulate = needsBatchEmulation(bundle);
  const saved = snapshot();
  const sent = emulate ? { ...bundle, type: 'batch' } : bundle;
  let result;
  try {
    result = await routeToMedplum('POST', '/', '', {}, sent, headers);
  } catch (err) {
    restore(saved);
    throw err;
  }
  if (bundle.type !== 'transaction') {
    versionedResponses(result.body);
    return result;
  }
  if (result.status >= 300) {
    restore(saved);
    return result;
  }
  // A transaction fails as a whole (R4 http.html#transaction): FhirRouter answers some failing entries
  // (an update's 412 on ifMatch, README 6) inside a 200 transaction-response instead; both modes roll back and
  // answer the failing entry's status and OperationOutcome.
  {
    const failed = (result.body.entry ?? []).findIndex((e) => entryStatus(e) >= 300);
    if (failed >= 0) {
      restore(saved);
      const entry = result.body.entry[failed];
      const status = entryStatus(entry);
      const outcome = entry.response?.outcome ?? operationOutcome('processing', `entry ${failed} failed with ${status}`);
      return { status, body: outcome };
    }
  }
  if (emulate) result.body = { ...result.body, type: 'transaction-response' };
  versionedResponses(result.body);
  return result;
}

// 6. FhirRouter answers each entry of a batch/transaction with `location: Type/id` only. R4 (http.html
//    "transaction-response", Bundle.entry.response) has the server give what a single interaction's
//    headers would: the ETag (W/"versionId") and a location with the version (Type/id/_history/vid).
//    Clients use them for versioned updates (If-Match; Homebase's delivery does). Added here from the
//    entry's resource.
function versionedResponses(bundle) {
  for (const entry of bundle?.entry ?? []) {
    const r = entry?.resource;
    const vid = r?.meta?.versionId;
    if (!entry?.response || !r?.id || !vid || entryStatus(entry) >= 300) continue;
    entry.response.etag = `W/"${vid}"`;
    if (r.meta.lastUpdated) entry.response.lastModified = r.meta.lastUpdated;
    if (entry.response.location === `${r.resourceType}/${r.id}`) entry.response.location = `${r.resourceType}/${r.id}/_history/${vid}`;
  }
}

async function handle(req, raw, url, port) {
  if (req.method === 'GET' && url.pathname === '/__requests') {
    return { status: 200, body: transactionPosts, contentType: 'application/json' };
  }
  if (options.requireToken && url.pathname === '/auth/token') {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'POST the token request');
    return tokenEndpoint(raw, port);
  }
  if (options.requireToken && req.method === 'POST' && url.pathname === '/__revoke-tokens') {
    for (const jti of issuedTokens) revokedTokens.add(jti);
    return { status: 200, body: revokedTokens.size, contentType: 'application/json' };
  }
  if (url.pathname !== BASE && !url.pathname.startsWith(BASE + '/')) {
    return { status: 404, body: operationOutcome('not-found', `unknown path; the FHIR base is ${BASE}`) };
  }
  const pathname = url.pathname.slice(BASE.length).replace(/\/+$/, '') || '/';
  let client;
  if (options.requireToken && !(req.method === 'GET' && pathname === '/metadata')) {
    const bearer = await bearerClient(req, port);
    if (bearer.error) {
      const challenge = req.headers.authorization ? 'Bearer realm="medical-home", error="invalid_token"' : 'Bearer realm="medical-home"';
      return { status: 401, body: operationOutcome('login', bearer.error), headers: { 'www-authenticate': challenge }, logged: { auth: bearer.error } };
    }
    client = bearer.client;
  }
  const withClient = (result) => (client ? { ...result, logged: { ...(result.logged ?? {}), client } } : result);
  return withClient(await handleFhir(req, raw, url, port, pathname));
}

async function handleFhir(req, raw, url, port, pathname) {
  const writes = req.method !== 'GET' && req.method !== 'HEAD';
  let body;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw);
    } catch (err) {
      if (writes) posts++;
      return { status: 400, body: operationOutcome('structure', `body is not JSON: ${err.message}`) };
    }
  }
  if (writes) {
    posts++;
    if (req.method === 'POST' && pathname === '/' && body?.resourceType === 'Bundle') transactionPosts++;
    if (posts <= options.failFirst) {
      const ra = options.retryAfter;
      const headers = ra === 'none' ? {} : { 'retry-after': ra.startsWith('date:') ? new Date(Date.now() + Number(ra.slice(5)) * 1000).toUTCString() : ra };
      return { status: options.failStatus, body: operationOutcome('transient', `fault injection: --fail-first=${options.failFirst}`), headers };
    }
    if (options.status) {
      return { status: options.status, body: operationOutcome('exception', `fault injection: --status=${options.status}`) };
    }
  }
  if (req.method === 'GET' && pathname === '/metadata') return { status: 200, body: capabilityStatement(port) };
  if (writes && body && (req.method === 'POST' || req.method === 'PUT')) {
    const errors = errorsFor(body, options.engines);
    if (errors.length) return { status: 400, body: operationOutcome('invalid', errors) };
  }
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? [].concat(query[k], v) : v;
  if (req.method === 'POST' && pathname === '/') {
    if (body?.resourceType !== 'Bundle') return { status: 400, body: operationOutcome('invalid', 'POST to the base needs a batch or transaction Bundle') };
    return exclusive(() => handleTransaction(body, req.headers));
  }
  return exclusive(async () => {
    const saved = writes ? snapshot() : undefined;
    try {
      const result = await routeToMedplum(req.method, pathname, url.search, query, body, req.headers);
      if (saved && result.status >= 300) restore(saved);
      // MemoryRepository ignores _summary=count: drop the entries, keep Bundle.total
      if (req.method === 'GET' && url.searchParams.get('_summary') === 'count' && result.body?.resourceType === 'Bundle') {
        result.body = { resourceType: 'Bundle', type: 'searchset', total: result.body.total ?? (result.body.entry ?? []).length };
      }
      return result;
    } catch (err) {
      if (saved) restore(saved);
      throw err;
    }
  });
}

function locationHeaders(req, result, port) {
  const headers = { ...(result.headers ?? {}) };
  const r = result.resource;
  if (r?.id && r.resourceType !== 'Bundle' && (result.status === 201 || req.method === 'POST' || req.method === 'PUT')) {
    headers.location = `http://127.0.0.1:${port}${BASE}/${r.resourceType}/${r.id}/_history/${r.meta?.versionId ?? '1'}`;
  }
  if (r?.meta?.versionId) headers.etag = `W/"${r.meta.versionId}"`;
  return headers;
}

function logRequest(entry) {
  if (!options.log) return;
  try {
    appendFileSync(options.log, JSON.stringify(entry) + '\n');
  } catch (err) {
    console.error(`medical-home-server: cannot write ${options.log}: ${err.message}`);
  }
}

// --hold: transaction POSTs in flight, and the ones waiting for enough company.
let inFlight = 0;
let events = 0;
const holding = [];
function hold() {
  return new Promise((resolve) => {
    if (inFlight >= options.hold) {
      for (const release of holding.splice(0)) release();
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      const at = holding.indexOf(release);
      if (at >= 0) holding.splice(at, 1);
      resolve();
    }, 3000);
    const release = () => {
      clearTimeout(timer);
      resolve();
    };
    holding.push(release);
  });
}

function onRequest(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const port = server.address().port;
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const transaction = req.method === 'POST' && (url.pathname === BASE || url.pathname === BASE + '/');
    let concurrency;
    if (transaction) {
      concurrency = { in_flight: ++inFlight, arrived: ++events };
      if (options.hold > 0) await hold();
    }
    let result;
    try {
      result = await handle(req, raw, url, port);
    } catch (err) {
      const outcome = err?.outcome?.resourceType === 'OperationOutcome' ? err.outcome : undefined;
      result = outcome
        ? { status: core.getStatus(outcome), body: outcome }
        : { status: 500, body: operationOutcome('exception', String(err?.message ?? err)) };
    }
    const text = result.body === undefined ? '' : JSON.stringify(result.body);
    if (transaction) {
      inFlight--;
      concurrency.answered = ++events;
    }
    let logged = raw;
    try {
      logged = raw ? JSON.parse(raw) : undefined;
    } catch {
      // keep the raw text
    }
    const entry = { time: new Date().toISOString(), method: req.method, path: url.pathname + url.search, status: result.status, ...(result.logged ?? {}), ...(concurrency ?? {}) };
    // The sender's correlation id (Homebase sends the X-Request-Id of the message that caused a delivery).
    if (req.headers['x-request-id']) entry.request_id = req.headers['x-request-id'];
    if (options.clientCa) entry.client_cert = req.socket.getPeerCertificate?.()?.subject?.CN;
    // A token request's body holds the client assertion: never logged.
    if (url.pathname !== '/auth/token') entry.body = logged;
    // Logged before the answer leaves: a client that has its answer finds the request in the log (a test
    // reading the log right after the gateway recorded the attempt must not race this process).
    logRequest(entry);
    res.writeHead(result.status, {
      'content-type': result.contentType ?? 'application/fhir+json; charset=utf-8',
      ...locationHeaders(req, result, port),
    });
    res.end(text);
  });
}
const server = options.tlsCert
  ? https.createServer(
      {
        cert: readFileSync(options.tlsCert),
        key: readFileSync(options.tlsKey),
        ...(options.clientCa ? { ca: readFileSync(options.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
      },
      onRequest
    )
  : http.createServer(onRequest);
server.keepAliveTimeout = 30_000;

function shutdown(code) {
  server.close(() => process.exit(code));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(code), 1000).unref();
}
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(0));

// Never outlive the process that started us: when it dies we are re-parented. Node caches
// process.ppid, so read the live value from /proc/self/stat (Linux).
function livePpid() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return process.ppid;
  }
}
setInterval(() => {
  if (livePpid() !== parent) shutdown(0);
}, 250).unref();
if (options.exitOnStdinClose) {
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.resume();
}

server.on('error', (err) => {
  console.error(`medical-home-server: ${err.message}`);
  process.exit(1);
});
server.listen(options.port, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
