import { createServer } from 'node:net';

/** True when `host:port` can be bound right now. */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The port to use for `what`: `wanted` when it is free (or 0), else 0 (any free port)
 * with a note naming the taken port. There is a short race between the probe and the
 * real bind; the real bind still fails with a message naming the address if it is lost.
 */
export async function choosePort(host: string, wanted: number, what: string): Promise<{ port: number; note?: string }> {
  if (wanted === 0 || (await isPortFree(host, wanted))) return { port: wanted };
  return { port: 0, note: `port ${wanted} for the ${what} is taken; using a free port instead` };
}
