import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  canonicalStringV2,
  decryptRefundInfo,
  encryptRefundInfo,
  isWxPayError,
  parsePaymentNotification,
  parseRefundNotification,
  toXml,
} from '@fen/wxpay';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { casesRun, cases, holds, timeoutMs } from './support/budget.js';
import {
  MERCHANT,
  PARSE_OPTIONS as OPTIONS,
  fieldMutation,
  mutateFields,
  paymentFields,
  refundEnvelope,
  refundInfoFields,
  refundTampering,
  signType,
  signed,
  tamperedRefundXml,
} from './support/notifications.js';
import {
  XML_TOKENS,
  byteMutation,
  fieldSet,
  junkText,
  mutateBytes,
  writeXml,
} from './support/xml-gen.js';
import type { Fields } from './support/xml-gen.js';

// Notification parsing and verification: everything a forger controls, nothing they may win.

const AES_KEY_HEX = createHash('md5').update(MERCHANT.key).digest('hex');

const NOTIFY_CODES = new Set([
  'NOTIFY_MALFORMED',
  'NOTIFY_RETURN_FAIL',
  'NOTIFY_SIGN_MISSING',
  'NOTIFY_APPID_MISMATCH',
  'NOTIFY_MCHID_MISMATCH',
  'NOTIFY_SIGN_INVALID',
  'REFUND_INFO_BASE64_INVALID',
  'REFUND_INFO_DECRYPT_FAILED',
]);

/** Everything an error carries that could end up in a log or a reply. */
function exposedText(err: unknown): string {
  const e = err as { message?: string; reply?: unknown; cause?: { message?: string } };
  return JSON.stringify([e.message, e.reply, e.cause?.message, String(err)]);
}

/** Runs a parse: its result, or the refusal code — after checking the refusal is a proper one. */
function attempt<T>(parse: () => T): { ok: T } | { code: string } {
  try {
    return { ok: parse() };
  } catch (err) {
    if (!(isWxPayError(err) && err.kind === 'notify' && NOTIFY_CODES.has(err.code))) {
      throw new Error(`not a notify WxPayError: ${String(err)}`, { cause: err });
    }
    const text = exposedText(err);
    expect(text).not.toContain(MERCHANT.key);
    expect(text).not.toContain(AES_KEY_HEX);
    return { code: err.code };
  }
}

/** The content a payment notification's sign covers, and the sign: what must not change. */
const signedContent = (fields: Fields) => `${canonicalStringV2(fields)}|${fields.sign ?? ''}`;

/** An accepted payment notification must be exactly what was signed, addressed to us. */
function expectGenuine(accepted: Fields, original: Fields): void {
  expect(signedContent(accepted)).toBe(signedContent(original));
  expect(accepted.appid).toBe(MERCHANT.appId);
  expect(accepted.mch_id).toBe(MERCHANT.mchId);
}

let refusals = 0;
let rearranged = 0;
const refused = (result: { code: string } | { ok: unknown }) => {
  if ('code' in result) refusals += 1;
};

afterAll(() => {
  console.log(
    `[fuzz] notify-parsing.test.ts: ${casesRun()} cases in total, ${refusals} refused, ` +
      `${rearranged} req_info block swaps decrypted to different fields (AES-ECB malleability)`,
  );
});

describe('payment notifications under fuzzing', () => {
  it(
    'when a genuine notification comes in any XML layout, then it is accepted with exactly its fields',
    async () => {
      await holds(
        'parsePaymentNotification: genuine, any layout',
        fc.property(
          paymentFields(),
          signType,
          fc.integer(),
          fc.boolean(),
          (fields, type, layout, asBytes) => {
            const genuine = signed(fields, type);
            const xml = writeXml(genuine, layout);
            const result = attempt(() =>
              parsePaymentNotification(asBytes ? Buffer.from(xml) : xml, OPTIONS),
            );
            expect(result).toEqual({ ok: genuine });
          },
        ),
        cases(2_000, 100_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when a signed notification has a field changed, dropped, duplicated or added, then only the unchanged signed content passes',
    async () => {
      await holds(
        'parsePaymentNotification: field mutations',
        fc.property(
          paymentFields(),
          signType,
          fc.array(fieldMutation, { minLength: 1, maxLength: 3 }),
          (fields, type, mutations) => {
            const genuine = signed(fields, type);
            let body = toXml(genuine);
            for (const m of mutations) {
              // Each mutation works on the fields of the previous step when they still parse.
              const current = attempt(() => parsePaymentNotification(body, OPTIONS));
              body = mutateFields('ok' in current ? current.ok : genuine, m);
            }
            const result = attempt(() => parsePaymentNotification(body, OPTIONS));
            refused(result);
            if ('ok' in result) expectGenuine(result.ok, genuine);
          },
        ),
        cases(4_000, 150_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when the amount, appid or mch_id of a signed notification changes, then it is refused with the reason',
    async () => {
      await holds(
        'parsePaymentNotification: amount / addressee changes',
        fc.property(
          paymentFields(),
          signType,
          fc.constantFrom('amount', 'appid', 'mch_id', 'forged', 'unsigned-type'),
          fc.integer({ min: 1, max: 1_000 }),
          (fields, type, what, delta) => {
            const genuine = signed(fields, type);
            const changed: Fields = { ...genuine };
            if (what === 'amount') changed.total_fee = String(Number(genuine.total_fee) + delta);
            if (what === 'appid') changed.appid = 'wxfe00000000000002';
            if (what === 'mch_id') changed.mch_id = String(1_900_000_109 + delta);
            if (what === 'forged') Object.assign(changed, signed(fields, type, 'x'.repeat(32)));
            if (what === 'unsigned-type')
              changed.sign_type = type === 'MD5' ? 'HMAC-SHA256' : 'MD5';
            const expected = {
              amount: 'NOTIFY_SIGN_INVALID',
              appid: 'NOTIFY_APPID_MISMATCH',
              mch_id: 'NOTIFY_MCHID_MISMATCH',
              forged: 'NOTIFY_SIGN_INVALID',
              'unsigned-type': 'NOTIFY_SIGN_INVALID',
            }[what];
            expect(attempt(() => parsePaymentNotification(toXml(changed), OPTIONS))).toEqual({
              code: expected,
            });
          },
        ),
        cases(2_000, 50_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when a signed notification is mutated byte by byte, then only the unchanged signed content passes',
    async () => {
      await holds(
        'parsePaymentNotification: byte mutations',
        fc.property(
          paymentFields(),
          signType,
          fc.integer(),
          fc.array(byteMutation, { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          (fields, type, layout, mutations, asBytes) => {
            const genuine = signed(fields, type);
            const bytes = mutateBytes(Buffer.from(writeXml(genuine, layout)), mutations);
            const result = attempt(() =>
              parsePaymentNotification(asBytes ? bytes : bytes.toString('utf8'), OPTIONS),
            );
            refused(result);
            if ('ok' in result) expectGenuine(result.ok, genuine);
          },
        ),
        cases(5_000, 150_000),
      );
    },
    timeoutMs(60_000),
  );

  it(
    'when entities, DOCTYPEs or CDATA tricks are spliced into a signed notification, then it never passes changed',
    async () => {
      const trick = fc.constantFrom(
        '<!DOCTYPE xml [<!ENTITY fee "1">]>',
        '&fee;',
        ']]>',
        '<![CDATA[',
        ']]><![CDATA[',
        ']]>1<![CDATA[',
        '<![CDATA[]]>',
        '&#49;',
        '&amp;',
        '<total_fee>1</total_fee>',
        '<total_fee><![CDATA[1]]></total_fee>',
        '<sign></sign>',
        '<!-- -->',
        '<?xml version="1.0"?>',
        '\uFEFF',
        '\u0000',
      );
      await holds(
        'parsePaymentNotification: entity / DOCTYPE / CDATA splices',
        fc.property(
          paymentFields(),
          signType,
          fc.array(fc.tuple(fc.nat(), trick), { minLength: 1, maxLength: 3 }),
          (fields, type, splices) => {
            const genuine = signed(fields, type);
            let xml = toXml(genuine);
            for (const [at, text] of splices) {
              const cut = at % (xml.length + 1);
              xml = xml.slice(0, cut) + text + xml.slice(cut);
            }
            const result = attempt(() => parsePaymentNotification(xml, OPTIONS));
            refused(result);
            if ('ok' in result) expectGenuine(result.ok, genuine);
          },
        ),
        cases(4_000, 100_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when the body is junk, then the refusal is a notify error that names no secret',
    async () => {
      await holds(
        'parsePaymentNotification / parseRefundNotification: junk',
        fc.property(junkText, (text) => {
          refused(attempt(() => parsePaymentNotification(text, OPTIONS)));
          refused(attempt(() => parseRefundNotification(text, OPTIONS)));
        }),
        cases(3_000, 100_000),
      );
    },
    timeoutMs(30_000),
  );
});

describe('refund notifications under fuzzing', () => {
  const nonce = fc.stringMatching(/^[0-9A-Za-z]{16,32}$/);

  it(
    'when a genuine refund notification comes in any layout, then its req_info decrypts to exactly its fields',
    async () => {
      await holds(
        'parseRefundNotification: genuine, any layout',
        fc.property(refundInfoFields(), nonce, fc.integer(), (info, n, layout) => {
          const envelope = refundEnvelope(info, n);
          const result = attempt(() =>
            parseRefundNotification(writeXml(envelope, layout), OPTIONS),
          );
          expect(result).toEqual({ ok: { envelope, info } });
        }),
        cases(1_500, 50_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when req_info or the envelope is tampered with, then what passes is exactly what WeChat encrypted',
    async () => {
      await holds(
        'parseRefundNotification: req_info and envelope mutations',
        fc.property(refundInfoFields(), nonce, refundTampering, (info, n, tampering) => {
          const body = tamperedRefundXml(info, n, tampering);
          const result = attempt(() => parseRefundNotification(body, OPTIONS));
          refused(result);
          if ('ok' in result) {
            // AES-ECB has no integrity: swapping two ciphertext blocks of a genuine req_info
            // can decrypt to different, well-formed fields (e.g. another out_refund_no). That
            // is WeChat's protocol, not a parsing bug; the server must cross-check what it
            // decrypts against its own refund (it does: out_trade_no and refund_fee).
            if (tampering.reqInfo?.kind === 'block' && !isDeepStrictEqual(result.ok.info, info)) {
              rearranged += 1;
            } else {
              expect(result.ok.info).toEqual(info);
            }
            expect(result.ok.envelope.appid).toBe(MERCHANT.appId);
            expect(result.ok.envelope.mch_id).toBe(MERCHANT.mchId);
          }
        }),
        cases(3_000, 100_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when any fields are encrypted and decrypted with the merchant key, then they come back unchanged',
    async () => {
      await holds(
        'encryptRefundInfo -> decryptRefundInfo round trip',
        fc.property(fieldSet, (fields) => {
          expect(decryptRefundInfo(encryptRefundInfo(fields, MERCHANT.key), MERCHANT.key)).toEqual(
            fields,
          );
        }),
        cases(1_500, 50_000),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'when req_info is any text, or junk encrypted with the right key, then decryptRefundInfo refuses it properly',
    async () => {
      const plaintext = fc.oneof(
        junkText,
        fc
          .array(fc.constantFrom(...XML_TOKENS), { maxLength: 30 })
          .map((tokens) => `<root>${tokens.join('')}</root>`),
      );
      await holds(
        'decryptRefundInfo: junk text and encrypted junk',
        fc.property(fc.string({ maxLength: 200 }), plaintext, (text, junk) => {
          refused(attempt(() => decryptRefundInfo(text, MERCHANT.key)));
          const result = attempt(() =>
            decryptRefundInfo(encryptRefundInfo(junk, MERCHANT.key), MERCHANT.key),
          );
          refused(result);
          if ('ok' in result) {
            for (const value of Object.values(result.ok)) expect(typeof value).toBe('string');
          }
        }),
        cases(3_000, 100_000),
      );
    },
    timeoutMs(30_000),
  );
});
