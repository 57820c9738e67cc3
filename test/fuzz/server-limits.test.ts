import { toXml } from '@fen/wxpay';
import { describe, expect, it } from 'vitest';
import { DEMO, call } from '../server/helpers/stack.js';
import { MERCHANT, signed } from './support/notifications.js';
import { NOTIFY_LIMIT } from './support/notify-requests.js';
import { rawRequest } from './support/raw-http.js';
import { useFuzzStack } from './support/stack.js';
import { stateDigest } from './support/state.js';

// The body limits to the byte, on the real server: exactly at the limit is read, one byte over
// is refused and changes nothing. (The fuzzers hit these sizes at random; this pins them.)

const stack = useFuzzStack();
const JSON_LIMIT = 16 * 1024;

const post = (path: string, body: Buffer, headers: Array<[string, string]>) =>
  rawRequest(stack.server.running.port, { method: 'POST', path, headers, body });

/** `text` padded with trailing spaces (insignificant in XML and JSON) to exactly `size` bytes. */
const padded = (text: string, size: number) =>
  Buffer.concat([Buffer.from(text), Buffer.alloc(size - Buffer.byteLength(text), 0x20)]);

describe('body limits', () => {
  it('when a genuine notification is exactly 64 KiB it pays the order; one byte more and it changes nothing', async () => {
    const { token } = await stack.login('fuzz-limits');
    const created = await call(`${stack.server.url}/api/orders`, {
      token,
      body: { items: [{ productId: 'mooncake-box', quantity: 1 }] },
    });
    expect(created.status).toBe(201);
    const order = created.body.order as { id: string; outTradeNo: string; totalFen: number };
    const xml = toXml(
      signed({
        return_code: 'SUCCESS',
        appid: MERCHANT.appId,
        mch_id: MERCHANT.mchId,
        nonce_str: 'limitslimitslimits',
        result_code: 'SUCCESS',
        openid: 'o-limits',
        trade_type: 'JSAPI',
        total_fee: String(order.totalFen),
        cash_fee: String(order.totalFen),
        transaction_id: `4200${Date.now()}`,
        out_trade_no: order.outTradeNo,
        time_end: '20261201120000',
      }),
    );
    const models = stack.server.running.runtime.db.models;
    const before = await stateDigest(models, [order.id]);
    const over = await post('/wxpay/notify', padded(xml, NOTIFY_LIMIT + 1), [
      ['Content-Type', 'text/xml'],
    ]);
    expect(over?.status).toBe(200);
    expect(over?.body.toString()).toContain('BODY_REFUSED');
    expect(await stateDigest(models, [order.id])).toBe(before);

    const atLimit = await post('/wxpay/notify', padded(xml, NOTIFY_LIMIT), [
      ['Content-Type', 'text/xml'],
    ]);
    expect(atLimit?.body.toString()).toContain('<return_code><![CDATA[SUCCESS]]></return_code>');
    expect((await models.Order.findById(order.id).lean())?.status).toBe('PAID');
  });

  it('when a JSON body is exactly 16 KiB it is read; one byte more is a 413', async () => {
    const json = (size: number) =>
      post('/api/session', padded('{"code":"not-a-login-code"}', size), [
        ['Content-Type', 'application/json'],
      ]);
    const atLimit = await json(JSON_LIMIT);
    // Read and validated: the code reaches WeChat, which refuses it.
    expect(atLimit?.status).toBe(400);
    expect(JSON.parse(atLimit?.body.toString() ?? '{}').error.code).toBe('LOGIN_CODE_INVALID');
    const over = await json(JSON_LIMIT + 1);
    expect(over?.status).toBe(413);
    expect(JSON.parse(over?.body.toString() ?? '{}').error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('half-closed requests', () => {
  // Found by the full fuzz run (seed 875824138): `GET /healthz`, then the client closed its
  // sending side, and the reply never came — Node aborts such requests unless told otherwise.
  it('when a client half-closes after a complete request, then it is still answered, each time', async () => {
    const { token } = await stack.login('fuzz-half-close');
    for (let round = 0; round < 10; round += 1) {
      const health = await rawRequest(stack.server.running.port, {
        method: 'GET',
        path: '/healthz',
        headers: [],
        halfClose: true,
      });
      expect(health?.status, `round ${round}: /healthz`).toBe(200);
      const orders = await rawRequest(stack.server.running.port, {
        method: 'GET',
        path: '/api/orders',
        headers: [['Authorization', `Bearer ${token}`]],
        halfClose: true,
      });
      expect(orders?.status, `round ${round}: /api/orders`).toBe(200);
    }
  });
});

describe('control characters in client text', () => {
  // Found by the full fuzz run (seed 875824138): an admin order filter holding U+0000 reached
  // FerretDB/PostgreSQL, whose jsonb cannot hold it, and came back as a 500.
  it('when a query, a JSON field or a login code holds a NUL, then it is a 400 and nothing changes', async () => {
    const { token } = await stack.login('fuzz-control-chars');
    const models = stack.server.running.runtime.db.models;
    const before = await stateDigest(models, []);
    const admin = [['Authorization', `Bearer ${DEMO.adminToken}`]] as Array<[string, string]>;
    for (const path of ['/admin/orders?outTradeNo=%00', '/admin/orders?userId=a%00b']) {
      const reply = await rawRequest(stack.server.running.port, {
        method: 'GET',
        path,
        headers: admin,
      });
      expect(reply?.status, path).toBe(400);
    }
    const json = [['Content-Type', 'application/json']] as Array<[string, string]>;
    const order = await post(
      '/api/orders',
      Buffer.from(JSON.stringify({ items: [{ productId: 'mooncake\u0000box', quantity: 1 }] })),
      [...json, ['Authorization', `Bearer ${token}`]],
    );
    expect(order?.status).toBe(400);
    const session = await post('/api/session', Buffer.from('{"code":"abc\\u0000"}'), json);
    expect(session?.status).toBe(400);
    expect(await stateDigest(models, [])).toBe(before);
    const failed = stack.server.logs.lines.filter((line) => line.includes('"request failed"'));
    expect(failed).toEqual([]);
  });
});
