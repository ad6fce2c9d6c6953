// The console's OpenID Connect sign-in (issue 13 item 3) against a real provider: npm oidc-provider
// (tests/tools/lib/oidc-test-provider.mjs), authorization code + PKCE, driven by a small browser made of
// fetch, a cookie jar and a form filler for the provider's login and consent pages.
//   node tests/console/oidc_sign_in.test.mjs <path to homebase>      (ctest: console_oidc_sign_in)
// Cases: a listed user (by verified email, and by subject) lands on /console/ signed in (a console session,
// GET /console/api/me names them) with the configured role; an unlisted
// user, an unverified e-mail, a tampered state, a replayed callback and a provider error are refused with
// a page and an audited console.oidc.refused log line; nothing crashes the gateway.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { listenForProvider } from '../tools/lib/oidc-test-provider.mjs';

const binary = process.argv[2] ?? process.env.HOMEBASE_BINARY;
if (!binary) {
  console.error('usage: node oidc_sign_in.test.mjs <homebase binary>');
  process.exit(2);
}

const clientId = 'homebase-console';
const clientSecret = 'test-secret-with-:-and-%-in-it';
const accounts = {
  anna: { email: 'Anna.Coordinator@north.example', email_verified: true, name: 'Anna' },
  'ops-1': { email: 'ops@gateway.example', email_verified: true, name: 'Ops' },
  mallory: { email: 'mallory@elsewhere.example', email_verified: true, name: 'Mallory' },
  unverified: { email: 'anna.coordinator@north.example', email_verified: false, name: 'Not Anna' },
};

let idp;
let gateway;
let gatewayUrl;
let stderr = '';
let dir;

function config(issuer) {
  return `server:
  listen_address: 127.0.0.1
  port: 0
  io_threads: 1
store:
  path: ${path.join(dir, 'homebase.db')}
medical_homes:
  - id: north-pediatrics
    name: North Pediatrics
    fhir_base_url: http://127.0.0.1:9/fhir
console:
  enabled: true
  oidc:
    issuer: ${issuer}
    client_id: ${clientId}
    client_secret_file: client-secret.txt
    users:
      - email: anna.coordinator@north.example
        role: care_coordinator
        medical_home: north-pediatrics
      - subject: ops-1
        name: ops-oncall
        role: operator
`;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homebase-oidc-'));
  fs.writeFileSync(path.join(dir, 'client-secret.txt'), `${clientSecret}\n`);
  idp = await listenForProvider();
  fs.writeFileSync(path.join(dir, 'homebase.yaml'), config(idp.issuer));
  gateway = spawn(binary, ['--config', path.join(dir, 'homebase.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  gateway.stderr.on('data', (chunk) => { stderr += chunk; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    gateway.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/LISTENING (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    gateway.on('exit', (code) => reject(new Error(`homebase exited ${code}: ${stderr}`)));
  });
  gatewayUrl = `http://127.0.0.1:${port}`;
  await idp.start({ redirectUri: `${gatewayUrl}/console/oidc/callback`, clientId, clientSecret, accounts });
});

after(async () => {
  gateway?.kill('SIGTERM');
  await idp?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Who the console says is signed in (GET /console/api/me with the session cookie).
async function me(b) {
  const res = await b.request(`${gatewayUrl}/console/api/me`);
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body);
}

// A browser: cookies per origin (name -> value; expired ones dropped), redirects followed by hand.
class browser {
  constructor() { this.jar = new Map(); }
  cookies(origin) { return this.jar.get(origin) ?? new Map(); }
  async request(url, options = {}) {
    const u = new URL(url);
    const jar = this.cookies(u.origin);
    const headers = { ...(options.headers ?? {}) };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...options, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a));
      if (expired) jar.delete(name); else jar.set(name, pair.slice(eq + 1));
      this.jar.set(u.origin, jar);
    }
    return { status: res.status, location: res.headers.get('location'), body: await res.text(), url };
  }
}

// The provider's pages: the login form (prompt=login), the consent form (prompt=consent).
function form(html, base) {
  const action = html.match(/<form[^>]*action="([^"]+)"/);
  if (!action) return null;
  const fields = {};
  for (const m of html.matchAll(/<input[^>]*>/g)) {
    const name = m[0].match(/name="([^"]+)"/);
    const value = m[0].match(/value="([^"]*)"/);
    if (name) fields[name[1]] = value ? value[1] : '';
  }
  return { action: new URL(action[1], base).href, fields };
}

// From GET /console/oidc/login until the provider redirects back to the gateway; returns that callback
// URL without requesting it (`stopAtCallback`) or the gateway's answer to it. `choose(page)` may abort.
async function signIn(b, login, { stopAtCallback = false, abort = false } = {}) {
  let res = await b.request(`${gatewayUrl}/console/oidc/login`);
  assert.equal(res.status, 303, `login: ${res.status} ${res.body}`);
  for (let step = 0; step < 20; step += 1) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.location, res.url).href;
      if (next.startsWith(`${gatewayUrl}/console/oidc/callback`)) {
        if (stopAtCallback) return next;
        return b.request(next);
      }
      res = await b.request(next);
      continue;
    }
    assert.equal(res.status, 200, `provider page ${res.url}: ${res.status} ${res.body.slice(0, 500)}`);
    const f = form(res.body, res.url);
    assert.ok(f, `no form on ${res.url}: ${res.body.slice(0, 500)}`);
    if (abort && f.fields.prompt === 'consent') {
      const abortUrl = res.body.match(/href="([^"]*\/abort)"/);
      res = await b.request(new URL(abortUrl[1], res.url).href);
      continue;
    }
    if (f.fields.prompt === 'login') Object.assign(f.fields, { login, password: 'any' });
    res = await b.request(f.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(f.fields).toString(),
    });
  }
  throw new Error('too many steps');
}

async function refusedInLog(reason) {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (stderr.split('\n').some((l) => l.includes('"console.oidc.refused"') && l.includes(reason))) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

test('a listed user (verified e-mail) signs in as the care coordinator of her medical home', async () => {
  const b = new browser();
  const res = await signIn(b, 'anna');
  assert.equal(res.status, 303, res.body);
  assert.equal(res.location, '/console/');
  assert.ok(b.cookies(gatewayUrl).has('homebase_console'), 'a console session');
  assert.equal(b.cookies(gatewayUrl).has('homebase_oidc'), false, 'the flow cookie is cleared');
  const who = await me(b);
  assert.equal(who.name, 'anna.coordinator@north.example');
  assert.equal(who.role, 'care_coordinator');
  assert.equal(who.medical_home, 'north-pediatrics');
  assert.equal(who.method, 'oidc');
  const start = await b.request(`${gatewayUrl}/console/`);
  assert.equal(start.status, 303, 'the start page of her role, signed in');
  assert.equal(start.location, '/console/coordinator');
});

test('a listed subject signs in as an operator under the configured name', async () => {
  const b = new browser();
  const res = await signIn(b, 'ops-1');
  assert.equal(res.status, 303, res.body);
  const who = await me(b);
  assert.equal(who.name, 'ops-oncall');
  assert.equal(who.role, 'operator');
  const queues = await b.request(`${gatewayUrl}/console/queues`);
  assert.equal(queues.status, 200, 'an operator page');
});

test('the sign-in page offers the organisation\'s account', async () => {
  const res = await new browser().request(`${gatewayUrl}/console/sign-in`);
  assert.equal(res.status, 200);
  assert.match(res.body, /href="\/console\/oidc\/login"/);
});

test('an unlisted user is refused with a page, and the refusal is audited', async () => {
  const res = await signIn(new browser(), 'mallory');
  assert.equal(res.status, 403);
  assert.match(res.body, /Sign-in refused/);
  assert.match(res.body, /not allowed into this console/);
  assert.ok(await refusedInLog('console-oidc-not-listed'), stderr);
});

test('a listed e-mail that the provider has not verified is refused', async () => {
  const res = await signIn(new browser(), 'unverified');
  assert.equal(res.status, 403);
  assert.match(res.body, /not allowed into this console/);
});

test('a tampered state is refused', async () => {
  const b = new browser();
  const callback = await signIn(b, 'anna', { stopAtCallback: true });
  const u = new URL(callback);
  u.searchParams.set('state', `${u.searchParams.get('state').slice(0, -2)}xx`);
  const res = await b.request(u.href);
  assert.equal(res.status, 400);
  assert.match(res.body, /did not start in this browser/);
  assert.ok(await refusedInLog('console-oidc-state-mismatch'), stderr);
});

test('a callback from another browser (no flow cookie) is refused', async () => {
  const callback = await signIn(new browser(), 'anna', { stopAtCallback: true });
  const res = await new browser().request(callback);
  assert.equal(res.status, 400);
});

test('a replayed callback (the code used twice) is refused', async () => {
  const b = new browser();
  const callback = await signIn(b, 'anna', { stopAtCallback: true });
  const flowCookie = b.cookies(gatewayUrl).get('homebase_oidc');
  const first = await b.request(callback);
  assert.equal(first.status, 303, first.body);
  // The attacker (or a reload) replays it with the flow cookie as it was.
  b.cookies(gatewayUrl).set('homebase_oidc', flowCookie);
  const second = await b.request(callback);
  assert.equal(second.status, 400);
  assert.match(second.body, /expired or was already used/);
  assert.ok(await refusedInLog('console-oidc-state-unknown'), stderr);
});

test('the provider\'s error (the person declined) is refused with a page', async () => {
  const res = await signIn(new browser(), 'anna', { abort: true });
  assert.equal(res.status, 403);
  assert.match(res.body, /did not sign you in \(access_denied\)/);
  assert.ok(await refusedInLog('console-oidc-provider-error'), stderr);
});

test('the gateway is still serving after all of it', async () => {
  const res = await fetch(`${gatewayUrl}/healthz`);
  assert.equal(res.status, 200);
  assert.equal(gateway.exitCode, null);
});
