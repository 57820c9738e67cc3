import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createV3PayClient,
  isV3ApiError,
  isWxPayError,
  parseFundFlowBill,
  parseTradeBill,
} from '@fen/wxpay';
import type { V3PayClient, V3PayClientOptions } from '@fen/wxpay';
import { DEMO_CERTS_DIR, DEMO_MERCHANT, createSandbox } from '@fen/wx-sandbox';
import type { Sandbox } from '@fen/wx-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// @fen/wxpay's APIv3 client against the sandbox over real HTTP: the two sides were written apart
// (each pinned to known answers in its own tests), so agreement here means the wire matches.
const cert = (name: string) => readFileSync(new URL(name, DEMO_CERTS_DIR));

interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A merchant's v3 notify_url: keeps every POST exactly as received, answers 204. */
async function startNotifyUrl(): Promise<{ url: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wxpay/v3/notify`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function eventually<T>(
  check: () => T | undefined,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let sandbox: Sandbox;
let notify: Awaited<ReturnType<typeof startNotifyUrl>>;
const clients: V3PayClient[] = [];

/** A v3 client of the demo merchant on the sandbox, on the sandbox's clock. */
function client(overrides: Partial<V3PayClientOptions> = {}): V3PayClient {
  const made = createV3PayClient({
    mchId: DEMO_MERCHANT.mchId,
    appId: DEMO_MERCHANT.appId,
    privateKey: cert('apiclient_key.pem'),
    merchantSerialNo: DEMO_MERCHANT.merchantSerialNo,
    apiV3Key: DEMO_MERCHANT.apiV3Key,
    baseUrl: sandbox.url,
    now: () => sandbox.now().getTime(),
    timeoutMs: 5000,
    ...overrides,
  });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001, refundDelaySeconds: 5 });
  notify = await startNotifyUrl();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sandbox?.close();
  await notify?.close();
});

let seq = 0;
const outTradeNo = () => `V3E2E${Date.now().toString(36)}${(seq++).toString(36)}`;
const openid = () => sandbox.loginCode('v3-e2e-user').openid;

async function placeJsapi(pay: V3PayClient, total = 1990) {
  const no = outTradeNo();
  const { prepay_id: prepayId } = await pay.prepayJsapi({
    description: 'Fen 帆布包',
    out_trade_no: no,
    notify_url: notify.url,
    amount: { total, currency: 'CNY' },
    payer: { openid: openid() },
  });
  return { no, prepayId };
}

describe('createV3PayClient against the sandbox', () => {
  it('when a JSAPI order is prepaid, paid and queried, then every reply verifies and the notification opens with the client', async () => {
    const pay = client();
    const { no, prepayId } = await placeJsapi(pay);
    expect(prepayId).toMatch(/^wx/);
    expect((await pay.queryByOutTradeNo(no)).trade_state).toBe('NOTPAY');
    const before = notify.hits.length;
    const { transaction_id: transactionId } = sandbox.pay(prepayId, 'success');
    const hit = await eventually(() => notify.hits[before], 'payment notification');
    const notification = await pay.parseNotification<{
      out_trade_no: string;
      amount: { total: number };
    }>(hit);
    expect(notification.event_type).toBe('TRANSACTION.SUCCESS');
    expect(notification.original_type).toBe('transaction');
    expect(notification.resource).toMatchObject({
      out_trade_no: no,
      transaction_id: transactionId,
      amount: { total: 1990 },
    });
    const paid = await pay.queryByOutTradeNo(no);
    expect(paid).toMatchObject({
      trade_state: 'SUCCESS',
      transaction_id: transactionId,
      payer: { openid: openid() },
    });
    expect(await pay.queryByTransactionId(transactionId!)).toEqual(paid);
    const params = pay.miniProgramPayParams(prepayId);
    expect(params).toMatchObject({ package: `prepay_id=${prepayId}`, signType: 'RSA' });
  });

  it('when APP, Native and H5 orders are placed, then prepay_id, code_url and h5_url come back', async () => {
    const pay = client();
    const base = { description: 'Fen', notify_url: notify.url, amount: { total: 100 } };
    expect((await pay.prepayApp({ ...base, out_trade_no: outTradeNo() })).prepay_id).toMatch(/^wx/);
    expect((await pay.prepayNative({ ...base, out_trade_no: outTradeNo() })).code_url).toMatch(
      /^weixin:\/\//,
    );
    const h5 = await pay.prepayH5({
      ...base,
      out_trade_no: outTradeNo(),
      scene_info: { payer_client_ip: '203.0.113.9', h5_info: { type: 'Wap' } },
    });
    expect(h5.h5_url).toContain('/checkmweb?prepay_id=');
  });

  it('when WeChat refuses, then the client raises WxPayV3ApiError with the sandbox code, signature verified', async () => {
    const pay = client();
    const missing = await pay.queryByOutTradeNo(outTradeNo()).catch((e: unknown) => e);
    expect(isV3ApiError(missing, 'ORDER_NOT_EXIST')).toBe(true);
    expect(missing).toMatchObject({ status: 404, signatureVerified: true });
    const { no } = await placeJsapi(pay);
    const reused = await pay
      .prepayJsapi({
        description: 'other',
        out_trade_no: no,
        notify_url: notify.url,
        amount: { total: 1 },
        payer: { openid: openid() },
      })
      .catch((e: unknown) => e);
    expect(isV3ApiError(reused, 'OUT_TRADE_NO_USED')).toBe(true);
    await pay.closeOrder(no);
    expect((await pay.queryByOutTradeNo(no)).trade_state).toBe('CLOSED');
    const closedAgain = await pay.closeOrder(no).catch((e: unknown) => e);
    expect(isV3ApiError(closedAgain, 'ORDER_CLOSED')).toBe(true);

    const wrongKey = client({ privateKey: cert('other_key.pem') });
    const refused = await wrongKey.queryByOutTradeNo(no).catch((e: unknown) => e);
    expect(isV3ApiError(refused, 'SIGN_ERROR')).toBe(true);
    // Its first need is the platform certificates (to check the signed 401), and that download is
    // refused too: the error names it.
    expect(refused).toMatchObject({ status: 401 });
    expect((refused as Error).message).toMatch(/SIGN_ERROR/);
  });

  it('when a paid order is refunded, then the refund settles, its notification opens and the trade bill carries both', async () => {
    const pay = client();
    const { no, prepayId } = await placeJsapi(pay, 3000);
    sandbox.pay(prepayId, 'success');
    const refund = await pay.refund({
      out_trade_no: no,
      out_refund_no: `R${no}`,
      notify_url: notify.url,
      amount: { refund: 1000, total: 3000, currency: 'CNY' },
    });
    expect(refund).toMatchObject({ status: 'PROCESSING', amount: { refund: 1000, total: 3000 } });
    // The only refund of this file: its notification is the one REFUND.SUCCESS.
    const hit = await eventually(
      () => notify.hits.find((h) => h.body.includes('REFUND.SUCCESS')),
      'refund notification',
    );
    const opened = await pay.parseNotification<{ out_refund_no: string; refund_status: string }>(
      hit,
    );
    expect(opened.resource).toMatchObject({ out_refund_no: `R${no}`, refund_status: 'SUCCESS' });
    expect((await pay.queryRefund(`R${no}`)).status).toBe('SUCCESS');

    const day = new Date(sandbox.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const beijingMs = sandbox.now().getTime() + 8 * 3600_000;
    sandbox.advanceClock((86_400_000 - (beijingMs % 86_400_000)) / 1000 + 10 * 3600);
    const bill = await pay.tradeBill({ bill_date: day, tar_type: 'GZIP' });
    expect(bill.hash_type).toBe('SHA1');
    expect(bill.text).toContain(`\`${no}`);
    expect(bill.text).toContain(`\`R${no}`);
    const rows = parseTradeBill(bill.text).rows.filter((r) => r.outTradeNo === no);
    expect(rows.map((r) => [r.tradeState, r.totalFen, r.refund?.refundFen])).toEqual([
      ['SUCCESS', 3000, undefined],
      ['REFUND', 0, 1000],
    ]);
    const flow = await pay.fundFlowBill({
      bill_date: day,
      account_type: 'BASIC',
      tar_type: 'GZIP',
    });
    const flowRows = parseFundFlowBill(flow.text).rows;
    expect(flowRows.filter((r) => r.businessType === '退款').map((r) => r.amountFen)).toContain(
      1000,
    );
    expect(flowRows.some((r) => r.direction === 'income' && r.amountFen === 3000)).toBe(true);
  });

  it('when the platform certificate rotates, then a client that cached the old one still verifies during the overlap, then fetches the new serial', async () => {
    const pay = client();
    const { no, prepayId } = await placeJsapi(pay);
    const [old] = await pay.platformCertificates();
    const before = notify.hits.length;
    sandbox.pay(prepayId, 'success');
    const signedByOld = await eventually(
      () => notify.hits[before],
      'notification signed by the old certificate',
    );
    expect(signedByOld.headers['wechatpay-serial']).toBe(old!.serial);

    const rotation = await fetch(`${sandbox.url}/__sandbox/v3/rotate-platform-certificate`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'immediate', overlapSeconds: 3600 }),
    }).then((r) => r.json() as Promise<{ serial_no: string }>);
    expect(rotation.serial_no).not.toBe(old!.serial);

    // The cached set has only the old certificate, and what it signed still verifies.
    expect((await pay.platformCertificates()).map((c) => c.serial)).toEqual([old!.serial]);
    expect((await pay.parseNotification(signedByOld)).event_type).toBe('TRANSACTION.SUCCESS');

    // A reply signed with the new serial: the client downloads once more (its set must be a
    // minute old first — @fen/wxpay's guard against forged serials) and verifies.
    sandbox.advanceClock(61);
    expect((await pay.queryByOutTradeNo(no)).trade_state).toBe('SUCCESS');
    expect((await pay.platformCertificates()).map((c) => c.serial)).toEqual([
      old!.serial,
      rotation.serial_no,
    ]);
    const next = await placeJsapi(pay);
    const after = notify.hits.length;
    sandbox.pay(next.prepayId, 'success');
    const signedByNew = await eventually(
      () => notify.hits[after],
      'notification signed by the new certificate',
    );
    expect(signedByNew.headers['wechatpay-serial']).toBe(rotation.serial_no);
    expect((await pay.parseNotification(signedByNew)).event_type).toBe('TRANSACTION.SUCCESS');

    // After the overlap a fresh client is given only the new certificate.
    sandbox.advanceClock(3600);
    const fresh = client();
    expect((await fresh.platformCertificates()).map((c) => c.serial)).toEqual([rotation.serial_no]);
  });

  it('when the sandbox signs in public-key mode, then a client with that public key verifies, and a certificate-only client refuses the serial', async () => {
    const exposed = await fetch(`${sandbox.url}/__sandbox/v3/public-key`).then(
      (r) => r.json() as Promise<{ public_key_id: string; public_key: string }>,
    );
    const withKey = client({
      wechatPayPublicKey: { id: exposed.public_key_id, key: exposed.public_key },
    });
    const certOnly = client();
    const { no } = await placeJsapi(certOnly);
    await fetch(`${sandbox.url}/__sandbox/v3/mode`, {
      method: 'PUT',
      body: JSON.stringify({ mode: 'public_key' }),
    });
    try {
      expect((await withKey.queryByOutTradeNo(no)).trade_state).toBe('NOTPAY');
      const refused = await certOnly.queryByOutTradeNo(no).catch((e: unknown) => e);
      expect(isWxPayError(refused) && refused.code).toBe('V3_SERIAL_UNKNOWN');
    } finally {
      await fetch(`${sandbox.url}/__sandbox/v3/mode`, {
        method: 'PUT',
        body: JSON.stringify({ mode: 'certificate' }),
      });
    }
    expect((await certOnly.queryByOutTradeNo(no)).trade_state).toBe('NOTPAY');
  });
});
