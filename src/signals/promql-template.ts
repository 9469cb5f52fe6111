/**
 * PromQL templates of the signal profiles: `{{variable}}` placeholders that are
 * substituted per tick. The design goal is ONE query per signal per tick for every
 * service of a profile, and no way for a service owner to inject PromQL:
 *
 * - `{{namespace}}` and `{{service}}` expand to a regex alternation of the (sorted,
 *   unique) namespaces and service names of the profile's services, each value
 *   regex-escaped and then escaped for a double-quoted PromQL string. They may appear
 *   only inside a double-quoted string that follows a regex matcher (`=~` or `!~`):
 *   `namespace=~"{{namespace}}"`. Prometheus anchors regex matchers, so the alternation
 *   matches whole values only.
 * - `{{namespaceLabel}}`, `{{serviceLabel}}`, `{{endpointLabel}}` expand to the label
 *   names the profile joins on (`sum by ({{endpointLabel}})`); outside strings only.
 * - `{{window}}` (a PromQL duration such as `10s`) and `{{quantile}}` (0..1); outside
 *   strings only.
 *
 * Templates are parsed once, when the profiles are loaded, so that every mistake is
 * reported at start-up rather than as a failing query at run time.
 */

/** Variables whose value is a list of names, rendered as an escaped regex alternation. */
export const LIST_VARIABLES = ['namespace', 'service'] as const;
/** Variables rendered verbatim outside strings (label names, durations, numbers). */
export const BARE_VARIABLES = ['namespaceLabel', 'serviceLabel', 'endpointLabel', 'window', 'quantile'] as const;

export type ListVariable = (typeof LIST_VARIABLES)[number];
export type BareVariable = (typeof BARE_VARIABLES)[number];
export type TemplateVariable = ListVariable | BareVariable;

type Part = { readonly text: string } | { readonly variable: TemplateVariable };

/** A parsed template: render it with {@link renderTemplate}. */
export interface PromqlTemplate {
  readonly source: string;
  readonly parts: readonly Part[];
  /** The variables the template uses (sorted, unique). */
  readonly variables: readonly TemplateVariable[];
}

/** The values of one rendering. List values may be in any order and repeat. */
export interface TemplateValues {
  readonly namespace: readonly string[];
  readonly service: readonly string[];
  readonly namespaceLabel: string;
  readonly serviceLabel: string;
  readonly endpointLabel: string;
  /** PromQL duration, e.g. `10s`; checked with {@link isPromqlDuration}. */
  readonly window: string;
  readonly quantile: number;
}

const PLACEHOLDER = /^\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

/** True for a Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`). */
export function isLabelName(value: string): boolean {
  return LABEL_NAME.test(value);
}

/** True for a PromQL duration such as `10s`, `1m30s` (no zero-length durations). */
export function isPromqlDuration(value: string): boolean {
  return DURATION.test(value) && /[1-9]/.test(value);
}

function isList(name: string): name is ListVariable {
  return (LIST_VARIABLES as readonly string[]).includes(name);
}
function isBare(name: string): name is BareVariable {
  return (BARE_VARIABLES as readonly string[]).includes(name);
}

/**
 * Parse a template. Returns the parsed template, or every problem found (unknown
 * variables, a list variable outside a `=~"…"` string, a bare variable inside a string,
 * an unterminated string or placeholder).
 */
export function parseTemplate(source: string): { valid: true; result: PromqlTemplate } | { valid: false; errors: string[] } {
  const parts: Part[] = [];
  const errors: string[] = [];
  const used = new Set<TemplateVariable>();
  let text = '';
  // Lexer state: which string we are in (PromQL has "…", '…' and `…` strings), and
  // whether the current double-quoted string follows a regex matcher.
  let quote: '"' | "'" | '`' | undefined;
  let regexString = false;
  let comment = false;
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    if (c === '{' && source[i + 1] === '{') {
      const m = PLACEHOLDER.exec(source.slice(i));
      if (!m && source[i + 2] === '{') {
        // `{{{label}}=~…}`: a selector's brace followed by a placeholder.
        text += c;
        i++;
        continue;
      }
      if (!m) {
        errors.push(`unterminated or malformed placeholder at offset ${i}: "${source.slice(i, i + 20)}"`);
        text += c;
        i++;
        continue;
      }
      const name = m[1]!;
      if (isList(name)) {
        if (!comment && (quote !== '"' || !regexString)) {
          errors.push(`{{${name}}} must be inside a double-quoted regex matcher, e.g. ${name}=~"{{${name}}}"`);
        }
      } else if (isBare(name)) {
        if (!comment && quote !== undefined) errors.push(`{{${name}}} may not be inside a string`);
      } else {
        errors.push(
          `unknown template variable {{${name}}} (known: ${[...LIST_VARIABLES, ...BARE_VARIABLES].map((v) => `{{${v}}}`).join(', ')})`,
        );
        text += m[0];
        i += m[0].length;
        continue;
      }
      if (text) parts.push({ text });
      text = '';
      parts.push({ variable: name });
      used.add(name);
      i += m[0].length;
      continue;
    }
    text += c;
    i++;
    if (comment) {
      if (c === '\n') comment = false;
    } else if (quote !== undefined) {
      if (c === '\\' && quote !== '`' && i < source.length) {
        text += source[i]!;
        i++;
      } else if (c === quote) {
        quote = undefined;
      }
    } else if (c === '#') {
      comment = true;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
      regexString = c === '"' && /[=!]~\s*$/.test(source.slice(0, i - 1));
    }
  }
  if (quote !== undefined) errors.push(`unterminated ${quote} string`);
  if (text) parts.push({ text });
  if (errors.length > 0) return { valid: false, errors };
  return { valid: true, result: Object.freeze({ source, parts: Object.freeze(parts), variables: [...used].sort() }) };
}

/** Escape RE2 metacharacters so that `value` matches only itself. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, (ch) => `\\${ch}`);
}

/** Escape `value` for the inside of a double-quoted PromQL string. */
export function escapePromqlString(value: string): string {
  return value.replace(/[\\"\n\r\t]/g, (ch) => {
    switch (ch) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\${ch}`;
    }
  });
}

/**
 * The alternation `a|b|c` of `values` (sorted, unique, each matched literally), ready to
 * be placed inside a double-quoted PromQL regex matcher.
 */
export function regexAlternation(values: readonly string[]): string {
  const unique = [...new Set(values)].sort();
  return escapePromqlString(unique.map(escapeRegex).join('|'));
}

/**
 * Render a parsed template. Throws a TypeError on values that would make an unsafe query
 * (an empty list, a bad label name, duration or quantile): callers never query with
 * empty lists, and the label names and window are validated at start-up.
 */
export function renderTemplate(template: PromqlTemplate, values: TemplateValues): string {
  let out = '';
  for (const part of template.parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const name = part.variable;
    switch (name) {
      case 'namespace':
      case 'service': {
        const list = values[name];
        if (list.length === 0) throw new TypeError(`{{${name}}}: empty list`);
        out += regexAlternation(list);
        break;
      }
      case 'namespaceLabel':
      case 'serviceLabel':
      case 'endpointLabel': {
        const label = values[name];
        if (!isLabelName(label)) throw new TypeError(`{{${name}}}: not a label name: ${JSON.stringify(label)}`);
        out += label;
        break;
      }
      case 'window':
        if (!isPromqlDuration(values.window)) throw new TypeError(`{{window}}: not a duration: ${values.window}`);
        out += values.window;
        break;
      case 'quantile':
        if (!(values.quantile > 0 && values.quantile < 1)) throw new TypeError(`{{quantile}}: not in (0, 1): ${values.quantile}`);
        out += String(values.quantile);
        break;
    }
  }
  return out;
}
