/**
 * The real Envoy API: the upstream protos that @grpc/grpc-js-xds ships under deps/,
 * loaded with protobufjs for the conformance tests of proto/ and of deploy/envoy.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';

import protobuf from 'protobufjs';
// Registers google/protobuf/descriptor.proto and friends with protobufjs, which the
// upstream validate/udpa annotation protos import.
import '@grpc/proto-loader';

const require = createRequire(import.meta.url);
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

/** The include directories, in the order grpc-js-xds itself uses them. */
export const UPSTREAM_INCLUDE_DIRS: readonly string[] = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) =>
  join(DEPS, d),
);

/** The path of `relative` in the first include directory that has it, or undefined. */
export function upstreamFile(relative: string): string | undefined {
  for (const dir of UPSTREAM_INCLUDE_DIRS) {
    const full = join(dir, relative);
    if (existsSync(full)) {
      return full;
    }
  }
  return undefined;
}

/** Loads upstream files (paths relative to the include dirs) into one resolved Root. */
export function loadUpstream(files: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target)) {
      return target;
    }
    // Unknown to every include dir: google/protobuf/* well-known types, which protobufjs
    // resolves from its bundled copies when given the bare name.
    return upstreamFile(target) ?? target;
  };
  root.loadSync(
    files.map((f) => upstreamFile(f) ?? f),
    { keepCase: true },
  );
  root.resolveAll();
  return root;
}
