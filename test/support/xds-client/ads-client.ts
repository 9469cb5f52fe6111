/**
 * A raw ADS test client: it sends crafted requests and checks EVERY response it receives
 * against the protocol rules (checks.ts). Violations are collected on the stream; tests
 * assert `violations` is empty. Responses are decoded by protobufjs from proto/ (not by
 * the server's hand-written encoder), so the encoder is checked too.
 */
import { credentials as grpcCredentials, makeGenericClientConstructor, Metadata, type ChannelCredentials, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { loadAdsPackageDefinition } from '../../../src/xds/proto/index.js';
import { ADS_SERVICE } from '../../../src/xds/server/ads-definition.js';
import { checkDeltaResponse, checkSotwResponse, type DeltaResponseMsg, type SotwResponseMsg } from './checks.js';

export type { DeltaResponseMsg, SotwResponseMsg } from './checks.js';

export interface NodeSpec {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  client_features?: string[];
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

export const ENVOY_NODE: NodeSpec = { id: 'envoy-1', cluster: 'test', user_agent_name: 'envoy' };
export const GRPC_NODE: NodeSpec = {
  id: 'grpc-1',
  user_agent_name: 'gRPC Node Pure JS',
  client_features: ['envoy.lb.does_not_support_overprovisioning'],
  locality: { zone: 'zone-a' },
};

export interface SotwRequest {
  version_info?: string;
  node?: NodeSpec;
  resource_names?: string[];
  type_url: string;
  response_nonce?: string;
  error_detail?: { code: number; message: string };
}

export interface DeltaRequest {
  node?: NodeSpec;
  type_url: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: { code: number; message: string };
}

export interface EndStatus {
  readonly code: number;
  readonly details: string;
}

type AdsClient = Client & {
  StreamAggregatedResources(md: Metadata): ClientDuplexStream<SotwRequest, SotwResponseMsg>;
  DeltaAggregatedResources(md: Metadata): ClientDuplexStream<DeltaRequest, DeltaResponseMsg>;
};

let ctor: (new (address: string, creds: ChannelCredentials, options?: object) => AdsClient) | undefined;

function clientConstructor() {
  if (!ctor) {
    const service = loadAdsPackageDefinition()[ADS_SERVICE] as unknown as Record<string, MethodDefinition<object, object>>;
    ctor = makeGenericClientConstructor(service, 'AggregatedDiscoveryService') as unknown as typeof ctor;
  }
  if (!ctor) throw new Error('no ADS client constructor');
  return ctor;
}

/** One ADS stream of either variant, with a response queue and protocol checks. */
class CheckedStream<Req, Res extends { nonce: string }> {
  readonly violations: string[] = [];
  readonly received: Res[] = [];
  /** Resolves with the status the stream ended with. */
  readonly ended: Promise<EndStatus>;
  private readonly queue: Res[] = [];
  private waiters: ((r: Res | undefined) => void)[] = [];
  private done = false;
  private readonly nonces = new Set<string>();

  constructor(
    private readonly call: ClientDuplexStream<Req, Res>,
    check: (res: Res, nonces: Set<string>) => string[],
  ) {
    call.on('data', (res: Res) => {
      this.violations.push(...check(res, this.nonces));
      this.received.push(res);
      const waiter = this.waiters.shift();
      if (waiter) waiter(res);
      else this.queue.push(res);
    });
    this.ended = new Promise<EndStatus>((resolve) => {
      call.on('status', (s: { code: number; details: string }) => {
        this.done = true;
        for (const w of this.waiters.splice(0)) w(undefined);
        resolve({ code: s.code, details: s.details });
      });
      call.on('error', (err: ServiceError) => {
        this.done = true;
        for (const w of this.waiters.splice(0)) w(undefined);
        resolve({ code: err.code, details: err.details });
      });
    });
  }

  send(req: Req): void {
    this.call.write(req);
  }

  /** The next response; rejects after `timeoutMs` or when the stream ends. */
  async next(timeoutMs = 5_000): Promise<Res> {
    const queued = this.queue.shift();
    if (queued) return queued;
    if (this.done) throw new Error('stream ended');
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (r: Res | undefined) => {
        clearTimeout(timer);
        if (r) resolve(r);
        else reject(new Error('stream ended'));
      };
      this.waiters.push(waiter);
    });
  }

  /** Assert that no response arrives within `ms`. */
  async expectNone(ms = 300): Promise<void> {
    const queued = this.queue.shift();
    if (queued) throw new Error(`unexpected response ${JSON.stringify(summary(queued))}`);
    const res = await this.next(ms).catch(() => undefined);
    if (res) throw new Error(`unexpected response ${JSON.stringify(summary(res))}`);
  }

  /** Responses received but not yet taken by next(). */
  queued(): number {
    return this.queue.length;
  }

  close(): void {
    if (this.done) return;
    this.call.end();
    this.call.cancel();
  }
}

function summary(res: object): object {
  const r = res as Partial<SotwResponseMsg & DeltaResponseMsg>;
  return { type: r.type_url, nonce: r.nonce, resources: r.resources?.length, removed: r.removed_resources };
}

export type SotwStream = CheckedStream<SotwRequest, SotwResponseMsg>;
export type DeltaStream = CheckedStream<DeltaRequest, DeltaResponseMsg>;

/** A connection to an ADS server; each `sotw()`/`delta()` opens a new stream on it. */
export class AdsTestClient {
  private readonly client: AdsClient;
  private readonly streams: { close(): void }[] = [];

  constructor(address: string, creds: ChannelCredentials = grpcCredentials.createInsecure(), options: object = {}) {
    const Ctor = clientConstructor();
    this.client = new Ctor(address, creds, { 'grpc.max_receive_message_length': 64 * 1024 * 1024, ...options });
  }

  sotw(): SotwStream {
    const s = new CheckedStream<SotwRequest, SotwResponseMsg>(this.client.StreamAggregatedResources(new Metadata()), checkSotwResponse);
    this.streams.push(s);
    return s;
  }

  delta(): DeltaStream {
    const s = new CheckedStream<DeltaRequest, DeltaResponseMsg>(this.client.DeltaAggregatedResources(new Metadata()), checkDeltaResponse);
    this.streams.push(s);
    return s;
  }

  close(): void {
    for (const s of this.streams) s.close();
    this.client.close();
  }
}
