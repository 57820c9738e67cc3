import type { IncomingMessage } from 'node:http';
import { appError, isAppError } from '../errors.js';

/**
 * Reads a request body into one Buffer, refusing more than `limitBytes` (docs/pitfalls.md #6: the
 * notification routes read the raw bytes themselves, so nothing reformats what was signed).
 */
export async function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    throw appError('PAYLOAD_TOO_LARGE', `request body exceeds ${limitBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > limitBytes) {
        req.resume();
        throw appError('PAYLOAD_TOO_LARGE', `request body exceeds ${limitBytes} bytes`);
      }
      chunks.push(buffer);
    }
  } catch (err) {
    if (isAppError(err)) throw err;
    // The client went away before sending the body its headers announced: its fault, not an
    // internal error (found by the fuzz tests: it was logged as a 500 "request failed").
    throw appError('BAD_REQUEST', 'the request body was cut off before its end', { cause: err });
  }
  return Buffer.concat(chunks, size);
}

/** Reads and parses a JSON body (an empty body reads as `{}`). */
export async function readJsonBody(req: IncomingMessage, limitBytes = 16 * 1024): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  const raw = await readRawBody(req, limitBytes);
  if (raw.length === 0) return {};
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw appError('BAD_REQUEST', 'the body must be JSON (Content-Type: application/json)', {
      status: 415,
    });
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw appError('BAD_REQUEST', 'the body is not valid JSON');
  }
}
