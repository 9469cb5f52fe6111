import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ERROR_CODES, WeirError } from '../../lib/errors.js';

/** The proto file of the backend service, relative to the package's `proto/` folder. */
export const BACKEND_PROTO_FILE = 'weir/demo/v1/backend.proto';

/** Full method path of the one RPC, e.g. for interceptors and logs. */
export const BACKEND_CALL_PATH = '/weir.demo.v1.Backend/Call';

/** Request and reply of `weir.demo.v1.Backend/Call` (proto field names kept). */
export interface CallRequest {
  client: string;
}
export interface CallReply {
  backend: string;
}

/** The generated client class: `new BackendClient(target, credentials, options)`. */
export interface BackendClientConstructor {
  new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions): BackendClient;
  readonly service: grpc.ServiceDefinition;
}

/** A client of the backend service, as made by {@link BackendClientConstructor}. */
export interface BackendClient extends grpc.Client {
  Call(
    request: CallRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, reply?: CallReply) => void,
  ): grpc.ClientUnaryCall;
}

/**
 * Finds `proto/` by walking up from this module: the file sits at src/demo/backend/ when
 * run from source and at dist/src/demo/backend/ when built, so the depth differs.
 * Bounded to 8 levels.
 */
export function findProtoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i += 1) {
    const candidate = path.join(dir, 'proto');
    if (existsSync(path.join(candidate, BACKEND_PROTO_FILE))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new WeirError(ERROR_CODES.MISSING_PREREQUISITE, `cannot find proto/${BACKEND_PROTO_FILE} above this module`);
}

let cached: { service: grpc.ServiceDefinition; BackendClient: BackendClientConstructor } | undefined;

/** Loads (once per process) the service definition for servers and the client class. */
export function loadBackendService(): { service: grpc.ServiceDefinition; BackendClient: BackendClientConstructor } {
  if (cached) return cached;
  const definition = protoLoader.loadSync(BACKEND_PROTO_FILE, {
    includeDirs: [findProtoRoot()],
    keepCase: true,
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition);
  const ctor = lookup(lookup(lookup(lookup(loaded, 'weir'), 'demo'), 'v1'), 'Backend');
  if (typeof ctor !== 'function' || !('service' in ctor)) {
    throw new WeirError(ERROR_CODES.MISSING_PREREQUISITE, 'weir.demo.v1.Backend not found in the loaded proto');
  }
  // proto-loader's classes are untyped; this is the one place where the generated class
  // meets its hand-written type (the proto above is the contract).
  const BackendClient = ctor as unknown as BackendClientConstructor;
  cached = { service: BackendClient.service, BackendClient };
  return cached;
}

function lookup(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null || typeof obj === 'function'
    ? (obj as Record<string, unknown>)[key]
    : undefined;
}
