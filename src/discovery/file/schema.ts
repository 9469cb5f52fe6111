/**
 * The endpoints file: services, their ports, their endpoints and their `weir.dev/*`
 * annotations, for use outside Kubernetes and for the demo. See docs/endpoints-file.md.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PORT_NAME = /^([a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?)?$/;

const portNumber = z.number().int().min(1).max(65535);

const servicePort = z.strictObject({
  name: z.string().regex(PORT_NAME, 'must be a port name (lower-case letters, digits, "-"; at most 15)').default(''),
  port: portNumber,
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
});

const endpoint = z.strictObject({
  address: z.string().refine((a) => isIP(a) !== 0, 'must be an IPv4 or IPv6 address'),
  /** Port per Service port name. */
  ports: z.record(z.string(), portNumber).optional(),
  /** Shorthand when the Service has exactly one port. */
  port: portNumber.optional(),
  pod: z.string().min(1).max(253).optional(),
  zone: z.string().max(253).default(''),
  ready: z.boolean().default(true),
  serving: z.boolean().optional(),
  terminating: z.boolean().default(false),
});

const service = z.strictObject({
  name: z.string().regex(DNS_LABEL, 'must be a DNS label (lower-case letters, digits, "-"; at most 63)'),
  namespace: z.string().regex(DNS_LABEL, 'must be a DNS label (lower-case letters, digits, "-"; at most 63)').default('default'),
  annotations: z.record(z.string(), z.string()).default({}),
  ports: z.array(servicePort).min(1),
  endpoints: z.array(endpoint).default([]),
});

export const endpointsFileSchema = z.strictObject({
  services: z.array(service).default([]),
});

export type EndpointsFile = z.infer<typeof endpointsFileSchema>;
export type FileService = z.infer<typeof service>;
export type FileEndpoint = z.infer<typeof endpoint>;
