/**
 * A tiny protobuf wire-format reader for tests: enough to read the resource name
 * (field 1 of Cluster, ClusterLoadAssignment, Listener, RouteConfiguration) and the
 * weights of a ClusterLoadAssignment without depending on how the resources were built.
 */

/** Field number → every value seen, in order (varints as numbers, length-delimited as bytes). */
export type WireFields = Map<number, (number | Uint8Array)[]>;

export function readFields(buf: Uint8Array): WireFields {
  const fields: WireFields = new Map();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++] ?? 0;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
      if (mul > 2 ** 63) throw new Error('varint too long');
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error(`field ${field}: length ${len} past the end`);
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 1) {
      pos += 8;
      value = 0;
    } else if (wire === 5) {
      pos += 4;
      value = 0;
    } else throw new Error(`unsupported wire type ${wire}`);
    const list = fields.get(field) ?? [];
    list.push(value);
    fields.set(field, list);
  }
  return fields;
}

export function bytesField(fields: WireFields, n: number): Uint8Array[] {
  return (fields.get(n) ?? []).filter((v): v is Uint8Array => v instanceof Uint8Array);
}

export function stringField(fields: WireFields, n: number): string | undefined {
  const v = bytesField(fields, n)[0];
  return v === undefined ? undefined : Buffer.from(v).toString('utf8');
}

export function varintField(fields: WireFields, n: number): number | undefined {
  const v = (fields.get(n) ?? []).find((x): x is number => typeof x === 'number');
  return v;
}

/** The name (field 1) of an encoded Cluster, ClusterLoadAssignment, Listener or RouteConfiguration. */
export function resourceName(value: Uint8Array): string {
  return stringField(readFields(value), 1) ?? '';
}

/** A UInt32Value wrapper field (`{ value = 1 }`), undefined when unset. */
export function uint32Wrapper(fields: WireFields, n: number): number | undefined {
  const inner = bytesField(fields, n)[0];
  if (inner === undefined) return undefined;
  return varintField(readFields(inner), 1) ?? 0;
}

export interface ClaSummary {
  readonly clusterName: string;
  readonly localities: readonly {
    readonly zone: string | undefined;
    readonly hasLocality: boolean;
    readonly weight: number | undefined;
    readonly priority: number;
    readonly endpoints: readonly { readonly address: string; readonly port: number; readonly weight: number | undefined }[];
  }[];
}

/** Decode the parts of a ClusterLoadAssignment the protocol rules are about. */
export function readCla(value: Uint8Array): ClaSummary {
  const cla = readFields(value);
  const localities = bytesField(cla, 2).map((raw) => {
    const lle = readFields(raw);
    const locality = bytesField(lle, 1)[0];
    const endpoints = bytesField(lle, 2).map((rawEp) => {
      const lbe = readFields(rawEp);
      const endpoint = readFields(bytesField(lbe, 1)[0] ?? new Uint8Array());
      const address = readFields(bytesField(endpoint, 1)[0] ?? new Uint8Array());
      const socket = readFields(bytesField(address, 1)[0] ?? new Uint8Array());
      return {
        address: stringField(socket, 2) ?? '',
        port: varintField(socket, 3) ?? 0,
        weight: uint32Wrapper(lbe, 4),
      };
    });
    return {
      zone: locality ? stringField(readFields(locality), 2) : undefined,
      hasLocality: locality !== undefined,
      weight: uint32Wrapper(lle, 3),
      priority: varintField(lle, 5) ?? 0,
      endpoints,
    };
  });
  return { clusterName: stringField(cla, 1) ?? '', localities };
}
