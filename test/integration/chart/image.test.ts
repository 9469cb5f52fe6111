import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR, REPO_ROOT } from './paths.js';

// No Docker engine runs here: check deploy/Dockerfile's conventions statically.

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly name: string;
  readonly instructions: Instruction[];
}

async function readStages(): Promise<Stage[]> {
  const text = await readFile(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(stages.length), instructions: [] });
    stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

const all = (stage: Stage, op: string): string[] => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

describe('deploy/Dockerfile', () => {
  test('is multi-stage, and the final stage runs `weir start` as the chart\'s non-root user', async () => {
    const stages = await readStages();
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    const runtime = stages.at(-1) as Stage;
    expect(all(runtime, 'ENTRYPOINT')).toEqual(['["node", "dist/src/cli.js"]']);
    expect(all(runtime, 'CMD')).toEqual(['["start"]']);
    const [user] = all(runtime, 'USER').slice(-1);
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const values = parse(await readFile(join(CHART_DIR, 'values.yaml'), 'utf8')) as { podSecurityContext: { runAsUser: number; runAsGroup: number } };
    expect(user).toBe(`${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`);
    // The entrypoint is what `npm run build` produces from src/cli.ts.
    await access(join(REPO_ROOT, 'src/cli.ts'));
  });

  test('the final image gets production dependencies only and no build tool', async () => {
    const stages = await readStages();
    const runtime = stages.at(-1) as Stage;
    expect(all(runtime, 'RUN').join('\n')).not.toMatch(/npm (ci|install)/);
    const copies = all(runtime, 'COPY');
    const modules = copies.find((c) => c.includes('node_modules'));
    expect(modules).toMatch(/^--from=deps /);
    const deps = stages.find((s) => s.name === 'deps') as Stage;
    expect(all(deps, 'RUN').join('\n')).toMatch(/npm ci [^\n]*--omit=dev/);
    // Only compiled code comes from the build stage; no TypeScript, no tests.
    expect(copies.filter((c) => c.startsWith('--from=build'))).toEqual(['--from=build /src/dist/src ./dist/src']);
  });

  test('everything it copies from the context exists and is not left out by .dockerignore', async () => {
    const stages = await readStages();
    const ignored = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', 'dist']));
    const sources = stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => !c.startsWith('--from='))
      .flatMap((c) => c.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      await access(join(REPO_ROOT, src));
      expect(ignored.some((p) => src === p || src.startsWith(`${p}/`)), `${src} is in .dockerignore`).toBe(false);
    }
  });
});
