/**
 * Transport security of the xDS port: plaintext, TLS, or mutual TLS when a client CA is
 * given (then a client without a certificate signed by that CA is refused in the
 * handshake). Files are read once at start; a missing or unreadable file stops the start.
 */
import { readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';
import { ERROR_CODES, WeirError } from '../../lib/errors.js';

export interface XdsTlsOptions {
  /** PEM certificate chain of the server. */
  readonly certFile: string;
  /** PEM private key of the server. */
  readonly keyFile: string;
  /** PEM CA bundle; when set, clients must present a certificate it signed (mTLS). */
  readonly clientCaFile?: string;
}

/** Server credentials for `tls`, or insecure ones when it is undefined. */
export function serverCredentials(tls: XdsTlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (cause) {
      throw new WeirError(ERROR_CODES.CONFIG_INVALID, `xDS TLS ${what} file ${file} cannot be read`, { cause });
    }
  };
  const cert = read(tls.certFile, 'certificate');
  const key = read(tls.keyFile, 'key');
  const ca = tls.clientCaFile ? read(tls.clientCaFile, 'client CA') : null;
  try {
    return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
  } catch (cause) {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, 'xDS TLS certificate or key is invalid', { cause });
  }
}
