/**
 * Hand-written protobuf encoding of the two ADS responses. A response is the
 * concatenation of a few small fields and one pre-encoded chunk per resource: the
 * chunk (a `google.protobuf.Any`, or a Delta `Resource` wrapping one) is encoded once
 * per resource version and shared by every stream, so fan-out is a memory copy, not a
 * re-serialization. Field numbers follow proto/envoy/service/discovery/v3/discovery.proto.
 */
import type { EncodedResource } from '../types.js';

const WIRE_LEN = 2;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** One length-delimited field: tag, length, bytes. */
function lenField(field: number, payload: Uint8Array): Buffer {
  const tag = field * 8 + WIRE_LEN;
  const head = varintSize(tag) + varintSize(payload.length);
  const buf = Buffer.allocUnsafe(head + payload.length);
  let pos = writeVarint(buf, 0, tag);
  pos = writeVarint(buf, pos, payload.length);
  buf.set(payload, pos);
  return buf;
}

function stringField(field: number, value: string): Buffer {
  return value === '' ? EMPTY : lenField(field, Buffer.from(value, 'utf8'));
}

const EMPTY = Buffer.alloc(0);

/** `google.protobuf.Any { type_url = 1; value = 2 }` of a resource. */
function encodeAny(res: EncodedResource): Buffer {
  return Buffer.concat([stringField(1, res.typeUrl), lenField(2, res.value)]);
}

// Chunks are cached per resource object: a resource object is immutable and lives as
// long as some snapshot holds it, so the WeakMap frees chunks with their resources.
const sotwChunks = new WeakMap<EncodedResource, Buffer>();
const deltaChunks = new WeakMap<EncodedResource, Buffer>();

/** `DiscoveryResponse.resources` (field 2) entry for `res`, encoded once. */
export function sotwResourceChunk(res: EncodedResource): Buffer {
  let chunk = sotwChunks.get(res);
  if (!chunk) {
    chunk = lenField(2, encodeAny(res));
    sotwChunks.set(res, chunk);
  }
  return chunk;
}

/** `DeltaDiscoveryResponse.resources` (field 2) entry: Resource{name=3, version=1 (content hash), resource=2}. */
export function deltaResourceChunk(res: EncodedResource): Buffer {
  let chunk = deltaChunks.get(res);
  if (!chunk) {
    const resource = Buffer.concat([stringField(1, res.hash), lenField(2, encodeAny(res)), stringField(3, res.name)]);
    chunk = lenField(2, resource);
    deltaChunks.set(res, chunk);
  }
  return chunk;
}

/** The fields of a SotW response. */
export interface SotwResponse {
  readonly versionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: readonly EncodedResource[];
  readonly controlPlane?: string;
}

/** Encode a DiscoveryResponse. */
export function encodeSotwResponse(r: SotwResponse): Buffer {
  const parts: Buffer[] = [stringField(1, r.versionInfo)];
  for (const res of r.resources) parts.push(sotwResourceChunk(res));
  parts.push(stringField(4, r.typeUrl), stringField(5, r.nonce));
  if (r.controlPlane) parts.push(lenField(6, stringField(1, r.controlPlane)));
  return Buffer.concat(parts);
}

/** The fields of a Delta response. */
export interface DeltaResponse {
  readonly systemVersionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: readonly EncodedResource[];
  readonly removed: readonly string[];
  readonly controlPlane?: string;
}

/** Encode a DeltaDiscoveryResponse. */
export function encodeDeltaResponse(r: DeltaResponse): Buffer {
  const parts: Buffer[] = [stringField(1, r.systemVersionInfo)];
  for (const res of r.resources) parts.push(deltaResourceChunk(res));
  parts.push(stringField(4, r.typeUrl), stringField(5, r.nonce));
  for (const name of r.removed) parts.push(lenField(6, Buffer.from(name, 'utf8')));
  if (r.controlPlane) parts.push(lenField(7, stringField(1, r.controlPlane)));
  return Buffer.concat(parts);
}
