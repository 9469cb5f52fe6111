/**
 * The one parser of `weir.dev/*` annotations, used by file and Kubernetes discovery
 * alike. It never throws: a value that does not parse or is out of bounds keeps the
 * knob's default and comes back as a problem naming the annotation, the value and why.
 */
import { parseDurationMs } from '../lib/duration.js';
import {
  DEFAULT_POLICY,
  POLICY_BOUNDS,
  type AnnotationProblem,
  type LbPolicy,
  type Mode,
  type ServicePolicy,
} from '../model/index.js';

export { parseDurationMs };

export const ANNOTATION_PREFIX = 'weir.dev/';
export const ENABLED_ANNOTATION = 'weir.dev/enabled';

type NumericKnob = keyof typeof POLICY_BOUNDS;
type Kind = 'duration' | 'ratio';

/** Annotation name → the knob it sets and how its value is written. */
const NUMERIC: Readonly<Record<string, { knob: NumericKnob; kind: Kind }>> = {
  'weir.dev/latency-target': { knob: 'latencyTargetMs', kind: 'duration' },
  'weir.dev/error-threshold': { knob: 'errorThreshold', kind: 'ratio' },
  'weir.dev/half-life': { knob: 'halfLifeMs', kind: 'duration' },
  'weir.dev/weight-floor': { knob: 'weightFloor', kind: 'ratio' },
  'weir.dev/max-step': { knob: 'maxStep', kind: 'ratio' },
  'weir.dev/panic-threshold': { knob: 'panicThreshold', kind: 'ratio' },
  'weir.dev/max-ejection': { knob: 'maxEjection', kind: 'ratio' },
  'weir.dev/slow-start': { knob: 'slowStartMs', kind: 'duration' },
};

const MODES: readonly Mode[] = ['enforce', 'shadow'];
const LB_POLICIES: readonly LbPolicy[] = ['least-request', 'round-robin', 'ring-hash', 'maglev'];
const PROFILE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Every annotation weir reads, for documentation and typo detection. */
export const KNOWN_ANNOTATIONS: readonly string[] = [
  ENABLED_ANNOTATION,
  'weir.dev/mode',
  'weir.dev/profile',
  'weir.dev/lb-policy',
  ...Object.keys(NUMERIC),
].sort();

/** True when the Service opted in with `weir.dev/enabled: "true"`. */
export function isEnabled(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return annotations?.[ENABLED_ANNOTATION]?.trim().toLowerCase() === 'true';
}

export interface ParsedAnnotations {
  readonly policy: ServicePolicy;
  readonly problems: readonly AnnotationProblem[];
}

/** Parse `weir.dev/*` annotations into a policy; other annotations are ignored. */
export function parseAnnotations(annotations: Readonly<Record<string, string>> | undefined): ParsedAnnotations {
  const policy: { -readonly [K in keyof ServicePolicy]: ServicePolicy[K] } = { ...DEFAULT_POLICY };
  const problems: AnnotationProblem[] = [];
  const entries = Object.entries(annotations ?? {})
    .filter(([k]) => k.startsWith(ANNOTATION_PREFIX))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  for (const [annotation, raw] of entries) {
    const value = String(raw);
    const problem = (reason: string): void => {
      problems.push({ annotation, value, reason });
    };
    const v = value.trim();
    if (annotation === ENABLED_ANNOTATION) {
      if (!['true', 'false'].includes(v.toLowerCase())) problem('must be "true" or "false"');
    } else if (annotation === 'weir.dev/mode') {
      if ((MODES as readonly string[]).includes(v)) policy.mode = v as Mode;
      else problem(`must be one of ${MODES.join(', ')}; keeping ${DEFAULT_POLICY.mode}`);
    } else if (annotation === 'weir.dev/lb-policy') {
      if ((LB_POLICIES as readonly string[]).includes(v)) policy.lbPolicy = v as LbPolicy;
      else problem(`must be one of ${LB_POLICIES.join(', ')}; keeping ${DEFAULT_POLICY.lbPolicy}`);
    } else if (annotation === 'weir.dev/profile') {
      if (PROFILE_NAME.test(v)) policy.profile = v;
      else problem(`must be a profile name (lower-case letters, digits and '-', at most 63); keeping ${DEFAULT_POLICY.profile}`);
    } else if (annotation in NUMERIC) {
      const spec = NUMERIC[annotation]!;
      const parsed = spec.kind === 'duration' ? parseDurationMs(v) : parseRatio(v);
      if (typeof parsed === 'string') {
        problem(`${parsed}; keeping ${formatKnob(spec.kind, DEFAULT_POLICY[spec.knob])}`);
        continue;
      }
      const { min, max } = POLICY_BOUNDS[spec.knob];
      if (parsed < min || parsed > max) {
        problem(
          `must be between ${formatKnob(spec.kind, min)} and ${formatKnob(spec.kind, max)}; keeping ${formatKnob(spec.kind, DEFAULT_POLICY[spec.knob])}`,
        );
        continue;
      }
      policy[spec.knob] = parsed;
    } else {
      const hint = closest(annotation);
      problem(`unknown annotation${hint ? ` (did you mean ${hint}?)` : ''}; ignored`);
    }
  }
  return { policy: Object.freeze(policy), problems };
}

/** A ratio written `0.05` or `5%`. Returns the ratio or a reason. */
export function parseRatio(value: string): number | string {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(%?)$/.exec(value);
  if (!m) return 'must be a ratio such as 0.05 or 5%';
  const n = Number(m[1]);
  return m[2] === '%' ? n / 100 : n;
}

function formatKnob(kind: Kind, v: number): string {
  return kind === 'duration' ? `${v}ms` : String(v);
}

/** The known annotation within edit distance 3 of `name`, if any (typo hints). */
function closest(name: string): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const known of KNOWN_ANNOTATIONS) {
    const d = editDistance(name, known);
    if (d < bestD) {
      bestD = d;
      best = known;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
