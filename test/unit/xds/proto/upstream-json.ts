/**
 * A strict checker of Envoy configuration in proto3 JSON/YAML form against the upstream
 * message descriptors. protobufjs' `fromObject` silently drops unknown fields, which is
 * exactly what must not pass here, so this walks the object itself: every key must be a
 * field (by its proto name or its lowerCamelCase JSON name, both of which Envoy accepts),
 * every value must have the field's JSON shape, oneofs hold at most one member, and
 * google.protobuf.Any is resolved by its `@type` and checked in turn.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import protobuf from 'protobufjs';

import { loadUpstream, upstreamFile } from './upstream.js';

const WRAPPERS: Readonly<Record<string, string>> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/** Checks Envoy JSON against upstream descriptors; collects every problem with its path. */
export class EnvoyJsonChecker {
  private readonly root: protobuf.Root;
  private readonly loadedDirs = new Set<string>();

  /** `files`: upstream proto files to preload (relative to the include dirs). */
  constructor(files: readonly string[]) {
    this.root = loadUpstream(files);
  }

  /** Every problem found in `value` as message `fullName`; empty when it is valid. */
  check(fullName: string, value: unknown): string[] {
    const problems: string[] = [];
    this.message(this.root.lookupType(fullName), value, '', problems);
    return problems;
  }

  /**
   * The type named by an Any's `@type`. Types not loaded yet are looked for in the
   * upstream directory of their package (envoy.a.b.v3.X → envoy/a/b/v3/*.proto), the
   * way a type URL names an extension Envoy was built with.
   */
  private resolveTypeUrl(typeUrl: string): protobuf.Type | undefined {
    const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const found = this.root.lookup(name);
    if (found instanceof protobuf.Type) {
      return found;
    }
    const dir = name.split('.').slice(0, -1).join('/');
    if (this.loadedDirs.has(dir)) {
      return undefined;
    }
    this.loadedDirs.add(dir);
    const fullDir = upstreamFile(dir);
    if (fullDir === undefined) {
      return undefined;
    }
    // The root resolves imports against the include dirs, and skips files it already has.
    this.root.loadSync(
      readdirSync(fullDir)
        .filter((f) => f.endsWith('.proto'))
        .map((f) => join(fullDir, f)),
      { keepCase: true },
    );
    this.root.resolveAll();
    const loaded = this.root.lookup(name);
    return loaded instanceof protobuf.Type ? loaded : undefined;
  }

  private message(type: protobuf.Type, value: unknown, path: string, problems: string[]): void {
    const full = type.fullName;
    if (value === null) {
      return;
    }
    switch (full) {
      case '.google.protobuf.Duration':
        if (typeof value !== 'string' || !DURATION.test(value)) {
          problems.push(`${path}: expected a duration like "1.5s", got ${JSON.stringify(value)}`);
        }
        return;
      case '.google.protobuf.Timestamp':
        if (typeof value !== 'string' || !TIMESTAMP.test(value)) {
          problems.push(`${path}: expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
        }
        return;
      case '.google.protobuf.FieldMask':
        if (typeof value !== 'string') {
          problems.push(`${path}: expected a field mask string, got ${describe(value)}`);
        }
        return;
      case '.google.protobuf.Struct':
        if (!isObject(value)) {
          problems.push(`${path}: expected an object, got ${describe(value)}`);
        }
        return;
      case '.google.protobuf.ListValue':
        if (!Array.isArray(value)) {
          problems.push(`${path}: expected an array, got ${describe(value)}`);
        }
        return;
      case '.google.protobuf.Value':
        return;
      case '.google.protobuf.Any':
        this.any(value, path, problems);
        return;
    }
    const wrapped = WRAPPERS[full];
    if (wrapped !== undefined) {
      this.scalar(wrapped, value, path, problems);
      return;
    }
    if (!isObject(value)) {
      problems.push(`${path}: expected an object for ${full.slice(1)}, got ${describe(value)}`);
      return;
    }
    this.fields(type, value, path, problems, new Set());
  }

  private fields(type: protobuf.Type, value: Record<string, unknown>, path: string, problems: string[], skip: Set<string>): void {
    const byName = new Map<string, protobuf.Field>();
    for (const field of type.fieldsArray) {
      byName.set(field.name, field);
      byName.set(lowerCamel(field.name), field);
    }
    const oneofSeen = new Map<string, string>();
    for (const [key, fieldValue] of Object.entries(value)) {
      if (skip.has(key)) {
        continue;
      }
      const here = path === '' ? key : `${path}.${key}`;
      const field = byName.get(key);
      if (field === undefined) {
        problems.push(`${here}: unknown field of ${type.fullName.slice(1)}`);
        continue;
      }
      if (field.partOf !== null && fieldValue !== null) {
        const other = oneofSeen.get(field.partOf.name);
        if (other !== undefined) {
          problems.push(`${here}: oneof ${field.partOf.name} already set by ${other}`);
        }
        oneofSeen.set(field.partOf.name, key);
      }
      this.field(field, fieldValue, here, problems);
    }
  }

  private field(field: protobuf.Field, value: unknown, path: string, problems: string[]): void {
    if (value === null) {
      return;
    }
    if (field instanceof protobuf.MapField) {
      if (!isObject(value)) {
        problems.push(`${path}: expected an object (map), got ${describe(value)}`);
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        if (field.keyType !== 'string' && !/^(-?\d+|true|false)$/.test(k)) {
          problems.push(`${path}[${k}]: map key is not a ${field.keyType}`);
        }
        this.single(field, v, `${path}[${k}]`, problems);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        problems.push(`${path}: expected an array, got ${describe(value)}`);
        return;
      }
      value.forEach((v, i) => this.single(field, v, `${path}[${i}]`, problems));
      return;
    }
    this.single(field, value, path, problems);
  }

  private single(field: protobuf.Field, value: unknown, path: string, problems: string[]): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, value, path, problems);
    } else if (resolved instanceof protobuf.Enum) {
      if (resolved.fullName === '.google.protobuf.NullValue') {
        return;
      }
      const ok = typeof value === 'string' ? value in resolved.values : Number.isInteger(value) && Object.values(resolved.values).includes(value as number);
      if (!ok) {
        problems.push(`${path}: ${JSON.stringify(value)} is not a value of ${resolved.fullName.slice(1)}`);
      }
    } else {
      this.scalar(field.type, value, path, problems);
    }
  }

  private scalar(type: string, value: unknown, path: string, problems: string[]): void {
    const fail = (): void => {
      problems.push(`${path}: expected ${type}, got ${JSON.stringify(value)}`);
    };
    switch (type) {
      case 'string':
        if (typeof value !== 'string') fail();
        return;
      case 'bytes':
        if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) fail();
        return;
      case 'bool':
        if (typeof value !== 'boolean') fail();
        return;
      case 'double':
      case 'float':
        if (typeof value !== 'number' && !(typeof value === 'string' && /^(NaN|-?Infinity|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(value))) fail();
        return;
      default: {
        // Integer types: a number, or a decimal string (the JSON form of 64-bit values).
        const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
        const unsigned = type.startsWith('uint') || type.startsWith('fixed');
        const bits = type.endsWith('64') ? 64 : 32;
        const max = bits === 64 ? Number.MAX_SAFE_INTEGER : unsigned ? 2 ** 32 - 1 : 2 ** 31 - 1;
        const min = unsigned ? 0 : bits === 64 ? Number.MIN_SAFE_INTEGER : -(2 ** 31);
        if (!Number.isInteger(n) || n < min || n > max) fail();
      }
    }
  }

  private any(value: unknown, path: string, problems: string[]): void {
    if (!isObject(value)) {
      problems.push(`${path}: expected an object with "@type", got ${describe(value)}`);
      return;
    }
    const typeUrl = value['@type'];
    if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) {
      problems.push(`${path}: Any without a valid "@type"`);
      return;
    }
    const type = this.resolveTypeUrl(typeUrl);
    if (type === undefined) {
      problems.push(`${path}: unknown type ${typeUrl}`);
      return;
    }
    const special = type.fullName.startsWith('.google.protobuf.') && (type.fullName in WRAPPERS || ['.google.protobuf.Duration', '.google.protobuf.Timestamp', '.google.protobuf.Struct', '.google.protobuf.Value', '.google.protobuf.ListValue', '.google.protobuf.FieldMask', '.google.protobuf.Any'].includes(type.fullName));
    if (special) {
      // Well-known types with a special JSON form sit under "value".
      for (const key of Object.keys(value)) {
        if (key !== '@type' && key !== 'value') {
          problems.push(`${path}.${key}: unknown field of ${type.fullName.slice(1)} in Any`);
        }
      }
      this.message(type, value.value, `${path}.value`, problems);
      return;
    }
    this.fields(type, value, path, problems, new Set(['@type']));
  }
}
