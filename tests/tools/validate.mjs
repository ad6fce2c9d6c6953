#!/usr/bin/env node
// Validates FHIR R4 JSON resources with third-party engines (see README.md).
//
//   node validate.mjs [--both|--schema] [--quiet] [--no-entries] FILE...
//   some-command | node validate.mjs [--both]          (no FILE or "-": read stdin)
//
// Each file holds one JSON resource (any type). Every Bundle entry resource is also validated on its
// own line ("FILE#entry[i] Type/id"), recursively; a Bundle fails when any of its entries fails.
// Output, one line per resource and engine:
//   OK   [medplum] FILE Type/id
//   FAIL [medplum] FILE Type/id: N error(s)      followed by "    path: message" lines
// Exit status: 0 every resource valid, 1 at least one invalid, 2 unreadable input or bad option.
import { readFileSync } from 'node:fs';

import { engines, flatten, insideEntry, isError } from './lib/fhir-validation.mjs';

const usage = 'usage: node validate.mjs [--both|--schema] [--quiet] [--no-entries] FILE... (no FILE: stdin)';
let engineNames = ['medplum'];
let quiet = false;
let entries = true;
const inputs = [];
for (const arg of process.argv.slice(2)) {
  if (arg === '--both') engineNames = ['medplum', 'schema'];
  else if (arg === '--schema') engineNames = ['schema'];
  else if (arg === '--quiet') quiet = true;
  else if (arg === '--no-entries') entries = false;
  else if (arg === '-h' || arg === '--help') {
    console.log(usage);
    process.exit(0);
  } else if (arg.startsWith('--')) {
    console.error(`validate.mjs: unknown option ${arg}\n${usage}`);
    process.exit(2);
  } else inputs.push(arg);
}
if (inputs.length === 0) inputs.push('-');

let valid = 0;
let invalid = 0;
let unreadable = 0;
for (const input of inputs) {
  const name = input === '-' ? '<stdin>' : input;
  let doc;
  try {
    doc = JSON.parse(readFileSync(input === '-' ? 0 : input, 'utf8'));
  } catch (err) {
    console.log(`ERROR ${name}: ${err.message}`);
    unreadable++;
    continue;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    console.log(`ERROR ${name}: not a JSON object`);
    unreadable++;
    continue;
  }
  const items = entries ? flatten(doc, name) : [{ label: name, resource: doc }];
  for (const engineName of engineNames) {
    const run = engines[engineName]();
    const errors = items.map(({ resource }) => run(resource, { shellOnly: entries && resource?.resourceType === 'Bundle' }).filter(isError));
    for (const [n, { label, resource }] of items.entries()) {
      const isBundle = resource?.resourceType === 'Bundle' && entries;
      const own = isBundle ? errors[n].filter((i) => !insideEntry(engineName, i)) : errors[n];
      // a Bundle also fails when one of its entries fails (their lines carry the details)
      const badEntries = isBundle ? items.filter((it, k) => it.label.startsWith(label + '#') && errors[k].length > 0).length : 0;
      const title = `[${engineName}] ${label} ${resource?.resourceType ?? '?'}/${resource?.id ?? '-'}`;
      if (own.length === 0 && badEntries === 0) {
        valid++;
        if (!quiet) console.log(`OK   ${title}`);
        continue;
      }
      invalid++;
      const extra = badEntries ? ` (+${badEntries} invalid entr${badEntries === 1 ? 'y' : 'ies'})` : '';
      console.log(`FAIL ${title}: ${own.length} error(s)${extra}`);
      for (const i of own.slice(0, 25)) console.log(`    ${i.path || '-'}: ${i.text}`);
      if (own.length > 25) console.log(`    ... ${own.length - 25} more`);
    }
  }
}
console.error(`validate.mjs: ${valid} ok, ${invalid} invalid, ${unreadable} unreadable (${engineNames.join('+')})`);
process.exit(unreadable ? 2 : invalid ? 1 : 0);
