/**
 * The bench's client process: opens its share of ADS streams (SotW or Delta), behaves
 * like Envoy (CDS wildcard, then EDS for every cluster, ACK everything), and reports
 * when each stream received a given EDS version. Responses are not decoded beyond their
 * top-level fields, so the clients spend as little CPU as possible (they share the
 * machine with the server under test).
 */
import { Client, credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { loadAdsPackageDefinition } from '../../src/xds/proto/index.js';
import { TYPE_URL } from '../../src/xds/types.js';
import { epochNow, type StartMessage, type ToClient, type ToServer } from './protocol.js';

const ADS = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
const NODE = { id: 'bench', cluster: 'bench', user_agent_name: 'envoy' };

interface Top {
  version: string;
  typeUrl: string;
  nonce: string;
}

/** Read fields 1 (version), 4 (type_url) and 5 (nonce) of a (Delta)DiscoveryResponse. */
function readTop(buf: Buffer): Top {
  const top: Top = { version: '', typeUrl: '', nonce: '' };
  let pos = 0;
  const varint = () => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++] ?? 0;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const wire = tag & 7;
    const field = tag >>> 3;
    if (wire === 0) {
      varint();
      continue;
    }
    if (wire !== 2) throw new Error(`unexpected wire type ${wire}`);
    const len = varint();
    if (field === 1 || field === 4 || field === 5) {
      const s = buf.toString('utf8', pos, pos + len);
      if (field === 1) top.version = s;
      else if (field === 4) top.typeUrl = s;
      else top.nonce = s;
    }
    pos += len;
  }
  return top;
}

const EMPTY = Buffer.alloc(0);

function lenField(field: number, payload: Buffer): Buffer {
  const head: number[] = [field * 8 + 2];
  let n = payload.length;
  while (n >= 0x80) {
    head.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  head.push(n);
  return Buffer.concat([Buffer.from(head), payload]);
}

let cachedNames: { names: readonly string[]; block: Buffer } | undefined;

/** `resource_names` (field 3) of a DiscoveryRequest, encoded once: an Envoy does not re-serialize them either. */
function namesBlock(names: readonly string[]): Buffer {
  if (cachedNames?.names !== names) cachedNames = { names, block: Buffer.concat(names.map((n) => lenField(3, Buffer.from(n)))) };
  return cachedNames.block;
}

/** A SotW ACK: version_info, resource_names, type_url, response_nonce. */
function encodeSotwAck(top: Top, names: Buffer): Buffer {
  return Buffer.concat([lenField(1, Buffer.from(top.version)), names, lenField(4, Buffer.from(top.typeUrl)), lenField(5, Buffer.from(top.nonce))]);
}

interface BenchStream {
  readonly variant: 'sotw' | 'delta';
  /** EDS version → arrival time. */
  readonly arrivals: Map<string, number>;
  synced: boolean;
}

let stopped = false;
const send = (msg: ToServer) => {
  if (!stopped && process.connected) process.send?.(msg);
};

function methods() {
  const service = loadAdsPackageDefinition()[ADS] as unknown as Record<string, MethodDefinition<object, object>>;
  const sotw = service.StreamAggregatedResources;
  const delta = service.DeltaAggregatedResources;
  if (!sotw || !delta) throw new Error('ADS methods missing');
  return { sotw, delta };
}

function open(client: Client, variant: 'sotw' | 'delta', names: readonly string[], onSynced: () => void): BenchStream {
  const m = methods()[variant];
  const stream: BenchStream = { variant, arrivals: new Map(), synced: false };
  const call: ClientDuplexStream<object, Buffer> = client.makeBidiStreamRequest(
    m.path,
    // Pre-encoded requests (ACKs) pass through; others go through proto-loader.
    (req: object) => (Buffer.isBuffer(req) ? req : m.requestSerialize(req)),
    (b: Buffer) => b,
    new Metadata(),
  );
  let edsSubscribed = false;
  call.on('data', (buf: Buffer) => {
    const top = readTop(buf);
    if (top.typeUrl === TYPE_URL.ENDPOINT) {
      if (!stream.arrivals.has(top.version)) stream.arrivals.set(top.version, epochNow());
      if (!stream.synced) {
        stream.synced = true;
        onSynced();
      }
    }
    if (variant === 'sotw') {
      const resourceNames = top.typeUrl === TYPE_URL.ENDPOINT ? names : [];
      call.write(encodeSotwAck(top, top.typeUrl === TYPE_URL.ENDPOINT ? namesBlock(resourceNames) : EMPTY));
    } else {
      call.write({ type_url: top.typeUrl, response_nonce: top.nonce });
    }
    if (top.typeUrl === TYPE_URL.CLUSTER && !edsSubscribed) {
      // Like Envoy: EDS for the clusters once CDS has arrived.
      edsSubscribed = true;
      if (variant === 'sotw') call.write({ type_url: TYPE_URL.ENDPOINT, resource_names: names });
      else call.write({ type_url: TYPE_URL.ENDPOINT, resource_names_subscribe: names });
    }
  });
  call.on('error', (err: Error) => send({ kind: 'failed', error: `stream error: ${err.message}` }));
  if (variant === 'sotw') call.write({ node: NODE, type_url: TYPE_URL.CLUSTER, resource_names: [] });
  else call.write({ node: NODE, type_url: TYPE_URL.CLUSTER });
  return stream;
}

let streams: BenchStream[] = [];
const clients: Client[] = [];

async function start(msg: StartMessage): Promise<void> {
  let channel: Client | undefined;
  for (let i = 0; i < msg.variants.length; i += msg.rampBatch) {
    const batch = msg.variants.slice(i, i + msg.rampBatch);
    let pending = batch.length;
    await new Promise<void>((resolve) => {
      batch.forEach((variant, j) => {
        const index = i + j;
        if (index % msg.streamsPerChannel === 0 || !channel) {
          // A distinct channel option gives each group its own connection.
          // Envoy's HTTP/2 windows are large (256 MiB per stream by default); grpc-js's are
          // 64 KiB, which would make the initial sync a string of WINDOW_UPDATE round trips.
          channel = new Client(msg.address, credentials.createInsecure(), {
            'weir.bench.channel': index,
            'grpc.max_receive_message_length': 64 << 20,
            'grpc-node.flow_control_window': 16 << 20,
          });
          clients.push(channel);
        }
        streams.push(
          open(channel, variant, msg.names, () => {
            if (--pending === 0) resolve();
          }),
        );
      });
    });
  }
  send({ kind: 'ready', syncedAt: epochNow() });
}

async function awaitVersion(version: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !streams.every((s) => s.arrivals.has(version))) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const times = (variant: 'sotw' | 'delta') => streams.filter((s) => s.variant === variant).map((s) => s.arrivals.get(version) ?? NaN);
  send({ kind: 'arrived', version, sotw: times('sotw'), delta: times('delta') });
}

process.on('message', (msg: ToClient) => {
  const run = async () => {
    if (msg.kind === 'start') await start(msg);
    else if (msg.kind === 'await') await awaitVersion(msg.version, msg.timeoutMs);
    else {
      stopped = true;
      for (const c of clients) c.close();
      streams = [];
      process.disconnect();
    }
  };
  run().catch((err: unknown) => send({ kind: 'failed', error: String(err) }));
});
