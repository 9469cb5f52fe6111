/**
 * Shared by the chart tests: render charts/weir with the test renderer and look up
 * what came out.
 */
import { ensureRenderer } from '../../support/helm-render/build.js';
import { renderChart, type RenderedChart, type RenderOptions } from '../../support/helm-render/helm-render.js';

import { CHART_DIR } from './paths.js';

export { CHART_DIR, REPO_ROOT } from './paths.js';

export type Obj = Record<string, unknown>;

/**
 * For `beforeAll(prepareRenderer, BUILD_TIMEOUT_MS)`: the first run on a machine
 * compiles the Go renderer (seconds, or a minute on a loaded machine), so that tests'
 * own timeouts measure rendering only.
 */
export async function prepareRenderer(): Promise<void> {
  await ensureRenderer();
}
export const BUILD_TIMEOUT_MS = 300_000;

/** Render charts/weir as release `weir` in `weir-system`, with value layers. */
export function render(values: Record<string, unknown>[] = [], options: Partial<RenderOptions> = {}): Promise<RenderedChart> {
  return renderChart({ chartDir: CHART_DIR, values, ...options });
}

/** The objects of a render, in order. */
export function objects(chart: RenderedChart): Obj[] {
  return chart.documents.map((d) => d.object);
}

/** All objects of one kind. */
export function ofKind(chart: RenderedChart, kind: string): Obj[] {
  return objects(chart).filter((o) => o.kind === kind);
}

/** The one object of a kind; throws when there is not exactly one. */
export function single(chart: RenderedChart, kind: string): Obj {
  const found = ofKind(chart, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as Obj;
}

/** Follow a dotted path (`spec.template.spec`) through plain objects and arrays. */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The container args of the weir Deployment. */
export function containerArgs(chart: RenderedChart): string[] {
  const containers = at(single(chart, 'Deployment'), 'spec.template.spec.containers') as Obj[];
  return (containers[0]?.args ?? []) as string[];
}
