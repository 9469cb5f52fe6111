/**
 * Validates Kubernetes objects as an API server would before storing them, for the
 * kinds weir's chart and examples ship:
 *
 * - types, required fields and enums against the upstream OpenAPI schemas compiled
 *   into `kubernetes-models` (and `@kubernetes-models/prometheus-operator` for the
 *   ServiceMonitor);
 * - unknown fields (the API server prunes or rejects them; a typo such as
 *   `readinesProbe` would silently vanish), against the field lists of
 *   `@kubernetes/client-node`'s generated models;
 * - object names and label values against Kubernetes' length and character rules;
 * - custom resources against their CRD's openAPIV3Schema, with structural pruning
 *   turned into errors (an unknown field fails unless the schema preserves it).
 *
 * A kind this file does not know is an error: nothing passes unvalidated.
 */
import * as k8s from '@kubernetes/client-node';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Ajv, type ErrorObject } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';

/** An ajv-style compiled validator, as kubernetes-models exports them. */
interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

interface BuiltinKind {
  readonly validate: CompiledValidator;
  /** client-node model holding the kind's field list; undefined: no unknown-field check. */
  readonly model: string | undefined;
}

/** A kubernetes-models model class: its `validate()` throws ajv's errors. */
type ModelClass = new (data: never) => { validate(): void };

/** The validator of a kubernetes-models model (its upstream OpenAPI schema). */
function validatorOf(Model: ModelClass): CompiledValidator {
  const check: CompiledValidator = (data) => {
    check.errors = null;
    try {
      new Model(data as never).validate();
      return true;
    } catch (err) {
      check.errors = (err as { errors?: ErrorObject[] }).errors ?? [
        { instancePath: '', schemaPath: '', keyword: 'error', params: {}, message: String(err) },
      ];
      return false;
    }
  };
  return check;
}

/** A kind validated against `Model`'s schema, and its unknown fields against client-node's `model`. */
const kind = (Model: ModelClass, model?: string): BuiltinKind => ({ validate: validatorOf(Model), model });

const BUILTIN: Readonly<Record<string, BuiltinKind>> = {
  'apps/v1/Deployment': kind(Deployment, 'V1Deployment'),
  'coordination.k8s.io/v1/Lease': kind(Lease, 'V1Lease'),
  'v1/ConfigMap': kind(ConfigMap, 'V1ConfigMap'),
  'v1/Namespace': kind(Namespace, 'V1Namespace'),
  'v1/Secret': kind(Secret, 'V1Secret'),
  'v1/Service': kind(Service, 'V1Service'),
  'v1/ServiceAccount': kind(ServiceAccount, 'V1ServiceAccount'),
  'apiextensions.k8s.io/v1/CustomResourceDefinition': kind(CustomResourceDefinition, 'V1CustomResourceDefinition'),
  'policy/v1/PodDisruptionBudget': kind(PodDisruptionBudget, 'V1PodDisruptionBudget'),
  'rbac.authorization.k8s.io/v1/ClusterRole': kind(ClusterRole, 'V1ClusterRole'),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': kind(ClusterRoleBinding, 'V1ClusterRoleBinding'),
  'rbac.authorization.k8s.io/v1/Role': kind(Role, 'V1Role'),
  'rbac.authorization.k8s.io/v1/RoleBinding': kind(RoleBinding, 'V1RoleBinding'),
  // prometheus-operator's CRD schema; client-node has no model for it.
  'monitoring.coreos.com/v1/ServiceMonitor': kind(ServiceMonitor),
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `/spec/containers/0/name` → `spec.containers[0].name`. */
function pathOf(instancePath: string): string {
  if (instancePath === '') return '(root)';
  return instancePath
    .slice(1)
    .split('/')
    .map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : `${i === 0 ? '' : '.'}${seg.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('');
}

/** The common keywords in one wording, whichever ajv compiled kubernetes-models' validators (with messages or without). */
function messageOf(e: ErrorObject): string {
  const p = e.params as Obj;
  switch (e.keyword) {
    case 'type':
      return `must be ${String(p.type)}`;
    case 'required':
      return `must have required property '${String(p.missingProperty)}'`;
    case 'enum':
      return `must be one of ${JSON.stringify(p.allowedValues)}`;
    case 'additionalProperties':
      return `must NOT have additional properties (${String(p.additionalProperty)})`;
    case 'pattern':
    case 'format':
      return `must match ${e.keyword} "${String(p.pattern ?? p.format)}"`;
    default:
      return e.message ?? `${e.keyword} ${JSON.stringify(p)}`;
  }
}

function describeAjv(e: ErrorObject): string {
  return `${pathOf(e.instancePath)}: ${messageOf(e)}`;
}

interface AttributeType {
  readonly baseName: string;
  readonly type: string;
}

function attributeTypes(model: string): readonly AttributeType[] | undefined {
  const ctor = (k8s as Readonly<Record<string, unknown>>)[model];
  if (typeof ctor !== 'function') return undefined;
  const getter = (ctor as { getAttributeTypeMap?: () => readonly AttributeType[] }).getAttributeTypeMap;
  return typeof getter === 'function' ? getter.call(ctor) : undefined;
}

/** Fields the API server would not recognise, walking client-node's model types. */
function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1] !== undefined) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1] ?? '', `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1] !== undefined) {
    if (isObj(value)) for (const k of Object.keys(value).sort()) unknownFields(value[k], map[1], `${path}.${k}`, out);
    return;
  }
  const attrs = attributeTypes(type);
  if (!attrs || !isObj(value)) return;
  const known = new Map(attrs.map((a) => [a.baseName, a.type]));
  for (const k of Object.keys(value).sort()) {
    const t = known.get(k);
    const child = path === '' ? k : `${path}.${k}`;
    if (t === undefined) out.push(`${child}: unknown field`);
    else unknownFields(value[k], t, child, out);
  }
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function metadataProblems(obj: Obj, out: string[]): void {
  const meta = obj.metadata;
  if (!isObj(meta)) {
    out.push('metadata: required');
    return;
  }
  const name = meta.name;
  if (typeof name !== 'string' || name === '' || name.length > 253 || !/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/.test(name)) {
    out.push(`metadata.name: ${JSON.stringify(name)} is not a valid object name`);
  }
  // A Service's name becomes a DNS label: 63 characters, starting with a letter.
  if (obj.kind === 'Service' && typeof name === 'string' && !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
    out.push(`metadata.name: ${JSON.stringify(name)} is not a valid Service name (DNS-1035 label)`);
  }
  for (const [k, v] of Object.entries(isObj(meta.labels) ? meta.labels : {})) {
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) out.push(`metadata.labels.${k}: ${JSON.stringify(v)} is not a valid label value`);
  }
}

/** Make a CRD schema strict the way structural pruning is: unknown fields fail. */
function structural(schema: unknown, root: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => structural(s, false));
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties' && isObj(v) ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, structural(s, false)])) : structural(v, false);
  }
  if (root) {
    const props = isObj(out.properties) ? out.properties : {};
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...props };
  }
  if (out.type === 'object' && isObj(out.properties) && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/** Validates objects of built-in kinds and of the kinds the given CRDs define. */
export class ManifestValidator {
  private readonly custom = new Map<string, CompiledValidator>();

  /** @param crds CustomResourceDefinition objects whose served versions become known kinds. */
  constructor(crds: readonly Obj[] = []) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'quantity']) ajv.addFormat(f, true);
    for (const c of crds) {
      const spec = isObj(c.spec) ? c.spec : {};
      const group = String(spec.group);
      const kind = isObj(spec.names) ? String(spec.names.kind) : '';
      for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
        if (!isObj(v) || !isObj(v.schema) || !isObj(v.schema.openAPIV3Schema)) continue;
        this.custom.set(`${group}/${String(v.name)}/${kind}`, ajv.compile(structural(v.schema.openAPIV3Schema, true) as object));
      }
    }
  }

  /** Every problem of one object, each starting with the field path; [] when valid. */
  validate(obj: unknown): string[] {
    if (!isObj(obj)) return ['(root): not an object'];
    const key = `${String(obj.apiVersion)}/${String(obj.kind)}`;
    const problems: string[] = [];
    metadataProblems(obj, problems);
    const builtin = BUILTIN[key];
    const validator = builtin?.validate ?? this.custom.get(key);
    if (!validator) return [`${key}: no schema for this kind`];
    if (!validator(obj)) problems.push(...(validator.errors ?? []).map(describeAjv));
    if (builtin?.model) unknownFields(obj, builtin.model, '', problems);
    return [...new Set(problems)];
  }
}

/** A short name for messages: `Deployment/weir-system/weir`. */
export function objectName(obj: Obj): string {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  return [String(obj.kind), ...(typeof meta.namespace === 'string' ? [meta.namespace] : []), String(meta.name)].join('/');
}
