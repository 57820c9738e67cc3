import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';
import { INVALID_UTF8 } from './xml-gen.js';

/** The notification routes' body limit (apps/server NOTIFY_BODY_LIMIT). */
export const NOTIFY_LIMIT = 64 * 1024;

/** How a notification body travels: re-encoded, padded to the limit, framed honestly or not. */
export interface Delivery {
  encoding: 'utf8' | 'bom' | 'utf16le' | 'latin1' | 'invalid-utf8' | 'at-limit' | 'over-limit';
  badBytes: number[];
  at: number;
  contentType: string | undefined;
  framing: 'exact' | 'chunked' | 'none' | { lie: number; halfClose: boolean };
}

export const delivery: fc.Arbitrary<Delivery> = fc.record({
  encoding: fc.oneof(
    { weight: 10, arbitrary: fc.constant('utf8' as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'bom' as const,
        'utf16le' as const,
        'latin1' as const,
        'invalid-utf8' as const,
        'at-limit' as const,
        'over-limit' as const,
      ),
    },
  ),
  badBytes: fc.constantFrom(...INVALID_UTF8),
  at: fc.nat(),
  contentType: fc.constantFrom(
    'text/xml',
    'text/xml; charset=utf-8',
    'application/xml',
    'text/xml; charset=GBK',
    'application/json',
    'text/plain; charset=utf-16',
    undefined,
  ),
  framing: fc.oneof(
    { weight: 12, arbitrary: fc.constant('exact' as const) },
    { weight: 2, arbitrary: fc.constant('chunked' as const) },
    { weight: 1, arbitrary: fc.constant('none' as const) },
    {
      weight: 2,
      arbitrary: fc.record({ lie: fc.integer({ min: -40, max: 40 }), halfClose: fc.boolean() }),
    },
  ),
}) as fc.Arbitrary<Delivery>;

/** The bytes sent for `xml` under `d`. */
export function encodeBody(xml: string, d: Delivery): Buffer {
  const utf8 = Buffer.from(xml, 'utf8');
  switch (d.encoding) {
    case 'utf8':
      return utf8;
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
    case 'latin1':
      return Buffer.from(xml, 'latin1');
    case 'invalid-utf8': {
      const cut = d.at % (utf8.length + 1);
      return Buffer.concat([utf8.subarray(0, cut), Buffer.from(d.badBytes), utf8.subarray(cut)]);
    }
    case 'at-limit':
    case 'over-limit': {
      const size = NOTIFY_LIMIT + (d.encoding === 'over-limit' ? 1 : 0);
      return Buffer.concat([utf8, Buffer.alloc(Math.max(0, size - utf8.length), 0x20)]);
    }
  }
}

/** A POST of `body` to `path` delivered as `d` says. */
export function notificationRequest(path: string, body: Buffer, d: Delivery): RawRequest {
  const lie = typeof d.framing === 'object' ? d.framing : undefined;
  return {
    method: 'POST',
    path,
    headers: d.contentType ? [['Content-Type', d.contentType]] : [],
    body,
    framing: lie ? Math.max(0, body.length + lie.lie) : (d.framing as 'exact' | 'chunked' | 'none'),
    halfClose: lie?.halfClose ?? false,
  };
}

/**
 * The text the notification route hands to its handler for `request` (it reads the bytes the
 * framing delimits and decodes them as UTF-8), or `undefined` when it never gets a body to
 * handle: cut off by the client, or over the limit.
 */
export function textTheServerSees(request: RawRequest): string | undefined {
  const body = request.body ?? Buffer.alloc(0);
  let received = body;
  if (request.framing === 'none') received = Buffer.alloc(0);
  if (typeof request.framing === 'number') {
    if (request.framing > body.length) return undefined;
    received = body.subarray(0, request.framing);
  }
  if (received.length > NOTIFY_LIMIT) return undefined;
  return received.toString('utf8');
}

/** Whether the server may wait for bytes that never come (it is then not expected to answer). */
export function promisesMore(request: RawRequest): boolean {
  return typeof request.framing === 'number' && request.framing > (request.body?.length ?? 0);
}
