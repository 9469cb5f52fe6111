import { describe, expect, it } from 'vitest';
import {
  escapePromqlString,
  escapeRegex,
  isPromqlDuration,
  parseTemplate,
  regexAlternation,
  renderTemplate,
  type PromqlTemplate,
  type TemplateValues,
} from '../../../src/signals/promql-template.js';

const VALUES: TemplateValues = {
  namespace: ['shop'],
  service: ['api'],
  namespaceLabel: 'namespace',
  serviceLabel: 'service',
  endpointLabel: 'pod',
  window: '10s',
  quantile: 0.9,
};

function parse(source: string): PromqlTemplate {
  const r = parseTemplate(source);
  if (!r.valid) throw new Error(r.errors.join('\n'));
  return r.result;
}

describe('parseTemplate', () => {
  it('renders one alternation for many services, sorted and unique', () => {
    const t = parse('sum by ({{endpointLabel}}) (rate(x{ {{namespaceLabel}}=~"{{namespace}}", {{serviceLabel}}=~"{{ service }}"}[{{window}}]))');
    expect(t.variables).toEqual(['endpointLabel', 'namespace', 'namespaceLabel', 'service', 'serviceLabel', 'window']);
    const q = renderTemplate(t, { ...VALUES, namespace: ['b', 'a', 'b'], service: ['web', 'api'] });
    expect(q).toBe('sum by (pod) (rate(x{ namespace=~"a|b", service=~"api|web"}[10s]))');
  });

  it('accepts a placeholder right after a selector brace', () => {
    const t = parse('x{{{namespaceLabel}}=~"{{namespace}}"}');
    expect(renderTemplate(t, VALUES)).toBe('x{namespace=~"shop"}');
  });

  it('rejects unknown variables, naming the known ones', () => {
    const r = parseTemplate('x{namespace=~"{{namespce}}"}');
    expect(r.valid).toBe(false);
    if (!r.valid) expect(r.errors[0]).toMatch(/unknown template variable \{\{namespce\}\}.*\{\{namespace\}\}/);
  });

  it('refuses list variables outside a double-quoted regex matcher', () => {
    for (const bad of ['x{namespace="{{namespace}}"}', "x{namespace=~'{{namespace}}'}", 'x{namespace=~`{{namespace}}`}', 'label_replace(x, "a", "{{service}}", "b", "")', 'x{{namespace}}']) {
      const r = parseTemplate(bad);
      expect(r.valid, bad).toBe(false);
      if (!r.valid) expect(r.errors.join()).toMatch(/must be inside a double-quoted regex matcher/);
    }
    expect(parseTemplate('x{namespace!~ "{{namespace}}"}').valid).toBe(true);
  });

  it('refuses bare variables inside strings and reports every problem', () => {
    const r = parseTemplate('x{a="{{window}}", b=~"{{nope}}", c="{{endpointLabel}}"}[{{window}}] "open');
    expect(r.valid).toBe(false);
    if (!r.valid) {
      expect(r.errors).toHaveLength(4);
      expect(r.errors.join('\n')).toMatch(/unterminated " string/);
    }
  });

  it('ignores quotes inside comments and escaped quotes inside strings', () => {
    const t = parse('# the "service" label\nx{a="say \\"hi\\"", service=~"{{service}}"}');
    expect(renderTemplate(t, VALUES)).toBe('# the "service" label\nx{a="say \\"hi\\"", service=~"api"}');
  });

  it('reports a malformed placeholder', () => {
    expect(parseTemplate('x{{ namespace').valid).toBe(false);
  });
});

describe('escaping', () => {
  it('matches names literally: regex metacharacters and PromQL string escapes', () => {
    expect(escapeRegex('a.b+c*(d)|e[f]{g}^$?\\')).toBe('a\\.b\\+c\\*\\(d\\)\\|e\\[f\\]\\{g\\}\\^\\$\\?\\\\');
    expect(escapePromqlString('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    // regex `a\.b|x"y` written inside a PromQL "…" string
    expect(regexAlternation(['x"y', 'a.b'])).toBe('a\\\\.b|x\\"y');
  });

  it('cannot be escaped from by a hostile service name', () => {
    const t = parse('x{service=~"{{service}}"}');
    const q = renderTemplate(t, { ...VALUES, service: ['"} or vector(1) #', 'a|.*'] });
    expect(q).toBe('x{service=~"\\"\\\\} or vector\\\\(1\\\\) #|a\\\\|\\\\.\\\\*"}');
    // The rendered query still has exactly one string literal: re-lex it.
    const again = parseTemplate(q);
    expect(again.valid).toBe(true);
  });

  it('refuses unsafe values at render time', () => {
    const t = parse('sum by ({{endpointLabel}}) (x{service=~"{{service}}"}[{{window}}])');
    expect(() => renderTemplate(t, { ...VALUES, service: [] })).toThrow(/empty list/);
    expect(() => renderTemplate(t, { ...VALUES, endpointLabel: 'pod) or vector(1' })).toThrow(/label name/);
    expect(() => renderTemplate(t, { ...VALUES, window: '10s] or x[1m' })).toThrow(/duration/);
  });

  it('knows PromQL durations', () => {
    for (const good of ['10s', '1m30s', '500ms', '2h']) expect(isPromqlDuration(good), good).toBe(true);
    for (const bad of ['', '10', '0s', 's', '1.5m', '10 s']) expect(isPromqlDuration(bad), bad).toBe(false);
  });
});
