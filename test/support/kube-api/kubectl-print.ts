/**
 * Prints objects of the test API server the way kubectl prints them (`get` tables with a
 * CRD's printer columns, `describe` of a custom resource, the Events of `describe
 * service`, `get events`), so that docs/kubernetes.md shows output made from real
 * objects rather than written by hand.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from './store.js';

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
}

/** The printer columns of deploy/crds/endpointweights.weir.dev.yaml. */
export function ewPrinterColumns(): PrinterColumn[] {
  const crd = parse(readFileSync(new URL('../../../deploy/crds/endpointweights.weir.dev.yaml', import.meta.url), 'utf8')) as {
    spec: { versions: { additionalPrinterColumns: PrinterColumn[] }[] };
  };
  return crd.spec.versions[0]!.additionalPrinterColumns;
}

/** kubectl's short human durations: 45s, 12m, 3h4m, 5d. */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

function at(obj: unknown, jsonPath: string): unknown {
  let cur: unknown = obj;
  for (const part of jsonPath.replace(/^\./, '').split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Columns as kubectl's tabwriter pads them: `get` with 3 spaces, `describe` with 2. */
function table(rows: string[][], gap = 3): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + gap))).join('').trimEnd()).join('\n');
}

/** `kubectl get ew` (with `allNamespaces`, `kubectl get ew -A`). */
export function printGetTable(objects: readonly KubeObject[], columns: readonly PrinterColumn[], now: number, allNamespaces = false): string {
  const header = [...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', ...columns.map((c) => c.name.toUpperCase())];
  const rows = objects.map((o) => [
    ...(allNamespaces ? [o.metadata.namespace ?? ''] : []),
    o.metadata.name ?? '',
    ...columns.map((c) => {
      const v = at(o, c.jsonPath);
      if (v === undefined || v === null) return '<none>';
      if (c.type === 'date') return humanAge(now - Date.parse(String(v)));
      return String(v);
    }),
  ]);
  return table([header, ...rows]);
}

const title = (key: string): string =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/^./, (c) => c.toUpperCase())
    .replace(/\b(Uid|Api)\b/g, (w) => w.toUpperCase());

function describeValue(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object') describeMap(item as Record<string, unknown>, indent, out);
      else out.push(`${indent}${String(item)}`);
    }
  } else if (value !== null && typeof value === 'object') {
    describeMap(value as Record<string, unknown>, indent, out);
  }
}

/** kubectl's generic describer: Title Case keys, sorted, values aligned per level. */
function describeMap(map: Record<string, unknown>, indent: string, out: string[]): void {
  const keys = Object.keys(map).sort();
  const scalarWidth = Math.max(0, ...keys.filter((k) => !isNested(map[k])).map((k) => title(k).length + 1));
  for (const k of keys) {
    const v = map[k];
    if (isNested(v)) {
      out.push(`${indent}${title(k)}:`);
      describeValue(v, `${indent}  `, out);
    } else {
      out.push(`${indent}${`${title(k)}:`.padEnd(scalarWidth + 2)}${String(v)}`);
    }
  }
}

const isNested = (v: unknown): boolean => v !== null && typeof v === 'object';

function labelsLine(name: string, labels: Record<string, string> | undefined, sep: string): string[] {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return [`${name.padEnd(14)}<none>`];
  return entries.map(([k, v], i) => `${(i === 0 ? name : '').padEnd(14)}${k}${sep}${v}`);
}

interface EventObject {
  type: string;
  reason: string;
  message: string;
  count?: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source?: { component?: string };
  involvedObject: { kind: string; name: string };
}

function eventAge(e: EventObject, now: number): string {
  const last = humanAge(now - Date.parse(e.lastTimestamp));
  return (e.count ?? 1) > 1 ? `${last} (x${e.count} over ${humanAge(now - Date.parse(e.firstTimestamp))})` : last;
}

function eventsSection(events: readonly EventObject[], now: number): string[] {
  if (events.length === 0) return ['Events:  <none>'];
  const sorted = [...events].sort((a, b) => Date.parse(a.lastTimestamp) - Date.parse(b.lastTimestamp));
  const rows = [['Type', 'Reason', 'Age', 'From', 'Message'], ['----', '------', '----', '----', '-------']];
  for (const e of sorted) rows.push([e.type, e.reason, eventAge(e, now), e.source?.component ?? '', e.message]);
  return ['Events:', ...table(rows, 2).split('\n').map((l) => `  ${l}`)];
}

/** `kubectl describe ew NAME`. */
export function printDescribeCustom(obj: KubeObject, events: readonly EventObject[], now: number): string {
  const out: string[] = [`${'Name:'.padEnd(14)}${obj.metadata.name}`, `${'Namespace:'.padEnd(14)}${obj.metadata.namespace}`];
  out.push(...labelsLine('Labels:', obj.metadata.labels, '='));
  out.push(...labelsLine('Annotations:', obj.metadata.annotations, ': '));
  out.push(`${'API Version:'.padEnd(14)}${obj.apiVersion}`, `${'Kind:'.padEnd(14)}${obj.kind}`);
  const { name: _n, namespace: _ns, labels: _l, annotations: _a, ...meta } = obj.metadata;
  for (const [section, value] of [['Metadata', meta], ['Spec', obj.spec], ['Status', obj.status]] as const) {
    if (value === undefined) continue;
    out.push(`${section}:`);
    describeValue(value, '  ', out);
  }
  out.push(...eventsSection(events, now));
  return out.join('\n');
}

/** The end of `kubectl describe service NAME`: its Events. */
export function printServiceEvents(events: readonly EventObject[], now: number): string {
  return eventsSection(events, now).join('\n');
}

/** `kubectl get events --field-selector involvedObject.kind=Service`. */
export function printGetEvents(events: readonly EventObject[], now: number): string {
  const sorted = [...events].sort((a, b) => Date.parse(a.lastTimestamp) - Date.parse(b.lastTimestamp));
  const rows = [['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']];
  for (const e of sorted) {
    rows.push([humanAge(now - Date.parse(e.lastTimestamp)), e.type, e.reason, `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`, e.message]);
  }
  return table(rows);
}

export type { EventObject };
