/**
 * Label selectors as the API server parses them: `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k` and `!k`, joined by commas.
 */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

/** Parse a selector; throws an Error with a message for a 400 on bad syntax. */
export function parseLabelSelector(selector: string | null | undefined): LabelMatcher {
  if (!selector || selector.trim() === '') return () => true;
  const reqs: Requirement[] = [];
  for (const raw of splitTopLevel(selector)) {
    const term = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const key = m[1]!;
      const values = new Set(m[3]!.split(',').map((v) => v.trim()));
      reqs.push(m[2] === 'in' ? (l) => values.has(l[key] ?? '\0') : (l) => !values.has(l[key] ?? '\0'));
    } else if ((m = /^([\w./-]+)\s*!=\s*([\w./-]*)$/.exec(term))) {
      const [key, value] = [m[1]!, m[2]!];
      reqs.push((l) => l[key] !== value);
    } else if ((m = /^([\w./-]+)\s*==?\s*([\w./-]*)$/.exec(term))) {
      const [key, value] = [m[1]!, m[2]!];
      reqs.push((l) => l[key] === value);
    } else if ((m = /^!([\w./-]+)$/.exec(term))) {
      const key = m[1]!;
      reqs.push((l) => !(key in l));
    } else if ((m = /^([\w./-]+)$/.exec(term))) {
      const key = m[1]!;
      reqs.push((l) => key in l);
    } else {
      throw new Error(`unable to parse requirement: ${term}`);
    }
  }
  return (labels) => reqs.every((r) => r(labels ?? {}));
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
