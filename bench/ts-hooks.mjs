// Module hooks that let plain `node` run the harness's TypeScript (bench/, src/) without
// a build step: `.js` specifiers that name a `.ts` file resolve to it (the nodenext
// convention), and `.ts` files are transpiled on load with the TypeScript compiler's
// `transpileModule` (types are stripped, nothing is type-checked: `npm run typecheck`
// does that). Used by `register.mjs`, for every benchmark and the processes it forks.
//
// Transpiled output is cached on disk (keyed by path, size and mtime), and the compiler
// is imported only on a miss: loading it costs each process a second or more of CPU, too
// much for every load client on a shared two-core machine.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import process from 'node:process';
import path from 'node:path';
import { URL, fileURLToPath } from 'node:url';

const CACHE_DIR = path.join(tmpdir(), 'weir-bench-ts-cache');
let compiler;

async function transpile(file, source) {
  compiler ??= (await import('typescript')).default;
  const ts = compiler;
  return ts.transpileModule(source, {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  }).outputText;
}

export async function resolve(specifier, context, nextResolve) {
  if ((specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) && specifier.endsWith('.js') && context.parentURL) {
    const url = new URL(specifier, context.parentURL);
    if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
      const tsUrl = new URL(url.href.slice(0, -3) + '.ts');
      if (existsSync(fileURLToPath(tsUrl))) return { url: tsUrl.href, shortCircuit: true, format: 'module' };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const file = fileURLToPath(url);
    const info = await stat(file);
    const key = createHash('sha256').update(`${file}\0${info.size}\0${info.mtimeMs}`).digest('hex').slice(0, 32);
    const cached = path.join(CACHE_DIR, `${key}.js`);
    if (existsSync(cached)) return { format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true };
    const out = await transpile(file, await readFile(file, 'utf8'));
    mkdirSync(CACHE_DIR, { recursive: true });
    // Write then rename, so that a concurrent reader never sees half a file.
    const partial = `${cached}.${process.pid}.tmp`;
    await writeFile(partial, out);
    await rename(partial, cached);
    return { format: 'module', source: out, shortCircuit: true };
  }
  return nextLoad(url, context);
}
