import { DEFAULT_MAX_XML_BYTES, fromXml, isWxPayError, toXml } from '@fen/wxpay';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { casesRun, cases, holds, timeoutMs } from './support/budget.js';
import {
  INVALID_UTF8,
  RESERVED_NAMES,
  XML_TOKENS,
  byteMutation,
  fieldSet,
  fieldValue,
  isWellFormed,
  junkBytes,
  junkText,
  mutateBytes,
  writeXml,
} from './support/xml-gen.js';

// fromXml is the first thing every byte from WeChat (or from anyone posing as WeChat) meets.

const XML_CODES = new Set([
  'XML_TOO_LARGE',
  'XML_ENCODING',
  'XML_DOCTYPE_FORBIDDEN',
  'XML_MALFORMED',
  'XML_NAME_REFUSED',
  'XML_ROOT_INVALID',
  'XML_NESTED',
  'XML_ATTRIBUTES',
  'XML_DUPLICATE_FIELD',
]);

type Outcome = { fields: Record<string, string> } | { code: string };

/** What fromXml made of `body`: its fields, or the code it refused with. Anything else throws. */
function outcome(body: string | Uint8Array, options?: Parameters<typeof fromXml>[1]): Outcome {
  try {
    return { fields: fromXml(body, options) };
  } catch (err) {
    if (isWxPayError(err) && err.kind === 'xml' && XML_CODES.has(err.code)) {
      return { code: err.code };
    }
    throw new Error(`fromXml threw something other than a WxPayError of kind xml: ${String(err)}`, {
      cause: err,
    });
  }
}

/** A successful parse has only plain string fields under names XML allows. */
function expectWellFormedResult(result: Outcome): void {
  if (!('fields' in result)) return;
  expect(Object.getPrototypeOf(result.fields)).toBe(Object.prototype);
  for (const [name, value] of Object.entries(result.fields)) {
    expect(typeof value).toBe('string');
    expect(RESERVED_NAMES.has(name)).toBe(false);
  }
}

let slowestMs = 0;
function timed<T>(work: () => T): T {
  const started = performance.now();
  try {
    return work();
  } finally {
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
}

afterAll(() => {
  console.log(
    `[fuzz] xml.test.ts: ${casesRun()} cases in total; slowest fromXml call ${slowestMs.toFixed(1)} ms`,
  );
  // Not one parse may have added anything to every object's prototype.
  expect(Object.keys(Object.prototype)).toEqual([]);
});

describe('fromXml under fuzzing', () => {
  it(
    'when fields are written in any equivalent XML layout, then exactly those fields come back',
    async () => {
      await holds(
        'fromXml: equivalent layouts',
        fc.property(fieldSet, fc.integer(), (fields, layout) => {
          const xml = writeXml(fields, layout);
          expect(timed(() => outcome(xml))).toEqual({ fields });
          expect(outcome(Buffer.from(xml, 'utf8'))).toEqual({ fields });
        }),
        cases(3_000, 150_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when toXml writes fields, then fromXml reads the same fields back',
    async () => {
      await holds(
        'toXml -> fromXml round trip',
        fc.property(fieldSet, (fields) => {
          expect(outcome(toXml(fields))).toEqual({ fields });
        }),
        cases(2_000, 100_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when the input is junk text, then fromXml returns plain fields or refuses with an xml code',
    async () => {
      await holds(
        'fromXml: junk text',
        fc.property(junkText, (text) => {
          expectWellFormedResult(timed(() => outcome(text)));
        }),
        cases(5_000, 200_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when the input is random bytes, then fromXml returns plain fields or refuses with an xml code',
    async () => {
      await holds(
        'fromXml: random bytes',
        fc.property(junkBytes, (bytes) => {
          expectWellFormedResult(timed(() => outcome(bytes)));
        }),
        cases(3_000, 100_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when a valid document is mutated byte by byte, then fromXml never fails any other way',
    async () => {
      await holds(
        'fromXml: byte mutations of valid documents',
        fc.property(
          fieldSet,
          fc.integer(),
          fc.array(byteMutation, { minLength: 1, maxLength: 4 }),
          (fields, layout, mutations) => {
            const bytes = mutateBytes(Buffer.from(writeXml(fields, layout)), mutations);
            expectWellFormedResult(timed(() => outcome(bytes)));
            expectWellFormedResult(outcome(bytes.toString('utf8')));
          },
        ),
        cases(5_000, 200_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when the same text comes as a string or as its UTF-8 bytes, then fromXml says the same',
    async () => {
      const text = fc.oneof(
        junkText,
        fc.tuple(fieldSet, fc.integer()).map(([fields, layout]) => writeXml(fields, layout)),
      );
      await holds(
        'fromXml: string and bytes agree',
        fc.property(
          text.filter((t) => isWellFormed(t)),
          (t) => {
            expect(outcome(Buffer.from(t, 'utf8'))).toEqual(outcome(t));
          },
        ),
        cases(3_000, 100_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when a document holds bytes that are not UTF-8, then fromXml refuses it as XML_ENCODING',
    async () => {
      await holds(
        'fromXml: invalid UTF-8',
        fc.property(
          fieldSet,
          fc.integer(),
          fc.nat(),
          fc.constantFrom(...INVALID_UTF8),
          (fields, layout, at, bad) => {
            const bytes = Buffer.from(writeXml(fields, layout));
            const cut = at % (bytes.length + 1);
            const spoiled = Buffer.concat([
              bytes.subarray(0, cut),
              Buffer.from(bad),
              bytes.subarray(cut),
            ]);
            expect(outcome(spoiled)).toEqual({ code: 'XML_ENCODING' });
          },
        ),
        cases(2_000, 50_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when a document comes in UTF-16, then fromXml refuses it rather than guess',
    async () => {
      await holds(
        'fromXml: UTF-16 bodies',
        fc.property(
          fieldSet,
          fc.integer(),
          fc.constantFrom('le-bom', 'be-bom', 'le', 'be'),
          (fields, layout, variant) => {
            const le = Buffer.from(writeXml(fields, layout), 'utf16le');
            const body = variant.startsWith('be') ? Buffer.from(le).swap16() : le;
            const bom =
              variant === 'le-bom' ? [0xff, 0xfe] : variant === 'be-bom' ? [0xfe, 0xff] : [];
            const result = outcome(Buffer.concat([Buffer.from(bom), body]));
            expect('code' in result).toBe(true);
          },
        ),
        cases(1_000, 20_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when a body is exactly at the size limit it is read, and one byte over it is refused',
    async () => {
      await holds(
        'fromXml: size limit boundary',
        fc.property(
          fc.integer({ min: 20, max: 4_096 }),
          fc.nat({ max: 30 }),
          fc.boolean(),
          (limit, wide, asBytes) => {
            // Fill to exactly `limit` UTF-8 bytes, partly with 3-byte characters, so bytes ≠ chars.
            const shell = '<xml><a></a></xml>';
            const room = limit - shell.length;
            const threes = Math.min(wide, Math.floor(room / 3));
            const value = '中'.repeat(threes) + 'x'.repeat(room - threes * 3);
            const xml = `<xml><a>${value}</a></xml>`;
            fc.pre(room >= 0);
            expect(Buffer.byteLength(xml)).toBe(limit);
            const body = asBytes ? Buffer.from(xml) : xml;
            expect(outcome(body, { maxBytes: limit })).toEqual({ fields: { a: value } });
            expect(outcome(body, { maxBytes: limit - 1 })).toEqual({ code: 'XML_TOO_LARGE' });
          },
        ),
        cases(1_000, 20_000),
      );
      // And the default limit, once each way (1 MiB is too big to repeat thousands of times).
      const atLimit = `<xml><a>${'x'.repeat(DEFAULT_MAX_XML_BYTES - 18)}</a></xml>`;
      expect(Buffer.byteLength(atLimit)).toBe(DEFAULT_MAX_XML_BYTES);
      expect('fields' in outcome(atLimit)).toBe(true);
      expect(outcome(atLimit + ' ')).toEqual({ code: 'XML_TOO_LARGE' });
    },
    timeoutMs(30_000),
  );

  it(
    'when a DOCTYPE or ENTITY declaration appears anywhere, then fromXml refuses the body',
    async () => {
      const declaration = fc.constantFrom(
        '<!DOCTYPE xml [<!ENTITY x "boom">]>',
        '<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd">',
        '<!doctype xml>',
        '<! DOCTYPE xml>',
        '<!ENTITY x SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
      );
      await holds(
        'fromXml: DOCTYPE / ENTITY injection',
        fc.property(fieldSet, fc.integer(), fc.nat(), declaration, (fields, layout, at, decl) => {
          const xml = writeXml(fields, layout);
          const cut = at % (xml.length + 1);
          const injected = xml.slice(0, cut) + decl + xml.slice(cut);
          const result = outcome(injected);
          expect('code' in result).toBe(true);
          // Declared entities are never expanded: no field may ever hold what they stand for.
          expect(JSON.stringify(result)).not.toContain('boom');
        }),
        cases(2_000, 50_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when element names shadow Object.prototype members, then fromXml refuses or keeps them exactly, and pollutes nothing',
    async () => {
      await holds(
        'fromXml: reserved element names',
        fc.property(
          fc.constantFrom(...RESERVED_NAMES),
          fieldValue,
          fc.boolean(),
          (name, value, nested) => {
            const inner = nested ? `<polluted>${toXml({ v: value })}</polluted>` : 'yes';
            const result = outcome(`<xml><${name}>${inner}</${name}></xml>`);
            // Most are refused; a few fast-xml-parser does not consider dangerous
            // (isPrototypeOf, propertyIsEnumerable, toLocaleString) come back as own string
            // fields. Never renamed (`__toString`) or turned into anything but a string.
            if ('fields' in result) {
              expect(nested).toBe(false);
              expect(Object.keys(result.fields)).toEqual([name]);
              expect(Object.getOwnPropertyDescriptor(result.fields, name)?.value).toBe('yes');
            }
            expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          },
        ),
        cases(500, 10_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when a document is nested very deeply or is full of references, then fromXml answers quickly',
    async () => {
      const started = performance.now();
      for (const depth of [100, 10_000, 200_000]) {
        const deep = '<xml>' + '<a>'.repeat(depth) + '</a>'.repeat(depth) + '</xml>';
        expect('code' in outcome(deep)).toBe(true);
      }
      const refs = `<xml><a>${'&#x41;&amp;'.repeat(50_000)}</a></xml>`;
      expect(outcome(refs)).toEqual({ fields: { a: 'A&'.repeat(50_000) } });
      const tokens = XML_TOKENS.join('').repeat(2_000);
      expect('code' in outcome(tokens)).toBe(true);
      expect(performance.now() - started).toBeLessThan(5_000);
    },
    timeoutMs(30_000),
  );
});
