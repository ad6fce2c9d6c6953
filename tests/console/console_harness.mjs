// console_harness.mjs: what the console's browser tests share. Starts the real homebase binary (127.0.0.1,
// port 0, a temporary store, development mode so that the harness can post partner messages without
// tokens) with console users, the test medical home (tests/tools/medical-home-server.mjs), and headless
// Chromium (Debian's `chromium`, driven by npm playwright-core); signs people in; saves screenshots under
// the build tree (HOMEBASE_ARTIFACTS, e.g. build/test-artifacts/console/<test>-<page>.png).
//
// Environment (set by ctest, see tests/console/CMakeLists.txt):
//   HOMEBASE_BINARY     the homebase executable
//   HOMEBASE_ARTIFACTS  where screenshots go (created)
//   CHROMIUM            the browser (default /usr/bin/chromium)
//
// Nothing here sleeps for a fixed time: every wait polls a condition until a deadline (eventually()).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
export const testsDir = path.resolve(here, '..');
const toolsDir = path.join(testsDir, 'tools');
const require = createRequire(path.join(toolsDir, 'package.json'));
const { chromium } = require('playwright-core');

export const binary = process.env.HOMEBASE_BINARY ?? path.resolve(testsDir, '../build/gateway/homebase');
export const artifacts = process.env.HOMEBASE_ARTIFACTS ?? path.resolve(testsDir, '../build/test-artifacts/console');
export const password = 'correct horse battery staple';

// Polls `check` (sync or async, truthy = done) until it holds or `ms` passed; returns its last value.
export async function eventually(check, { ms = 20000, what = 'condition' } = {}) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50)); // poll interval, not a fixed wait for an event
  }
}

// Starts a child process that prints "LISTENING <port>"; resolves with {process, port}.
function startListening(command, args, options, name) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /^LISTENING (\d+)/.exec(line);
      if (m) resolve({ process: child, port: Number(m[1]), stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}) before listening:\n${stderr}`)));
  });
}

export function hashPassword(text) {
  return execFileSync(binary, ['hash-password', '--cost', '10'], { input: text + '\n' }).toString().trim();
}

// Anjali's NICU discharge (tests/fixtures/anjali-nicu-discharge.json), optionally as another message:
// new Bundle and MessageHeader ids, and `mrn` for another child of another family (as
// tests/integration/message_variants.hpp does).
export function seedMessage({ bundleId, headerId, mrn } = {}) {
  const doc = JSON.parse(readFileSync(path.join(testsDir, 'fixtures/anjali-nicu-discharge.json'), 'utf8'));
  if (bundleId) doc.id = bundleId;
  if (headerId) doc.entry[0].resource.id = headerId;
  if (mrn) {
    for (const e of doc.entry) {
      const r = e.resource;
      if (r.resourceType === 'Patient') {
        r.identifier[0].value = mrn;
        for (const n of r.name ?? []) if (n.family) n.family = `${n.family}-${mrn}`;
      }
      if (r.resourceType === 'RelatedPerson')
        for (const list of ['identifier', 'telecom']) for (const item of r[list] ?? []) if (item.value) item.value += `-${mrn}`;
    }
  }
  return JSON.stringify(doc);
}

// The seed's child again under a new MRN, same family name and birth date, other parents: maybe a twin or
// a cousin, maybe Anjali; not a confident match, so the gateway holds it for a person
// (tests/integration/patient_match_flow_test.cpp).
export function heldTwinMessage(bundleId, headerId) {
  const doc = JSON.parse(seedMessage({ bundleId, headerId }));
  const patient = doc.entry.find((e) => e.resource.resourceType === 'Patient').resource;
  patient.identifier[0].value = 'SEC-0099001';
  return JSON.stringify(doc).replaceAll('SEC-0048213-RP', 'SEC-0099001-RP').replaceAll('+1-555-0142-31', '+1-555-0177-20');
}

export class ConsoleHarness {
  constructor(name) {
    this.name = name;
    this.dir = mkdtempSync(path.join(tmpdir(), 'homebase-console-'));
    this.children = [];
    mkdirSync(artifacts, { recursive: true });
  }

  // Starts the medical home (`homeArgs`: fault injection such as --fail-first=1 --fail-status=400), the
  // gateway with `users` [{name, role, medical_home}] (all with `password`), and Chromium.
  async start({ users, homeArgs = [], lockout = { failures: 3, address_failures: 50 } } = {}) {
    const home = await startListening(process.execPath,
      [path.join(toolsDir, 'medical-home-server.mjs'), '--port=0', `--log=${path.join(this.dir, 'home.log')}`, ...homeArgs],
      { cwd: toolsDir }, 'medical home');
    this.children.push(home.process);
    this.homePort = home.port;
    const hash = hashPassword(password);
    const yaml = [
      'server:', '  listen_address: 127.0.0.1', '  port: 0', '  per_address_rate: {per_second: 0}',
      'store:', '  path: homebase.db',
      'delivery:', '  base_backoff_ms: 100', '  max_backoff_ms: 200', '  max_attempts: 1', '  request_timeout_ms: 5000',
      'partners:', '  - id: st-elsewhere-nicu', '    name: St. Elsewhere NICU', '    source_endpoints:',
      '      - https://ehr.st-elsewhere-childrens.example.org/fhir',
      'medical_homes:',
      '  - id: meadowbrook', '    name: Meadowbrook Pediatrics', `    fhir_base_url: http://127.0.0.1:${home.port}/fhir`,
      '    organization_identifiers:', '      - system: http://hl7.org/fhir/sid/us-npi', '        value: "1234567893"',
      '  - id: riverside', '    name: Riverside Family Medicine', `    fhir_base_url: http://127.0.0.1:${home.port}/fhir`,
      '    organization_identifiers:', '      - system: http://hl7.org/fhir/sid/us-npi', '        value: "1999999992"',
      'auth:', '  development_mode: true', '  failed_per_minute: 1000',
      'console:', '  enabled: true', '  session_ttl: 1h', '  idle_timeout: 30m',
      `  lockout: {failures: ${lockout.failures}, address_failures: ${lockout.address_failures}, window: 15m, duration: 15m}`,
      '  users:',
      ...users.map((u) => `    - {name: ${u.name}, role: ${u.role}${u.medical_home ? `, medical_home: ${u.medical_home}` : ''}, password_hash: "${hash}"}`),
      '',
    ].join('\n');
    writeFileSync(path.join(this.dir, 'homebase.yaml'), yaml);
    const gw = await startListening(binary, ['--config', path.join(this.dir, 'homebase.yaml')], { cwd: this.dir }, 'homebase');
    this.children.push(gw.process);
    this.gatewayStderr = gw.stderr;
    this.base = `http://127.0.0.1:${gw.port}`;
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    return this;
  }

  // A fresh browser context (its own cookies) with one page.
  async newPage() {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    return page;
  }

  // Signs `user` in through the form; resolves once the start page has loaded.
  async signIn(page, user, pw = password) {
    await page.goto(`${this.base}/console/sign-in`);
    await page.fill('input[name=user]', user);
    await page.fill('input[name=password]', pw);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return response;
  }

  // Waits until the page's script has drawn its data (body[data-loaded]).
  async loaded(page) {
    await page.waitForSelector('body[data-loaded="true"]');
  }

  // The whole page, or (fullPage: false) what the 1280x860 window shows.
  async screenshot(page, pageName, { fullPage = true } = {}) {
    const file = path.join(artifacts, `${this.name}-${pageName}.png`);
    await page.screenshot({ path: file, fullPage });
    return file;
  }

  // POST a FHIR message as the partner (development mode: no token).
  async postMessage(text) {
    const res = await fetch(`${this.base}/fhir/$process-message`, {
      method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: text,
    });
    return { status: res.status, body: await res.text() };
  }

  // The admin API (development mode: an operator without credentials).
  async admin(pathAndQuery) {
    const res = await fetch(`${this.base}${pathAndQuery}`);
    return res.json();
  }

  async stop() {
    try { await this.browser?.close(); } catch { /* already gone */ }
    for (const child of this.children.reverse()) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
