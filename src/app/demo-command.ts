/**
 * `weir demo`: validates the demo's flags, runs the demo (src/demo), prints where to look,
 * and stops everything on Ctrl-C. A missing Prometheus prints the exact install command.
 */
import { describeDemo, runDemo } from '../demo/index.js';
import { isWeirError } from '../lib/errors.js';
import type { CliIo } from './cli.js';

export async function runDemoCommand(
  opts: { httpPort: string; xdsPort: string },
  io: CliIo,
  untilSignal: (stop: () => Promise<void>) => Promise<number>,
): Promise<number> {
  const httpPort = port(opts.httpPort);
  const xdsPort = port(opts.xdsPort);
  const bad = [
    ...(httpPort === undefined ? [`--http-port = "${opts.httpPort}": must be a port number (0-65535)`] : []),
    ...(xdsPort === undefined ? [`--xds-port = "${opts.xdsPort}": must be a port number (0-65535)`] : []),
  ];
  if (bad.length > 0) {
    io.stderr('weir demo: invalid flags:');
    for (const b of bad) io.stderr(`  ${b}`);
    return 2;
  }
  try {
    const demo = await runDemo({ httpPort: httpPort!, xdsPort: xdsPort!, say: (line) => io.stderr(line) });
    for (const line of describeDemo(demo)) process.stdout.write(`${line}\n`);
    return await untilSignal(() => demo.stop());
  } catch (err) {
    io.stderr(`weir demo: ${err instanceof Error ? err.message : String(err)}`);
    if (isWeirError(err)) for (const d of err.details) io.stderr(`  ${d}`);
    return 1;
  }
}

function port(v: string): number | undefined {
  if (!/^\d{1,5}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= 65535 ? n : undefined;
}
