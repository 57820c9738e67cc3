import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Paths pino censors wherever they appear, so a secret passed to a log call by mistake never
 * reaches the output: keys, secrets, session keys, tokens, certificates, auth headers.
 */
export const REDACT_PATHS = [
  'key',
  '*.key',
  'secret',
  '*.secret',
  'appSecret',
  '*.appSecret',
  'session_key',
  '*.session_key',
  'sessionKey',
  '*.sessionKey',
  'token',
  '*.token',
  'adminToken',
  '*.adminToken',
  'passphrase',
  '*.passphrase',
  'pfx',
  '*.pfx',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'req_info',
  '*.req_info',
];

/** The server's root logger (JSON lines). Per-request children add `requestId`. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'fen-server' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
