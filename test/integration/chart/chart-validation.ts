/**
 * Validation of a whole render for the chart tests, apart from chart-fixture.ts so that
 * tests that do not validate objects skip loading the Kubernetes schemas.
 */
import { parseAllDocuments } from 'yaml';
import type { RenderedChart } from '../../support/helm-render/helm-render.js';
import { ManifestValidator, objectName } from '../../support/helm-render/kube-validate.js';
import { objects, type Obj } from './chart-fixture.js';

/** The CRD objects the chart ships in crds/. */
export function crdObjects(chart: RenderedChart): Obj[] {
  return chart.crds.flatMap((c) => parseAllDocuments(c.text).map((d) => d.toJS() as Obj)).filter((o) => o !== null);
}

/**
 * Every problem of every object of a render (CRDs included), each prefixed with the
 * object it belongs to; [] when all are valid.
 */
export function problems(chart: RenderedChart): string[] {
  const crds = crdObjects(chart);
  const validator = new ManifestValidator(crds);
  return [...crds, ...objects(chart)].flatMap((o) => validator.validate(o).map((p) => `${objectName(o)}: ${p}`));
}

