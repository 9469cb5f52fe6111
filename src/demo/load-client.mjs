// The demo's traffic: a real proxyless gRPC xDS client (@grpc/grpc-js-xds) sending a
// steady open-loop load to `xds:///S.N:P` through the weights weir serves.
//
// It runs in a CHILD process because grpc-js-xds reads its bootstrap
// (GRPC_XDS_BOOTSTRAP_CONFIG, set by the parent) once per process. Plain JavaScript so
// that it runs under plain `node`, from the source tree and from a build alike.
//
// Protocol over the IPC channel:
//   parent → child  { type: 'start', target, protoRoot, protoFile, rps, deadlineMs, reportMs }
//                   { type: 'stop' }
//   child → parent  { type: 'counts', at, sent, ok: { backend: n }, failed: { backend: n } }
//                   (counts since the previous report; calls failing without a backend's
//                   name are counted under '(none)')
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import * as protoLoader from '@grpc/proto-loader';

const NONE = '(none)';

let client;
let schedule;
let report;
let stopping = false;
let sent = 0;
let ok = {};
let failed = {};

function count(table, backend) {
  table[backend] = (table[backend] ?? 0) + 1;
}

// A failure names its backend when the backend itself answered ("backend-2: injected failure").
function backendOfError(err) {
  const m = /^([\w.-]+): /.exec(err?.details ?? '');
  return m ? m[1] : NONE;
}

function flush() {
  if (!process.connected) return;
  process.send({ type: 'counts', at: Date.now(), sent, ok, failed });
  sent = 0;
  ok = {};
  failed = {};
}

function start(msg) {
  grpcXds.register();
  const definition = protoLoader.loadSync(msg.protoFile, { includeDirs: [msg.protoRoot], keepCase: true, defaults: true });
  const Backend = grpc.loadPackageDefinition(definition).weir.demo.v1.Backend;
  client = new Backend(msg.target, grpc.credentials.createInsecure());

  // Open loop: calls leave on schedule whether or not earlier ones have answered, as
  // real users do; a slow backend therefore builds a queue instead of slowing the load.
  const intervalMs = 20;
  let due = 0;
  let last = performance.now();
  schedule = setInterval(() => {
    const now = performance.now();
    due += ((now - last) * msg.rps) / 1000;
    last = now;
    for (; due >= 1; due -= 1) {
      sent += 1;
      client.Call({ client: 'weir-demo' }, new grpc.Metadata(), { deadline: Date.now() + msg.deadlineMs }, (err, reply) => {
        if (err) count(failed, backendOfError(err));
        else count(ok, reply?.backend || NONE);
      });
    }
  }, intervalMs);
  report = setInterval(flush, msg.reportMs);
}

function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(schedule);
  clearInterval(report);
  flush();
  try {
    client?.close();
  } catch {
    // Closing a channel that never connected is fine.
  }
  process.exit(0);
}

process.on('message', (msg) => {
  if (msg?.type === 'start') start(msg);
  else if (msg?.type === 'stop') stop();
});
// The parent going away (crash, kill -9) closes the channel: never outlive it.
process.on('disconnect', stop);
// Ctrl-C reaches the whole process group; the parent decides when this child stops.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', stop);
