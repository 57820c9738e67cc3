import { readFileSync } from 'node:fs';
import type { SandboxTls } from './options.js';

/** `apps/wx-sandbox/certs/` (from `dist/` or `src/` alike). */
export const DEMO_CERTS_DIR = new URL('../certs/', import.meta.url);

/** The committed demo TLS material (see certs/README.md): sandbox CA, server cert and key. */
export function demoTls(): SandboxTls {
  const read = (name: string) => readFileSync(new URL(name, DEMO_CERTS_DIR), 'utf8');
  return { cert: read('sandbox-tls.pem'), key: read('sandbox-tls.key'), ca: read('ca.pem') };
}
