#!/usr/bin/env node
// Drives the gateway's read API with a real FHIR client (npm fhir-kit-client), as a care coordinator's
// tool would: capability statement, search by identifier, read, search by patient walked page by page
// with the client's nextPage, _include of the patient, and a refused search. Every Bundle and resource
// received is validated independently (medplum engine, lib/fhir-validation.mjs).
//
// Usage: [ACCESS_TOKEN=token] node read-api-client.mjs BASEURL MRN_SYSTEM MRN_VALUE
// (ACCESS_TOKEN: a SMART access token the client sends as its bearer token, as a backend service would)
// One PASS/FAIL line per step; exit 1 on any FAIL, 2 on bad usage.

import { Client } from 'fhir-kit-client';
import { errorsFor } from './lib/fhir-validation.mjs';

const [base, mrnSystem, mrnValue] = process.argv.slice(2);
if (!base || !mrnSystem || !mrnValue) {
  console.error('usage: node read-api-client.mjs BASEURL MRN_SYSTEM MRN_VALUE');
  process.exit(2);
}

const client = new Client({
  baseUrl: base,
  ...(process.env.ACCESS_TOKEN ? { bearerToken: process.env.ACCESS_TOKEN } : {}),
});
let failures = 0;
const pass = (step, text) => console.log(`PASS ${step}: ${text}`);
const fail = (step, text) => {
  failures++;
  console.log(`FAIL ${step}: ${text}`);
};
const check = (step, ok, text) => (ok ? pass(step, text) : fail(step, text));
const valid = (step, resource) => {
  const errors = errorsFor(resource);
  if (errors.length) fail(`${step} (validation)`, errors.slice(0, 5).join(' | '));
};
const describe = (err) => {
  const status = err?.response?.status;
  const data = err?.response?.data;
  return status ? `HTTP ${status} ${JSON.stringify(data ?? '').slice(0, 300)}` : String(err?.message ?? err);
};

async function step(name, body) {
  try {
    await body();
  } catch (err) {
    fail(name, describe(err));
  }
}

let patientId;

await step('metadata', async () => {
  const cs = await client.capabilityStatement();
  const appointment = cs.rest?.[0]?.resource?.find((r) => r.type === 'Appointment');
  const codes = (appointment?.interaction ?? []).map((i) => i.code);
  check('metadata', codes.includes('read') && codes.includes('search-type'), `Appointment interactions ${codes}`);
});

await step('search Patient by identifier', async () => {
  const bundle = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${mrnSystem}|${mrnValue}` } });
  valid('search Patient by identifier', bundle);
  patientId = bundle.entry?.[0]?.resource?.id;
  check('search Patient by identifier', bundle.type === 'searchset' && bundle.total === 1 && patientId,
    `total=${bundle.total} id=${patientId}`);
});

await step('read Patient', async () => {
  const patient = await client.read({ resourceType: 'Patient', id: patientId });
  valid('read Patient', patient);
  check('read Patient', patient.id === patientId && patient.meta?.versionId === '1' &&
    patient.identifier?.some((i) => i.value === mrnValue), `Patient/${patient.id} version ${patient.meta?.versionId}`);
});

await step('page through Appointments', async () => {
  let bundle = await client.search({ resourceType: 'Appointment', searchParams: { patient: patientId, _count: 3 } });
  const total = bundle.total;
  const seen = new Set();
  let pages = 0;
  while (bundle) {
    pages++;
    valid(`Appointment page ${pages}`, bundle);
    for (const e of bundle.entry ?? []) {
      if (seen.has(e.resource.id)) fail('page through Appointments', `repeated ${e.resource.id}`);
      seen.add(e.resource.id);
      if (e.fullUrl !== `${base}/Appointment/${e.resource.id}`) fail('page through Appointments', `fullUrl ${e.fullUrl}`);
    }
    if (pages > 20) break;
    bundle = await client.nextPage({ bundle });
  }
  check('page through Appointments', total > 3 && seen.size === total && pages === Math.ceil(total / 3),
    `total=${total} seen=${seen.size} pages=${pages}`);
});

await step('_include the patient', async () => {
  const bundle = await client.search({
    resourceType: 'CarePlan',
    searchParams: { patient: `Patient/${patientId}`, status: 'active', _include: 'CarePlan:patient' },
  });
  valid('_include the patient', bundle);
  const modes = (bundle.entry ?? []).map((e) => `${e.resource.resourceType}:${e.search?.mode}`);
  check('_include the patient', bundle.total === 1 && modes.includes('CarePlan:match') && modes.includes('Patient:include'),
    modes.join(','));
});

await step('refused search', async () => {
  try {
    await client.search({ resourceType: 'Appointment', searchParams: { date: 'next-tuesday' } });
    fail('refused search', 'a malformed date was accepted');
  } catch (err) {
    const outcome = err?.response?.data;
    check('refused search', err?.response?.status === 400 && outcome?.resourceType === 'OperationOutcome' &&
      JSON.stringify(outcome).includes("'date'"), describe(err));
  }
});

console.log(failures ? `${failures} failure(s)` : 'all steps passed');
process.exit(failures ? 1 : 0);
