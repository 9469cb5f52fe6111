/**
 * One face for both protocol variants, so the cases XDS.md marks B (both) run the
 * same steps over SotW and Delta. SotW subscriptions carry the full name list; Delta
 * ones the names added.
 */
import type { DeltaResponseMsg, DeltaStream, NodeSpec, SotwResponseMsg, SotwStream } from '../../support/xds-client/ads-client.js';
import { resourceName } from '../../support/xds-client/wire-reader.js';
import type { Harness } from './harness.js';

export interface Reply {
  readonly typeUrl: string;
  readonly nonce: string;
  /** Resource names in the response, in order. */
  readonly names: readonly string[];
  /** The raw resource bodies, by name. */
  readonly bodies: ReadonlyMap<string, Buffer>;
  readonly removed: readonly string[];
  readonly raw: SotwResponseMsg | DeltaResponseMsg;
}

export interface VariantStream {
  /** First request for `type`; `names` is the full set (SotW) or the names to subscribe (Delta). */
  subscribe(type: string, names: readonly string[], node?: NodeSpec): void;
  ack(reply: Reply): void;
  nack(reply: Reply, message: string): void;
  next(timeoutMs?: number): Promise<Reply>;
  expectNone(ms?: number): Promise<void>;
  readonly violations: readonly string[];
  readonly ended: Promise<{ code: number; details: string }>;
  /** Send a raw request with the given type_url and nothing else. */
  sendRawType(typeUrl: string, node?: NodeSpec): void;
}

export type VariantName = 'sotw' | 'delta';

export function openVariant(h: Harness, variant: VariantName): VariantStream {
  return variant === 'sotw' ? sotw(h.client().sotw()) : delta(h.client().delta());
}

function sotw(s: SotwStream): VariantStream {
  const subs = new Map<string, readonly string[]>();
  const toReply = (r: SotwResponseMsg): Reply => {
    const bodies = new Map(r.resources.map((a) => [resourceName(a.value), a.value]));
    return { typeUrl: r.type_url, nonce: r.nonce, names: [...bodies.keys()], bodies, removed: [], raw: r };
  };
  return {
    subscribe(type, names, node) {
      subs.set(type, names);
      s.send({ node, type_url: type, resource_names: [...names] });
    },
    ack(reply) {
      const raw = reply.raw as SotwResponseMsg;
      s.send({ type_url: raw.type_url, version_info: raw.version_info, response_nonce: raw.nonce, resource_names: [...(subs.get(raw.type_url) ?? [])] });
    },
    nack(reply, message) {
      const raw = reply.raw as SotwResponseMsg;
      s.send({
        type_url: raw.type_url,
        version_info: raw.version_info,
        response_nonce: raw.nonce,
        resource_names: [...(subs.get(raw.type_url) ?? [])],
        error_detail: { code: 3, message },
      });
    },
    next: async (ms) => toReply(await s.next(ms)),
    expectNone: (ms) => s.expectNone(ms),
    get violations() {
      return s.violations;
    },
    ended: s.ended,
    sendRawType(typeUrl, node) {
      s.send({ node, type_url: typeUrl });
    },
  };
}

function delta(s: DeltaStream): VariantStream {
  const toReply = (r: DeltaResponseMsg): Reply => {
    const bodies = new Map(r.resources.map((res) => [res.name, res.resource?.value ?? Buffer.alloc(0)]));
    return { typeUrl: r.type_url, nonce: r.nonce, names: [...bodies.keys()], bodies, removed: r.removed_resources, raw: r };
  };
  return {
    subscribe(type, names, node) {
      s.send({ node, type_url: type, resource_names_subscribe: [...names] });
    },
    ack(reply) {
      s.send({ type_url: reply.typeUrl, response_nonce: reply.nonce });
    },
    nack(reply, message) {
      s.send({ type_url: reply.typeUrl, response_nonce: reply.nonce, error_detail: { code: 3, message } });
    },
    next: async (ms) => toReply(await s.next(ms)),
    expectNone: (ms) => s.expectNone(ms),
    get violations() {
      return s.violations;
    },
    ended: s.ended,
    sendRawType(typeUrl, node) {
      s.send({ node, type_url: typeUrl });
    },
  };
}
