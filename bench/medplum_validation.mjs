#!/usr/bin/env node
// The independent engine on the same inputs as homebase_validation: JSON.parse + medplum's
// validateResource() (all invariants it knows) on the seed NICU discharge message and the Synthea
// bundle. Prints the median time per validation and MB/s. Uses the pinned packages of tests/tools
// (run `npm ci` there first, as deploy/install-deps.sh --test does).
//   node bench/medplum_validation.mjs [ROUNDS [WARMUP]]   (defaults 50 and 30)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadProfiles } = await import(join(root, 'tests/tools/lib/fhir-validation.mjs'));
const require = createRequire(join(root, 'tests/tools/package.json'));
loadProfiles();
const { validateResource } = require('@medplum/core');

const inputs = [
  ['seed NICU discharge', 'tests/fixtures/anjali-nicu-discharge.json'],
  ['Synthea bundle', 'tests/fixtures/external/synthea/Carlene_Schamberger_cc19113f-aa63-434b-ab4e-62a5f97f1f0b.json'],
];
const rounds = Number(process.argv[2] ?? 50);
const warmup = Number(process.argv[3] ?? 30);

for (const [name, file] of inputs) {
  const text = readFileSync(join(root, file), 'utf8');
  const bytes = Buffer.byteLength(text);
  const once = () => {
    const resource = JSON.parse(text);
    try {
      validateResource(resource);
    } catch {
      // validateResource throws an OperationOutcomeError when it finds errors; the time is what counts
    }
  };
  for (let i = 0; i < warmup; i++) once();  // warm-up: let the JIT settle first
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    once();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`medplum ${name}: ${bytes} bytes, median ${median.toFixed(3)} ms, ${(bytes / 1e6 / (median / 1e3)).toFixed(2)} MB/s (${rounds} rounds after ${warmup} warm-up)`);
}
