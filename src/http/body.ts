import type { IncomingMessage } from 'node:http';

/** The outcome of reading a JSON request body: the value, or an HTTP status and why. */
export type BodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly error: string };

/**
 * Read and parse the JSON body of `req`, at most `maxBytes` bytes. An empty body gives
 * `undefined`. A larger body is refused with 413 as soon as the limit is passed (the rest
 * is not buffered); a body that is not JSON gives 400 naming the parse error.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return { ok: false, status: 413, error: `body of ${declared} bytes exceeds the limit of ${maxBytes}` };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) return { ok: false, status: 413, error: `body exceeds the limit of ${maxBytes} bytes` };
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: undefined };
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    return { ok: false, status: 415, error: `content-type must be application/json, got ${type}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, status: 400, error: `body is not valid JSON: ${(err as Error).message}` };
  }
}
