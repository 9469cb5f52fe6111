/**
 * Checks a chart's coalesced values against its values.schema.json (JSON Schema
 * draft-07) the way `helm install` does before rendering, and words the failure like
 * Helm 3 does:
 *
 *   values don't meet the specifications of the schema(s) in the following chart(s):
 *   weir:
 *   - replicaCount: Invalid type. Expected: integer, given: string
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export type ValuesCheck = { valid: true } | { valid: false; errors: readonly string[] };

const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    // strict: a schema keyword ajv does not know is a mistake in the chart, not a no-op.
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** The JSON Schema type name of a value, as Helm's validator reports it. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** `/tls/secretName` → `tls.secretName`; the root is `(root)`. */
function fieldOf(instancePath: string): string {
  if (instancePath === '') return '(root)';
  return instancePath
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function valueAt(root: unknown, instancePath: string): unknown {
  if (instancePath === '') return root;
  let cur: unknown = root;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

function describe(e: ErrorObject, values: unknown): string {
  const field = fieldOf(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `${field}: Invalid type. Expected: ${String(p.type).replace(/,/g, ', ')}, given: ${typeName(valueAt(values, e.instancePath))}`;
    case 'enum':
      return `${field}: ${field.split('.').pop() ?? field} must be one of the following: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${field}: ${field.split('.').pop() ?? field} does not match: ${JSON.stringify(p.allowedValue)}`;
    case 'required':
      return `${field}: ${String(p.missingProperty)} is required`;
    case 'additionalProperties':
      return `${field}: Additional property ${String(p.additionalProperty)} is not allowed`;
    case 'pattern':
      return `${field}: Does not match pattern '${String(p.pattern)}'`;
    case 'minimum':
      return `${field}: Must be greater than or equal to ${String(p.limit)}`;
    case 'maximum':
      return `${field}: Must be less than or equal to ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `${field}: Must be greater than ${String(p.limit)}`;
    case 'minLength':
      return `${field}: String length must be greater than or equal to ${String(p.limit)}`;
    case 'maxLength':
      return `${field}: String length must be less than or equal to ${String(p.limit)}`;
    case 'minItems':
      return `${field}: Array must have at least ${String(p.limit)} items`;
    case 'uniqueItems':
      return `${field}: array items[${String(p.j)},${String(p.i)}] must be unique`;
    case 'propertyNames':
      return `${field}: Property "${String(p.propertyName)}" does not match the property name rules`;
    case 'anyOf':
      return `${field}: Must validate at least one schema (anyOf)`;
    case 'oneOf':
      return `${field}: Must validate one and only one schema (oneOf)`;
    default:
      return `${field}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Validate values against a draft-07 schema. Every problem is listed once, sorted, each
 * naming the value by its dotted path. Errors inside an anyOf/oneOf branch are folded
 * into that anyOf/oneOf's own message; an `if` schema's echo is dropped.
 */
export function checkValues(schema: object, values: unknown): ValuesCheck {
  const validate = compile(schema);
  if (validate(values)) return { valid: true };
  const errors = validate.errors ?? [];
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const shown = errors.filter((e) => {
    if (e.keyword === 'if') return false;
    if (e.keyword === 'propertyNames') return true;
    // ajv reports a propertyNames failure twice: once for the name, once for its rule.
    if (errors.some((o) => o.keyword === 'propertyNames' && e.schemaPath.startsWith(`${o.schemaPath}/`))) return false;
    return !combinators.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`));
  });
  const messages = [...new Set(shown.map((e) => describe(e, values)))].sort();
  return { valid: false, errors: messages };
}

/** Helm's whole message for a values failure of one chart. */
export function formatValuesFailure(chartName: string, errors: readonly string[]): string {
  return [
    "values don't meet the specifications of the schema(s) in the following chart(s):",
    `${chartName}:`,
    ...errors.map((e) => `- ${e}`),
  ].join('\n');
}
