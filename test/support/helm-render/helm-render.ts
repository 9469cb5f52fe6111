/**
 * `helm template` for tests: coalesces values with the Go renderer, validates them
 * against the chart's values.schema.json (before any template runs, as Helm does), then
 * renders and parses every document.
 *
 * What the renderer supports (and so what charts/weir may use): values.yaml coalesced
 * with override layers (maps merge, null deletes), .Values, .Release (Name, Namespace,
 * Service, IsInstall, IsUpgrade, Revision), .Chart (Chart.yaml's fields), .Capabilities
 * (KubeVersion, APIVersions.Has), .Files (Get, GetBytes, Lines), .Template (Name,
 * BasePath), named templates from _*.tpl, sprig v3 less env/expandenv, include, tpl,
 * required, fail, toYaml, fromYaml, fromYamlArray, toJson, fromJson, fromJsonArray, the
 * chart's kubeVersion constraint, NOTES.txt and crds/ (copied verbatim). Not supported:
 * lookup, subcharts, hooks' ordering, .helmignore.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ensureRenderer } from './build.js';
import { checkValues, formatValuesFailure } from './values-schema.js';

const run = promisify(execFile);

export interface RenderOptions {
  /** The chart directory. */
  readonly chartDir: string;
  /** Release name; default `weir`. */
  readonly releaseName?: string;
  /** Release namespace; default `weir-system`. */
  readonly namespace?: string;
  /** Values layers applied over values.yaml in order, like repeated `-f` files. */
  readonly values?: readonly Record<string, unknown>[];
  /** Extra API versions for .Capabilities.APIVersions. */
  readonly apiVersions?: readonly string[];
  /** Kubernetes version for .Capabilities; default 1.30.0. */
  readonly kubeVersion?: string;
  /** Fail on a reference to a value that does not exist (default true). */
  readonly strict?: boolean;
}

/** One YAML document of the output, parsed. */
export interface RenderedDocument {
  /** The template it came from: `weir/templates/deployment.yaml`. */
  readonly source: string;
  readonly text: string;
  readonly object: Record<string, unknown>;
}

export interface RenderedChart {
  /** The values the templates saw (defaults coalesced with the layers). */
  readonly values: Record<string, unknown>;
  /** Rendered objects, by template file then by position in it. */
  readonly documents: readonly RenderedDocument[];
  /** Rendered NOTES.txt ('' when the chart has none). */
  readonly notes: string;
  /** Files of crds/, verbatim. */
  readonly crds: readonly { source: string; text: string }[];
}

/** A render that Helm would refuse: bad values, a template error, invalid YAML. */
export class HelmRenderError extends Error {
  override readonly name = 'HelmRenderError';
  constructor(
    message: string,
    /** `schema` when values.schema.json refused the values, else `render`. */
    readonly stage: 'schema' | 'render',
  ) {
    super(message);
  }
}

interface RawOutput {
  values: Record<string, unknown>;
  manifests: { source: string; content: string }[];
  notes: string;
  crds: { source: string; content: string }[];
}

async function invoke(binary: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(binary, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    return stdout;
  } catch (cause) {
    const stderr = String((cause as { stderr?: string }).stderr ?? '').trim();
    throw new HelmRenderError(stderr.replace(/^Error: /, '') || String(cause), 'render');
  }
}

/**
 * Render a chart as `helm template --validate-schema` would. Rejects with a
 * HelmRenderError whose message is Helm's wording when the values break the schema.
 */
export async function renderChart(options: RenderOptions): Promise<RenderedChart> {
  const binary = await ensureRenderer();
  const dir = await mkdtemp(join(tmpdir(), 'weir-chart-values-'));
  try {
    const args = ['--chart', options.chartDir];
    args.push('--name', options.releaseName ?? 'weir', '--namespace', options.namespace ?? 'weir-system');
    args.push('--kube-version', options.kubeVersion ?? '1.30.0');
    if (options.strict ?? true) args.push('--strict');
    for (const v of options.apiVersions ?? []) args.push('--api-versions', v);
    let i = 0;
    for (const layer of options.values ?? []) {
      const file = join(dir, `values-${i++}.json`);
      await writeFile(file, JSON.stringify(layer));
      args.push('-f', file);
    }

    const values = JSON.parse(await invoke(binary, [...args, '--show-values'])) as Record<string, unknown>;
    const schema = await readSchema(options.chartDir);
    if (schema) {
      const check = checkValues(schema, values);
      if (!check.valid) throw new HelmRenderError(formatValuesFailure(await chartName(options.chartDir), check.errors), 'schema');
    }

    const raw = JSON.parse(await invoke(binary, args)) as RawOutput;
    const documents: RenderedDocument[] = [];
    for (const m of raw.manifests) {
      // YAML 1.1, as the API server's decoder reads it (yes/no/on/off are booleans there).
      for (const doc of parseAllDocuments(m.content, { version: '1.1' })) {
        if (doc.errors.length > 0) {
          throw new HelmRenderError(`YAML parse error on ${m.source}: ${doc.errors[0]?.message ?? ''}\n${m.content}`, 'render');
        }
        const object: unknown = doc.toJS();
        // A document holding only comments is what Helm skips too.
        if (object === null || object === undefined) continue;
        if (typeof object !== 'object' || Array.isArray(object)) {
          throw new HelmRenderError(`${m.source}: a document is not a mapping`, 'render');
        }
        documents.push({ source: m.source, text: m.content, object: object as Record<string, unknown> });
      }
    }
    return {
      values: raw.values,
      documents,
      notes: raw.notes,
      crds: raw.crds.map((c) => ({ source: c.source, text: c.content })),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readSchema(chartDir: string): Promise<object | undefined> {
  try {
    return JSON.parse(await readFile(join(chartDir, 'values.schema.json'), 'utf8')) as object;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function chartName(chartDir: string): Promise<string> {
  const text = await readFile(join(chartDir, 'Chart.yaml'), 'utf8');
  return /^name:\s*(\S+)/m.exec(text)?.[1] ?? 'chart';
}
