import {
  encryptRefundInfo,
  isWxPayError,
  parsePaymentNotification,
  parseRefundNotification,
  toXml,
} from '@fen/wxpay';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepayIdOf } from '../server/helpers/sandbox-control.js';
import { DEMO, call, eventually } from '../server/helpers/stack.js';
import { casesRun, cases, holds, timeoutMs } from './support/budget.js';
import * as notifications from './support/notifications.js';
import {
  delivery,
  encodeBody,
  notificationRequest,
  promisesMore,
  textTheServerSees,
} from './support/notify-requests.js';
import { watchAppRequests } from './support/app-requests.js';
import { rawRequest } from './support/raw-http.js';
import type { RawResponse } from './support/raw-http.js';
import { expectNoSecret } from './support/secrets.js';
import { useFuzzStack } from './support/stack.js';
import { counts, stateDigest } from './support/state.js';
import { byteMutation, mutateBytes } from './support/xml-gen.js';
import type { Fields } from './support/xml-gen.js';

// POST /wxpay/notify and /wxpay/refund-notify on the real server: genuinely signed
// notifications, mutated every way, delivered every way. A notification that does not verify
// must change nothing; a verified one for an order or refund we do not have is recorded (event +
// anomaly) and answered FAIL; a verified one with the wrong amount is an anomaly, never a payment.

const stack = useFuzzStack();
const OPTIONS = notifications.PARSE_OPTIONS;

interface KnownOrder {
  id: string;
  outTradeNo: string;
  totalFen: number;
}
let orders: KnownOrder[] = [];
let refund: { outTradeNo: string; outRefundNo: string; refundFen: number };

const models = () => stack.server.running.runtime.db.models;
const digest = () =>
  stateDigest(
    models(),
    orders.map((o) => o.id),
  );

/**
 * What a notification route must always be: HTTP 200, WeChat's XML, no secret. `NODE_400` is
 * Node's own HTTP layer refusing broken framing (bytes after the declared body, a body cut
 * short) before or instead of the app: a 400 without the app's X-Request-Id.
 */
function checkReply(reply: RawResponse): 'SUCCESS' | 'FAIL' | 'NODE_400' {
  expectNoSecret(reply.raw.toString('utf8'), stack.recorder.sessionKeys);
  if (reply.status === 400 && reply.headers['x-request-id'] === undefined) return 'NODE_400';
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/xml/);
  const text = reply.body.toString('utf8');
  const code = /<return_code><!\[CDATA\[(SUCCESS|FAIL)\]\]><\/return_code>/.exec(text)?.[1];
  expect(code, text).toBeDefined();
  return code as 'SUCCESS' | 'FAIL';
}

function verifies(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (err) {
    if (!isWxPayError(err)) throw err;
    return false;
  }
}

/**
 * Delivers each of `bodies` to `path` every way `delivery` can and checks what the server does:
 * every complete request is answered; one whose body does not `parse` (verify) is never answered
 * SUCCESS and changes no stored state. Logs how many `passed` (and so could change state).
 */
async function deliverEveryWay(
  path: string,
  bodies: fc.Arbitrary<string>,
  parse: (seen: string) => unknown,
  numRuns: number,
  passed: 'verified' | 'decrypted',
): Promise<void> {
  const app = watchAppRequests(stack.server);
  let baseline = await digest();
  let accepted = 0;
  await holds(
    `POST ${path}: mutated genuine notifications`,
    fc.asyncProperty(bodies, delivery, async (xml, how) => {
      const request = notificationRequest(path, encodeBody(xml, how), how);
      const reply = await rawRequest(
        stack.server.running.port,
        request,
        promisesMore(request) ? 200 : 10_000,
      );
      const seen = textTheServerSees(request);
      const valid = seen !== undefined && verifies(() => parse(seen));
      if (reply) {
        const code = checkReply(reply);
        if (!valid) expect(code).not.toBe('SUCCESS');
      } else {
        expect(promisesMore(request), 'every complete request is answered').toBe(true);
      }
      await app.settle();
      const after = await digest();
      if (!valid) expect(after, 'a refused notification changed stored state').toBe(baseline);
      else accepted += 1;
      baseline = after;
    }),
    numRuns,
  );
  app.stop();
  console.log(`[fuzz] of which ${passed} (and so allowed to change state): ${accepted}`);
}

const returnMsg = (reply: RawResponse) =>
  /<return_msg><!\[CDATA\[([^\]]*)\]\]><\/return_msg>/.exec(reply.body.toString('utf8'))?.[1];

const post = (path: string, xml: string) =>
  rawRequest(stack.server.running.port, {
    method: 'POST',
    path,
    headers: [['Content-Type', 'text/xml']],
    body: Buffer.from(xml),
  });

describe('the notification routes under fuzzing', () => {
  it(
    'sets up: pending orders, and a paid order with a completed refund',
    async () => {
      const { server, sandbox } = stack;
      const { token } = await stack.login('fuzz-notify-payer');
      const place = async (quantity: number) => {
        const res = await call(`${server.url}/api/orders`, {
          token,
          body: { items: [{ productId: 'mooncake-box', quantity }] },
        });
        expect(res.status).toBe(201);
        return res.body as { order: KnownOrder; payParams: { package: string } };
      };
      const placed = [await place(1), await place(2), await place(3), await place(4)];
      orders = placed.map(({ order }) => ({
        id: order.id,
        outTradeNo: order.outTradeNo,
        totalFen: order.totalFen,
      }));
      // The last one is paid through the sandbox and partly refunded, for refund notifications.
      const paid = placed[3] as (typeof placed)[number];
      sandbox.pay(prepayIdOf(paid.payParams));
      await eventually(
        async () => {
          const res = await call(`${server.url}/api/orders/${paid.order.id}`, { token });
          return res.body.order.status === 'PAID' ? true : undefined;
        },
        5_000,
        'PAID',
      );
      const created = await call(`${server.url}/admin/orders/${paid.order.id}/refunds`, {
        token: DEMO.adminToken,
        body: { amountFen: 100, outRefundNo: `FUZZREFUND${Date.now()}` },
      });
      expect(created.status).toBe(201);
      await eventually(
        async () => {
          const doc = await models().Refund.findOne().lean();
          return doc?.status === 'SUCCESS' ? doc : undefined;
        },
        5_000,
        'refund SUCCESS',
      );
      const doc = await models().Refund.findOne().lean();
      refund = {
        outTradeNo: paid.order.outTradeNo,
        outRefundNo: doc?.outRefundNo ?? '',
        refundFen: 100,
      };
      // Let the sandbox's last deliveries land before the fuzzing starts taking snapshots.
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    timeoutMs(30_000),
  );

  it(
    'when genuine payment notifications are mutated and delivered every way, then only verifying ones change anything',
    async () => {
      const order = fc.constantFrom(...orders);
      const body = fc.oneof(
        fc
          .tuple(
            notifications.paymentFields(order),
            notifications.signType,
            fc.array(notifications.fieldMutation, { minLength: 1, maxLength: 2 }),
          )
          .map(([fields, type, mutations]) =>
            mutations.reduce<string>(
              (xml, m) => {
                const current = verifies(() => parsePaymentNotification(xml, OPTIONS))
                  ? parsePaymentNotification(xml, OPTIONS)
                  : notifications.signed(fields, type);
                return notifications.mutateFields(current, m);
              },
              toXml(notifications.signed(fields, type)),
            ),
          ),
        fc
          .tuple(
            notifications.paymentFields(order),
            notifications.signType,
            fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
          )
          .map(([fields, type, mutations]) =>
            mutateBytes(Buffer.from(toXml(notifications.signed(fields, type))), mutations).toString(
              'utf8',
            ),
          ),
      );
      await deliverEveryWay(
        '/wxpay/notify',
        body,
        (seen) => parsePaymentNotification(seen, OPTIONS),
        cases(120, 8_000),
        'verified',
      );
    },
    timeoutMs(120_000),
  );

  it(
    'when genuine refund notifications are mutated and delivered every way, then only decrypting ones change anything',
    async () => {
      const nonce = fc.stringMatching(/^[0-9A-Za-z]{16,32}$/);
      const known = fc.constant(refund);
      const body = fc
        .tuple(
          notifications.refundInfoFields(known),
          nonce,
          notifications.refundTampering,
          fc.option(fc.array(byteMutation, { minLength: 1, maxLength: 2 }), { nil: undefined }),
        )
        .map(([info, n, tampering, byteChanges]) => {
          const xml = notifications.tamperedRefundXml(info, n, tampering);
          return byteChanges ? mutateBytes(Buffer.from(xml), byteChanges).toString('utf8') : xml;
        });
      await deliverEveryWay(
        '/wxpay/refund-notify',
        body,
        (seen) => parseRefundNotification(seen, OPTIONS),
        cases(100, 6_000),
        'decrypted',
      );
    },
    timeoutMs(120_000),
  );

  it(
    'when a genuinely signed notification names an order we do not have, then it is recorded as an anomaly once and answered FAIL',
    async () => {
      await holds(
        'POST /wxpay/notify: signed, unknown order',
        fc.asyncProperty(
          notifications.paymentFields(),
          notifications.signType,
          async (fields, type) => {
            fc.pre(!orders.some((o) => o.outTradeNo === fields.out_trade_no));
            const xml = toXml(notifications.signed(fields, type));
            const before = await counts(models());
            const first = await post('/wxpay/notify', xml);
            const again = await post('/wxpay/notify', xml);
            for (const reply of [first, again]) {
              expect(reply && checkReply(reply)).toBe('FAIL');
              expect(reply && returnMsg(reply)).toBe('UNKNOWN_ORDER');
            }
            const after = await counts(models());
            expect(after).toEqual({
              ...before,
              PaymentEvent: (before.PaymentEvent ?? 0) + 1,
              Anomaly: (before.Anomaly ?? 0) + 1,
            });
            const dedupeKey =
              fields.result_code === 'SUCCESS'
                ? `PAY:${fields.out_trade_no}:${fields.transaction_id}`
                : `PAY_FAILED:${fields.out_trade_no}:${fields.err_code ?? ''}:${fields.nonce_str}`;
            const event = await models().PaymentEvent.findOne({ dedupeKey }).lean();
            expect(event).toMatchObject({ receivedCount: 2, outcome: 'ANOMALY' });
            const anomaly = await models()
              .Anomaly.findOne({ dedupeKey: `UNKNOWN_ORDER:${dedupeKey}` })
              .lean();
            expect(anomaly?.kind).toBe('UNKNOWN_ORDER');
          },
        ),
        cases(10, 500),
      );
    },
    timeoutMs(60_000),
  );

  it(
    'when a genuinely signed notification carries the wrong amount for a pending order, then it is an anomaly and the order stays pending',
    async () => {
      const pending = orders.slice(0, 3);
      await holds(
        'POST /wxpay/notify: signed, wrong amount',
        fc.asyncProperty(
          notifications
            .paymentFields(
              fc
                .record({
                  pick: fc.nat({ max: pending.length - 1 }),
                  delta: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.integer()),
                })
                .map(({ pick, delta }) => {
                  const o = pending[pick] as KnownOrder;
                  return { outTradeNo: o.outTradeNo, totalFen: o.totalFen + (delta || 1) };
                }),
            )
            .map((fields): Fields => ({ ...fields, result_code: 'SUCCESS' })),
          notifications.signType,
          async (fields, type) => {
            const { err_code: _e, err_code_des: _d, ...success } = fields;
            const target = orders.find((o) => o.outTradeNo === success.out_trade_no);
            const statusBefore = (await models().Order.findById(target?.id).lean())?.status;
            const reply = await post('/wxpay/notify', toXml(notifications.signed(success, type)));
            expect(reply && checkReply(reply)).toBe('FAIL');
            expect(reply && returnMsg(reply)).toBe('ANOMALY');
            const now = await models().Order.findById(target?.id).lean();
            expect(now?.status).toBe(statusBefore);
            expect(now?.transactionId ?? '').not.toBe(success.transaction_id);
            const anomaly = await models()
              .Anomaly.findOne({
                dedupeKey: `AMOUNT_MISMATCH:PAY:${success.out_trade_no}:${success.transaction_id}`,
              })
              .lean();
            expect(anomaly?.kind).toBe('AMOUNT_MISMATCH');
          },
        ),
        cases(10, 500),
      );
    },
    timeoutMs(60_000),
  );

  it(
    'when a correctly encrypted refund notification names a refund we do not have, then it is an anomaly, answered FAIL',
    async () => {
      await holds(
        'POST /wxpay/refund-notify: encrypted, unknown refund',
        fc.asyncProperty(notifications.refundInfoFields(), async (info) => {
          fc.pre(info.out_refund_no !== refund.outRefundNo);
          const envelope = {
            return_code: 'SUCCESS',
            appid: notifications.MERCHANT.appId,
            mch_id: notifications.MERCHANT.mchId,
            nonce_str: 'fuzzfuzzfuzzfuzz',
            req_info: encryptRefundInfo(info, notifications.MERCHANT.key),
          };
          const before = await counts(models());
          const reply = await post('/wxpay/refund-notify', toXml(envelope));
          expect(reply && checkReply(reply)).toBe('FAIL');
          expect(reply && returnMsg(reply)).toBe('ANOMALY');
          const after = await counts(models());
          expect(after).toEqual({
            ...before,
            PaymentEvent: (before.PaymentEvent ?? 0) + 1,
            Anomaly: (before.Anomaly ?? 0) + 1,
          });
          const doc = await models().Refund.findOne({ outRefundNo: refund.outRefundNo }).lean();
          expect(doc?.status).toBe('SUCCESS');
        }),
        cases(8, 300),
      );
    },
    timeoutMs(60_000),
  );

  it(
    'when the fuzzing is over, then the process never crashed, the server is healthy and its log holds no secret',
    async () => {
      const health = await call(`${stack.server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(stack.crashes).toEqual([]);
      expectNoSecret(stack.server.logs.text, stack.recorder.sessionKeys, 'server log');
      const failed = stack.server.logs.lines.filter((line) => line.includes('"request failed"'));
      expect(failed).toEqual([]);
      console.log(`[fuzz] server-notify.test.ts: ${casesRun()} cases in total`);
    },
    timeoutMs(30_000),
  );
});
