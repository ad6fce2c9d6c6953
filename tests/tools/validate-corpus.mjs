#!/usr/bin/env node
// Verdicts of both third-party engines on many FHIR R4 JSON files, one JSON line per file (see README.md).
//
//   node validate-corpus.mjs [--errors-only] FILE_OR_DIR...
//
// A directory stands for every *.json file below it (sorted). Each file holds one resource; a Bundle's
// entry resources are validated too (recursively), as validate.mjs does, and their issues are reported
// in the file's line with the entry's location in front of the path. Output, one line per file:
//   {"file": "<path as given>",
//    "medplum": {"valid": bool, "issues": [{"severity", "code", "expression": [...], "diagnostics"}]},
//    "schema":  {"valid": bool, "errors": [{"path", "message"}]}}
// or {"file": ..., "error": "<why it could not be read as JSON>"}. "valid" means no error or fatal issue.
// --errors-only leaves warnings and information out of "issues" (Synthea bundles carry hundreds).
// Summary on stderr. Exit status: 0 every file valid for both engines, 1 some file invalid, 2 some file
// unreadable or a bad option. The engines load once, so hundreds of files take seconds, not minutes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { engines, flatten, insideEntry, isError, loadProfiles } from './lib/fhir-validation.mjs';

const require = createRequire(import.meta.url);
const usage = 'usage: node validate-corpus.mjs [--errors-only] FILE_OR_DIR...';

let errorsOnly = false;
const args = [];
for (const arg of process.argv.slice(2)) {
  if (arg === '--errors-only') errorsOnly = true;
  else if (arg === '-h' || arg === '--help') {
    console.log(usage);
    process.exit(0);
  } else if (arg.startsWith('--')) {
    console.error(`validate-corpus.mjs: unknown option ${arg}\n${usage}`);
    process.exit(2);
  } else args.push(arg);
}
if (args.length === 0) {
  console.error(usage);
  process.exit(2);
}

function expand(path) {
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => (d.isDirectory() ? expand(join(path, d.name)) : /\.json$/i.test(d.name) ? [join(path, d.name)] : []));
}

// Medplum's issues as OperationOutcome.issue fields. lib/fhir-validation.mjs keeps only severity, path and
// text; a corpus report wants the issue code too, so this calls the same validateResource on the same
// StructureDefinitions (loaded by the lib) and keeps the issues whole.
loadProfiles();
const { validateResource } = require('@medplum/core');
function medplumIssues(resource) {
  let raw;
  try {
    raw = validateResource(resource) ?? [];
  } catch (err) {
    // validateResource throws an OperationOutcomeError when it finds errors
    raw = err?.outcome?.issue ?? [{ severity: 'error', code: 'exception', diagnostics: String(err?.message ?? err) }];
  }
  return raw.map((i) => ({
    severity: i.severity ?? 'error',
    code: i.code ?? 'unknown',
    expression: i.expression ?? [],
    diagnostics: i.diagnostics ?? i.details?.text ?? '',
  }));
}
const schema = engines.schema();

// "file.json#entry[3]#entry[0]" -> FHIRPath "Bundle.entry[3].resource.entry[0].resource" and JSON
// pointer "/entry/3/resource/entry/0/resource": where an entry's own issues sit in the file.
function locate(label) {
  const steps = [...label.matchAll(/#entry\[(\d+)\]/g)].map((m) => Number(m[1]));
  if (steps.length === 0) return null;
  return {
    fhirpath: 'Bundle' + steps.map((i) => `.entry[${i}].resource`).join(''),
    pointer: steps.map((i) => `/entry/${i}/resource`).join(''),
  };
}

// Medplum expressions start with the resource type ("Patient.gender"); inside an entry, that type is
// replaced by the entry's location.
const relocate = (expression, where) => (where ? expression.replace(/^[A-Z][A-Za-z]*(?=\.|\[|$)/, where.fhirpath) : expression);

function verdicts(doc, name) {
  const items = flatten(doc, name);
  const medplum = [];
  const schemaErrors = [];
  for (const { label, resource } of items) {
    const where = locate(label);
    const isBundle = resource?.resourceType === 'Bundle';
    // A Bundle's issues inside entry resources are reported when that entry is validated on its own.
    for (const issue of medplumIssues(resource)) {
      const path = issue.expression.join(',');
      if (isBundle && insideEntry('medplum', { path })) continue;
      medplum.push({ ...issue, expression: issue.expression.map((e) => relocate(e, where)) });
    }
    for (const issue of schema(resource, { shellOnly: isBundle })) {
      if (isBundle && insideEntry('schema', issue)) continue;
      if (!isError(issue)) continue;
      const path = where ? where.pointer + (issue.path === '/' ? '' : issue.path) : issue.path;
      schemaErrors.push({ path, message: issue.text });
    }
  }
  return {
    medplum: { valid: !medplum.some(isError), issues: errorsOnly ? medplum.filter(isError) : medplum },
    schema: { valid: schemaErrors.length === 0, errors: schemaErrors },
  };
}

const counts = { files: 0, unreadable: 0, medplum: 0, schema: 0, both: 0 };
for (const file of args.flatMap(expand)) {
  counts.files++;
  let doc;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
  } catch (err) {
    counts.unreadable++;
    console.log(JSON.stringify({ file, error: err.message }));
    continue;
  }
  const v = verdicts(doc, file);
  if (v.medplum.valid) counts.medplum++;
  if (v.schema.valid) counts.schema++;
  if (v.medplum.valid && v.schema.valid) counts.both++;
  console.log(JSON.stringify({ file, ...v }));
}
console.error(
  `validate-corpus.mjs: ${counts.files} files: medplum valid ${counts.medplum}, schema valid ${counts.schema}, ` +
    `both ${counts.both}, unreadable ${counts.unreadable}`,
);
process.exit(counts.unreadable ? 2 : counts.both < counts.files ? 1 : 0);
