/**
 * The signal profiles file (`--profiles FILE`): parsing, validation (every problem at
 * once, with file, profile, field and value) and resolution into {@link Profiles},
 * merged over the built-ins. See docs/profiles.md for the format.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ERROR_CODES, WeirError, type Validated } from '../lib/errors.js';
import type { CustomSignalSpec } from '../model/index.js';
import { BUILTIN_PROFILE_SOURCES } from './profiles-builtin.js';
import { STANDARD_SIGNALS, type ProfileSignal, type Profiles, type SeriesLabels, type SignalProfile } from './profile-types.js';
import { isLabelName, isPromqlDuration, parseTemplate, type PromqlTemplate } from './promql-template.js';

/** Same rule as the `weir.dev/profile` annotation (src/discovery/annotations.ts). */
const PROFILE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CUSTOM_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
/** The latency quantile when a profile does not say. */
export const DEFAULT_QUANTILE = 0.9;

const DEFAULT_LABELS = { namespace: 'namespace', service: 'service', endpoint: 'pod' } as const;

const query = z
  .string()
  .min(1, 'must not be empty')
  .superRefine((text, ctx) => {
    const parsed = parseTemplate(text);
    if (!parsed.valid) for (const message of parsed.errors) ctx.addIssue({ code: 'custom', message, input: text });
  });
const optionalLabel = z.string().refine((v) => v === '' || isLabelName(v), 'must be a label name, or "" for none');
const labels = z
  .object({
    namespace: optionalLabel.optional(),
    service: optionalLabel.optional(),
    endpoint: z.string().refine(isLabelName, 'must be a label name').optional(),
    match: z.enum(['pod', 'address']).optional(),
  })
  .strict();
const signalFields = {
  query,
  labels: labels.optional(),
  window: z.string().refine(isPromqlDuration, 'must be a PromQL duration such as 30s or 1m').optional(),
};
/** A signal is a template string, or an object with the template and options. */
const asObject = (v: unknown): unknown => (typeof v === 'string' ? { query: v } : v);
const signal = z.preprocess(asObject, z.object(signalFields).strict());
const latency = z.preprocess(asObject, z.object({ ...signalFields, unit: z.enum(['seconds', 'milliseconds']).optional() }).strict());
const custom = z
  .object({
    ...signalFields,
    name: z.string().regex(CUSTOM_NAME, 'must be lower-case letters, digits, "-" or "_", starting with a letter'),
    direction: z.enum(['higher-is-better', 'lower-is-better']),
    threshold: z.number().finite(),
  })
  .strict();
const profile = z
  .object({
    description: z.string().optional(),
    quantile: z.number().gt(0).lt(1).optional(),
    labels: labels.optional(),
    latency: latency.optional(),
    errorRatio: signal.optional(),
    requestRate: signal.optional(),
    inflight: signal.optional(),
    cpu: signal.optional(),
    memory: signal.optional(),
    custom: z.array(custom).optional(),
  })
  .strict()
  .refine((p) => STANDARD_SIGNALS.some((s) => p[s] !== undefined) || (p.custom?.length ?? 0) > 0, 'a profile needs at least one signal');
const file = z.object({ profiles: z.record(z.string(), z.unknown()) }).strict();

/**
 * Checks across entries (profile names, duplicate custom names), run on the raw document
 * apart from the schema: zod skips refinements of an object whose fields have issues,
 * and every problem must be reported at once.
 */
function crossChecks(raw: unknown, source: string): string[] {
  const problems: string[] = [];
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(raw) || !isRecord(raw.profiles)) return problems;
  for (const [name, p] of Object.entries(raw.profiles)) {
    if (!PROFILE_NAME.test(name)) {
      problems.push(
        `${source}: profiles.${name}: profile name must be lower-case letters, digits and "-", at most 63 (as in weir.dev/profile)${formatValue(name)}`,
      );
    }
    if (!isRecord(p) || !Array.isArray(p.custom)) continue;
    const seen = new Set<string>();
    p.custom.forEach((c: unknown, i) => {
      if (!isRecord(c) || typeof c.name !== 'string') return;
      if (seen.has(c.name)) problems.push(`${source}: profiles.${name}.custom.${i}.name: duplicate custom signal name${formatValue(c.name)}`);
      seen.add(c.name);
    });
  }
  return problems;
}

/** The raw shape of one profile in YAML, as the built-ins are written too. */
export type ProfileSource = z.input<typeof profile>;
type ParsedProfile = z.output<typeof profile>;
type ParsedLabels = z.output<typeof labels>;

function formatValue(input: unknown): string {
  if (typeof input === 'string') return ` (value: ${JSON.stringify(input.length > 200 ? `${input.slice(0, 200)}…` : input)})`;
  if (typeof input === 'number' || typeof input === 'boolean') return ` (value: ${String(input)})`;
  return '';
}

function formatIssue(source: string, issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(file)';
  const value = issue.code === 'unrecognized_keys' ? '' : formatValue(issue.input);
  return `${source}: ${path}: ${issue.message}${value}`;
}

function resolveLabels(outer: ParsedLabels | undefined, inner: ParsedLabels | undefined): SeriesLabels {
  const merged = { ...DEFAULT_LABELS, ...outer, ...inner };
  // An endpoint named by `instance` is an ip:port; any other label names a pod, unless
  // the operator says otherwise.
  const match = inner?.match ?? outer?.match ?? (merged.endpoint === 'instance' ? 'address' : 'pod');
  return Object.freeze({ namespace: merged.namespace, service: merged.service, endpoint: merged.endpoint, match });
}

/** Problems that need the resolved labels: a template naming a label the signal lacks. */
function labelProblems(template: PromqlTemplate, resolved: SeriesLabels): string[] {
  const problems: string[] = [];
  if (template.variables.includes('serviceLabel') && resolved.service === '') problems.push('uses {{serviceLabel}} but labels.service is ""');
  if (template.variables.includes('namespaceLabel') && resolved.namespace === '') {
    problems.push('uses {{namespaceLabel}} but labels.namespace is ""');
  }
  return problems;
}

function resolveProfile(name: string, p: ParsedProfile, builtin: boolean, source: string, errors: string[]): SignalProfile {
  const signals: ProfileSignal[] = [];
  const add = (
    kind: ProfileSignal['kind'],
    id: string,
    signalName: string,
    s: { query: string; labels?: ParsedLabels | undefined; window?: string | undefined },
    scale: number,
    field: string,
  ): void => {
    const parsed = parseTemplate(s.query);
    if (!parsed.valid) return; // already reported by the schema
    const resolved = resolveLabels(p.labels, s.labels);
    for (const problem of labelProblems(parsed.result, resolved)) errors.push(`${source}: profiles.${name}.${field}.query: ${problem}`);
    signals.push(
      Object.freeze({
        kind,
        id,
        name: signalName,
        template: parsed.result,
        labels: resolved,
        scale,
        ...(s.window === undefined ? {} : { window: s.window }),
      }),
    );
  };
  for (const kind of STANDARD_SIGNALS) {
    const s = p[kind];
    if (s === undefined) continue;
    const scale = kind === 'latency' && (p.latency?.unit ?? 'seconds') === 'seconds' ? 1000 : 1;
    add(kind, kind, kind, s, scale, kind);
  }
  const customs = [...(p.custom ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const c of customs) add('custom', `custom:${c.name}`, c.name, c, 1, `custom[${(p.custom ?? []).indexOf(c)}]`);
  const customSpecs: CustomSignalSpec[] = customs.map((c) => Object.freeze({ name: c.name, direction: c.direction, threshold: c.threshold }));
  return Object.freeze({
    name,
    builtin,
    quantile: p.quantile ?? DEFAULT_QUANTILE,
    signals: Object.freeze(signals),
    custom: Object.freeze(customSpecs),
  });
}

function validateRaw(raw: unknown, source: string, builtin: boolean): Validated<Map<string, SignalProfile>> {
  const doc = raw ?? { profiles: {} };
  const parsed = file.safeParse(doc, { reportInput: true });
  if (!parsed.success) return { valid: false, errors: parsed.error.issues.map((i) => formatIssue(source, i)) };
  // Each profile on its own, so that one bad profile does not hide another's problems.
  const errors = crossChecks(doc, source);
  const out = new Map<string, SignalProfile>();
  for (const name of Object.keys(parsed.data.profiles).sort()) {
    const p = profile.safeParse(parsed.data.profiles[name], { reportInput: true });
    if (!p.success) {
      for (const issue of p.error.issues) errors.push(formatIssue(source, { ...issue, path: ['profiles', name, ...issue.path] }));
      continue;
    }
    out.set(name, resolveProfile(name, p.data, builtin, source, errors));
  }
  return errors.length ? { valid: false, errors } : { valid: true, result: out };
}

function buildBuiltins(): Profiles {
  const v = validateRaw({ profiles: BUILTIN_PROFILE_SOURCES }, 'built-in profiles', true);
  // The built-ins are tested; failing here is a bug in weir, not in the operator's file.
  if (!v.valid) throw new Error(`invalid built-in profiles:\n${v.errors.join('\n')}`);
  return v.result;
}

/** The profiles weir ships: `default`, `istio`, `cadvisor`, `kubernetes` (docs/profiles.md). */
export const BUILTIN_PROFILES: Profiles = buildBuiltins();

/**
 * Validate the text of a profiles file and merge it over the built-ins (a profile of the
 * file replaces a built-in of the same name). `source` names the file in messages.
 * Returns every problem, one line each: `FILE: profiles.NAME.FIELD: problem (value: …)`.
 */
export function parseProfiles(text: string, source: string): Validated<Profiles> {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      valid: false,
      errors: doc.errors.map((e) => `${source}: line ${text.slice(0, e.pos[0]).split('\n').length}: ${e.message.split('\n')[0] ?? e.code}`),
    };
  }
  const v = validateRaw(doc.toJS(), source, false);
  if (!v.valid) return v;
  const merged = new Map<string, SignalProfile>([...BUILTIN_PROFILES, ...v.result]);
  return { valid: true, result: new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}

/**
 * Load the profiles: the built-ins, merged with the file at `path` when given. Throws
 * WeirError PROFILES_INVALID (details: every problem) when the file cannot be read or
 * is invalid; start-up must stop.
 */
export function loadProfiles(path?: string): Profiles {
  if (path === undefined) return BUILTIN_PROFILES;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    throw new WeirError(ERROR_CODES.PROFILES_INVALID, `cannot read the profiles file ${path}`, { cause, details: [`${path}: ${msg}`] });
  }
  const v = parseProfiles(text, path);
  if (!v.valid) {
    throw new WeirError(ERROR_CODES.PROFILES_INVALID, `the profiles file ${path} is invalid (${v.errors.length} problems)`, {
      details: v.errors,
    });
  }
  return v.result;
}

/** Custom signal specs per profile name (sorted by signal name), as the engine needs them. */
export function customSignalSpecs(profiles: Profiles): Map<string, readonly CustomSignalSpec[]> {
  const out = new Map<string, readonly CustomSignalSpec[]>();
  for (const [name, p] of profiles) out.set(name, p.custom);
  return out;
}
