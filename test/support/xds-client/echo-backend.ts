/**
 * A tiny gRPC backend for xDS tests: one unary method, `/weir.test.Echo/Who`, that
 * answers with the backend's name. Raw-bytes serializers: no proto needed on either side.
 */
import { Client, Server, ServerCredentials, credentials, type ServiceDefinition, type ChannelOptions } from '@grpc/grpc-js';

export const WHO_PATH = '/weir.test.Echo/Who';

const identity = (b: Buffer) => b;

const ECHO_SERVICE: ServiceDefinition = {
  Who: {
    path: WHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface EchoBackend {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Calls served so far. */
  served(): number;
  stop(): Promise<void>;
}

/** Start a backend named `name` on `host`:0. */
export async function startEchoBackend(name: string, host = '127.0.0.1'): Promise<EchoBackend> {
  const server = new Server();
  let served = 0;
  const reply = Buffer.from(name, 'utf8');
  server.addService(ECHO_SERVICE, {
    Who: (_call: unknown, callback: (err: null, value: Buffer) => void) => {
      served++;
      callback(null, reply);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    name,
    host,
    port,
    served: () => served,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** A client of `target` (e.g. `xds:///s.default:80`) that asks which backend answered. */
export class WhoClient {
  private readonly client: Client;

  constructor(target: string, options: ChannelOptions = {}) {
    this.client = new Client(target, credentials.createInsecure(), options);
  }

  /** One call; resolves with the backend's name. */
  who(deadlineMs = 5_000): Promise<string> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        WHO_PATH,
        identity,
        identity,
        Buffer.alloc(0),
        { deadline: Date.now() + deadlineMs },
        (err, value) => (err || !value ? reject(err ?? new Error('empty reply')) : resolve(value.toString('utf8'))),
      );
    });
  }

  /** `n` calls, `concurrency` at a time; returns the count per backend name. */
  async spread(n: number, concurrency = 32): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let started = 0;
    const worker = async () => {
      while (started < n) {
        started++;
        const name = await this.who();
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, () => worker()));
    return counts;
  }

  close(): void {
    this.client.close();
  }
}

/**
 * Pearson's chi-square statistic of `observed` counts against `weights` (expected
 * shares proportional to the weights).
 */
export function chiSquare(observed: readonly number[], weights: readonly number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  const wsum = weights.reduce((a, b) => a + b, 0);
  return observed.reduce((stat, o, i) => {
    const e = (total * (weights[i] ?? 0)) / wsum;
    return stat + (o - e) ** 2 / e;
  }, 0);
}

/** Critical values of chi-square at significance 0.001, by degrees of freedom. */
export const CHI2_CRITICAL_0_001: Readonly<Record<number, number>> = { 1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467 };
