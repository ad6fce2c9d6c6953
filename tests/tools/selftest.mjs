#!/usr/bin/env node
// npm test: checks validate.mjs and medical-home-server.mjs on built-in cases. Exit 1 on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};

// ---- validate.mjs
const davinci = join(here, '..', 'fixtures', 'davinci-alerts', 'discharge-notification-message-bundle-01.json');
check(spawnSync('node', [join(here, 'validate.mjs'), '--both', '--quiet', davinci]).status === 0, 'validate: Da Vinci discharge example is valid');
const bad = spawnSync('node', [join(here, 'validate.mjs')], { input: '{"resourceType":"Appointment","participant":[]}' });
check(bad.status === 1, 'validate: Appointment without status is invalid (exit 1)');
check(spawnSync('node', [join(here, 'validate.mjs')], { input: '{' }).status === 2, 'validate: bad JSON exits 2');

// ---- medical-home-server.mjs
const npi = 'http://hl7.org/fhir/sid/us-npi';
const mrn = 'urn:oid:2.16.840.1.113883.3.999.1';
const entries = [
  { fullUrl: 'urn:uuid:6b0e3c1a-0000-4000-8000-000000000001', resource: { resourceType: 'Organization', identifier: [{ system: npi, value: '1234567893' }], name: 'Medical home' },
    request: { method: 'POST', url: 'Organization', ifNoneExist: `identifier=${npi}|1234567893` } },
  { fullUrl: 'urn:uuid:6b0e3c1a-0000-4000-8000-000000000002', resource: { resourceType: 'Patient', identifier: [{ system: mrn, value: 'MRN-42' }], gender: 'female',
    generalPractitioner: [{ reference: 'urn:uuid:6b0e3c1a-0000-4000-8000-000000000001' }] },
    request: { method: 'PUT', url: `Patient?identifier=${mrn}|MRN-42` } },
  ...Array.from({ length: 8 }, (_, i) => ({
    fullUrl: `urn:uuid:6b0e3c1a-0000-4000-8000-00000000010${i}`,
    resource: { resourceType: 'Appointment', identifier: [{ system: mrn, value: `APT-${i}` }], status: 'proposed',
      participant: [{ actor: { reference: 'urn:uuid:6b0e3c1a-0000-4000-8000-000000000002' }, status: 'needs-action' }] },
    request: { method: 'PUT', url: `Appointment?identifier=${mrn}|APT-${i}` },
  })),
];
const transaction = { resourceType: 'Bundle', type: 'transaction', entry: entries };

const server = spawn('node', [join(here, 'medical-home-server.mjs'), '--port=0', '--fail-first=1'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = await Promise.race([once(server.stdout, 'data'), new Promise((_, reject) => setTimeout(() => reject(new Error('no LISTENING line')), 20000))]);
const port = /^LISTENING (\d+)\n$/.exec(line.toString())?.[1];
check(Boolean(port), `server prints "LISTENING <port>" (${JSON.stringify(line.toString())})`);
const base = `http://127.0.0.1:${port}/fhir`;
const post = (body) => fetch(base, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
const count = async (type) => (await (await fetch(`${base}/${type}?_summary=count`)).json()).total;
try {
  check((await post(transaction)).status === 503, '--fail-first=1: first POST answered 503');
  check((await post(transaction)).status === 200, 'transaction accepted');
  check((await post(transaction)).status === 200, 'same transaction accepted again');
  check((await count('Patient')) === 1 && (await count('Organization')) === 1 && (await count('Appointment')) === 8,
    'conditional update/create twice: 1 Patient, 1 Organization, 8 Appointments');
  const invalid = structuredClone(transaction);
  invalid.entry[3].resource.status = 'not-a-status';
  check((await post(invalid)).status === 400, 'invalid entry: 400');
  const failing = structuredClone(transaction);
  failing.entry.forEach((e, i) => i >= 2 && (e.request.url += '-x') && (e.resource.identifier[0].value += '-x'));
  failing.entry[9].resource.id = 'client-id'; // conditional create-by-update with an id is refused
  check((await post(failing)).status === 400 && (await count('Appointment')) === 8, 'failing transaction rolled back');
  check((await (await fetch(`http://127.0.0.1:${port}/__requests`)).json()) === 5, 'GET /__requests counts transaction posts');
} finally {
  server.kill('SIGTERM');
}
const [code] = await once(server, 'exit');
check(code === 0, 'server exits 0 on SIGTERM');
process.exit(failures ? 1 : 0);
