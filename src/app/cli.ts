/**
 * The `weir` command line: `weir start` (the controller) and `weir demo` (the local,
 * no-cluster demo). Parses flags with commander, validates them into a WeirConfig, and
 * hands over to the composition root. Exit codes: 0 clean stop, 1 runtime failure,
 * 2 invalid configuration.
 */
import { Command, Option } from 'commander';
import { isWeirError } from '../lib/errors.js';
import { createRootLogger } from '../lib/log.js';
import { parseConfig, START_FLAGS } from './config.js';
import { VERSION } from './version.js';

export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: (line: string) => void;
}

/** Run the CLI; resolves with the process exit code once the command has finished. */
export async function runCli(io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('weir')
    .description('Feedback-driven load balancing: Prometheus signals in, per-endpoint weights out over xDS.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => io.stderr(s.trimEnd()) });

  const start = program.command('start').description('run the controller');
  for (const f of START_FLAGS) {
    const opt = new Option(`--${f.flag} <${f.arg ?? 'value'}>`, `${f.help} [env ${f.env}]${f.default !== undefined && f.default !== '' ? ` (default: ${f.default})` : ''}`);
    start.addOption(opt);
  }
  start.action(async (opts: Record<string, string | undefined>) => {
    const flags: Record<string, string | undefined> = {};
    for (const f of START_FLAGS) flags[f.flag] = opts[camel(f.flag)];
    const parsed = parseConfig(flags, io.env);
    if (!parsed.valid) {
      io.stderr('weir: invalid configuration:');
      for (const e of parsed.errors) io.stderr(`  ${e}`);
      exitCode = 2;
      return;
    }
    const log = createRootLogger({ level: parsed.result.logLevel });
    const { startWeir } = await import('./weir.js');
    try {
      const weir = await startWeir(parsed.result, { log });
      exitCode = await untilSignal(async () => weir.stop());
    } catch (err) {
      log.fatal({ err, code: isWeirError(err) ? err.code : undefined, details: isWeirError(err) ? err.details : undefined }, 'weir failed to start');
      if (isWeirError(err)) {
        io.stderr(`weir: ${err.message}`);
        for (const d of err.details) io.stderr(`  ${d}`);
      }
      exitCode = 1;
    }
  });

  program
    .command('demo')
    .description('run the local demo: five backends, a real Prometheus, weir, a real xDS client and the dashboard')
    .option('--http-port <port>', 'port of the dashboard (0 = any free port)', '8080')
    .option('--xds-port <port>', 'port of the xDS server (0 = any free port)', '0')
    .action(async (opts: { httpPort: string; xdsPort: string }) => {
      const { runDemoCommand } = await import('./demo-command.js');
      exitCode = await runDemoCommand(opts, io, untilSignal);
    });

  try {
    await program.parseAsync([...io.argv], { from: 'user' });
  } catch (err) {
    // commander has printed its message (unknown flag, --help, --version).
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  return exitCode;
}

/**
 * Wait for SIGINT or SIGTERM, then stop cleanly. A second signal exits at once.
 * Resolves with the exit code.
 */
export function untilSignal(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`weir: ${signal}, stopping\n`);
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`weir: stop failed: ${String(err)}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
