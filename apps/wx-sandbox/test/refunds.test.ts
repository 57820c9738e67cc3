import { readPkcs12 } from '@fen/wxpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { cert, eventually, postPay, send, startReceiver } from './support/http.js';
import type { Receiver } from './support/http.js';
import { paidOrder, createOrder, tradeNo } from './support/orders.js';
import { DEMO, decryptReqInfo, parseTestXml, replySignOk, signed } from './support/wire.js';

const MERCHANT_PEM = { cert: cert('apiclient_cert.pem'), key: cert('apiclient_key.pem') };
// WeChat's legacy-format .p12, which Node's TLS cannot open itself: read out as merchants' code does.
const MERCHANT_P12 = readPkcs12(cert('apiclient_cert.p12'), DEMO.mchId);

let sandbox: Sandbox;
let receiver: Receiver;
let refundUrl: string;
beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001, refundDelaySeconds: 100 });
  receiver = await startReceiver('/refund-notify');
  refundUrl = `${sandbox.tlsUrl}/secapi/pay/refund`;
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

const refund = (
  fields: Record<string, string>,
  tls: Parameters<typeof postPay>[2] = MERCHANT_PEM,
  type: 'MD5' | 'HMAC-SHA256' = 'MD5',
) => postPay(refundUrl, signed(fields, type), tls);

describe('/secapi/pay/refund — mutual TLS', () => {
  it('when the demo merchant certificate is presented (PEM or PKCS#12), then the refund is accepted', async () => {
    for (const tls of [MERCHANT_PEM, MERCHANT_P12]) {
      const { fields } = await paidOrder(sandbox);
      const { reply } = await refund(
        {
          out_trade_no: fields.out_trade_no!,
          out_refund_no: tradeNo('R'),
          total_fee: '1990',
          refund_fee: '100',
        },
        tls,
      );
      expect(reply).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    }
  });

  it('when there is no certificate, one from another CA, one for another mch_id, or plain HTTP, then return_code=FAIL about the certificate', async () => {
    const { fields } = await paidOrder(sandbox);
    const body = {
      out_trade_no: fields.out_trade_no!,
      out_refund_no: tradeNo('R'),
      total_fee: '1990',
      refund_fee: '100',
    };
    const attempts = [
      () => postPay(refundUrl, signed(body), {}),
      () =>
        postPay(refundUrl, signed(body), {
          cert: cert('rogue_cert.pem'),
          key: cert('rogue_key.pem'),
        }),
      () =>
        postPay(refundUrl, signed(body), {
          cert: cert('other_cert.pem'),
          key: cert('other_key.pem'),
        }),
      () => postPay(`${sandbox.url}/secapi/pay/refund`, signed(body)),
    ];
    for (const attempt of attempts) {
      const { reply } = await attempt();
      expect(reply.return_code).toBe('FAIL');
      expect(reply.return_msg).toContain('证书');
      expect(reply.sign).toBeUndefined();
    }
    expect(
      sandbox.orders().find((o) => o.out_trade_no === fields.out_trade_no)!.refunds,
    ).toHaveLength(0);
  });

  it('when other pay paths are called over the TLS listener, then they work without a client certificate', async () => {
    const { reply } = await postPay(
      `${sandbox.tlsUrl}/pay/orderquery`,
      signed({ out_trade_no: 'NOPE123' }),
      {},
    );
    expect(reply.err_code).toBe('ORDERNOTEXIST');
  });
});

describe('/secapi/pay/refund — rules', () => {
  it('when refunds are partial and repeated, then they add up to total_fee and no further', async () => {
    const { fields, transactionId } = await paidOrder(sandbox);
    const base = { out_trade_no: fields.out_trade_no!, total_fee: '1990' };
    const first = await refund({ ...base, out_refund_no: tradeNo('R'), refund_fee: '990' });
    expect(first.reply).toMatchObject({
      result_code: 'SUCCESS',
      transaction_id: transactionId,
      out_trade_no: fields.out_trade_no,
      refund_fee: '990',
      total_fee: '1990',
      cash_fee: '1990',
    });
    expect(first.reply.refund_id).toMatch(/^\d{29}$/);
    expect(replySignOk(first.reply)).toBe(true);
    // by transaction_id this time, HMAC-signed
    const second = await refund(
      {
        transaction_id: transactionId,
        total_fee: '1990',
        out_refund_no: tradeNo('R'),
        refund_fee: '900',
      },
      MERCHANT_PEM,
      'HMAC-SHA256',
    );
    expect(second.reply.result_code).toBe('SUCCESS');
    expect(replySignOk(second.reply, 'HMAC-SHA256')).toBe(true);
    const over = await refund({ ...base, out_refund_no: tradeNo('R'), refund_fee: '101' });
    expect(over.reply).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'FAIL',
      err_code: 'ERROR',
    });
    expect(replySignOk(over.reply)).toBe(true);
    const last = await refund({ ...base, out_refund_no: tradeNo('R'), refund_fee: '100' });
    expect(last.reply.result_code).toBe('SUCCESS');
    const more = await refund({ ...base, out_refund_no: tradeNo('R'), refund_fee: '1' });
    expect(more.reply).toMatchObject({ err_code: 'ERROR', err_code_des: '订单已全额退款' });
    const query = await postPay(
      `${sandbox.url}/pay/orderquery`,
      signed({ out_trade_no: fields.out_trade_no! }),
    );
    expect(query.reply.trade_state).toBe('REFUND');
  });

  it('when the same out_refund_no is sent again, then the same refund comes back and nothing more is refunded', async () => {
    const { fields } = await paidOrder(sandbox);
    const body = {
      out_trade_no: fields.out_trade_no!,
      out_refund_no: tradeNo('R'),
      total_fee: '1990',
      refund_fee: '1990',
    };
    const replies = await Promise.all(Array.from({ length: 20 }, () => refund(body)));
    expect(new Set(replies.map((r) => r.reply.refund_id)).size).toBe(1);
    expect(replies.every((r) => r.reply.result_code === 'SUCCESS')).toBe(true);
    expect(
      sandbox.orders().find((o) => o.out_trade_no === fields.out_trade_no)!.refunds,
    ).toHaveLength(1);
    const changed = await refund({ ...body, refund_fee: '1000' });
    expect(changed.reply).toMatchObject({ result_code: 'FAIL', err_code: 'PARAM_ERROR' });
  });

  it("when the order is unknown or unpaid, or the amounts are wrong, then the spec's errors come back", async () => {
    const unpaid = await createOrder(sandbox);
    const cases: [Record<string, string>, string][] = [
      [
        { out_trade_no: 'NOPE123', out_refund_no: 'R1', total_fee: '1', refund_fee: '1' },
        'ORDERNOTEXIST',
      ],
      [
        {
          out_trade_no: unpaid.fields.out_trade_no!,
          out_refund_no: 'R2',
          total_fee: '1990',
          refund_fee: '1',
        },
        'ORDERNOTEXIST',
      ],
      [
        { transaction_id: '42', out_refund_no: 'R3', total_fee: '1', refund_fee: '1' },
        'INVALID_TRANSACTIONID',
      ],
      [
        {
          out_trade_no: unpaid.fields.out_trade_no!,
          out_refund_no: 'R4',
          total_fee: '19.90',
          refund_fee: '1',
        },
        'PARAM_ERROR',
      ],
      [
        {
          out_trade_no: unpaid.fields.out_trade_no!,
          out_refund_no: 'R 5',
          total_fee: '1990',
          refund_fee: '1',
        },
        'PARAM_ERROR',
      ],
      [
        { out_trade_no: unpaid.fields.out_trade_no!, total_fee: '1990', refund_fee: '1' },
        'PARAM_ERROR',
      ],
      [{ out_refund_no: 'R6', total_fee: '1990', refund_fee: '1' }, 'PARAM_ERROR'],
    ];
    for (const [fields, errCode] of cases) {
      const { reply } = await refund(fields);
      expect({ fields, err: reply.err_code }).toEqual({ fields, err: errCode });
    }
    const { fields } = await paidOrder(sandbox);
    const wrongTotal = await refund({
      out_trade_no: fields.out_trade_no!,
      out_refund_no: tradeNo('R'),
      total_fee: '1000',
      refund_fee: '1',
    });
    expect(wrongTotal.reply.err_code).toBe('PARAM_ERROR');
  });
});

describe('refund processing, refundquery and the refund notification', () => {
  it('when a refund is accepted, then it is PROCESSING, then SUCCESS, and an encrypted, unsigned notification arrives', async () => {
    const { fields, transactionId } = await paidOrder(sandbox);
    const outRefundNo = tradeNo('R');
    const accepted = await refund({
      out_trade_no: fields.out_trade_no!,
      out_refund_no: outRefundNo,
      total_fee: '1990',
      refund_fee: '500',
      notify_url: receiver.url,
    });
    const query = () =>
      postPay(`${sandbox.url}/pay/refundquery`, signed({ out_refund_no: outRefundNo }));
    const processing = (await query()).reply;
    expect(processing).toMatchObject({
      result_code: 'SUCCESS',
      refund_count: '1',
      refund_status_0: 'PROCESSING',
      out_refund_no_0: outRefundNo,
    });
    expect(replySignOk(processing)).toBe(true);

    const hit = await eventually(
      () => receiver.hits.find((h) => h.body.includes(fields.out_trade_no!) || h.fields.req_info),
      3000,
      'refund notification',
    );
    const outer = hit.fields;
    expect(outer).toMatchObject({ return_code: 'SUCCESS', appid: DEMO.appId, mch_id: DEMO.mchId });
    expect(outer.sign).toBeUndefined();
    expect(outer.nonce_str).toBeTruthy();
    const info = parseTestXml(decryptReqInfo(outer.req_info!));
    expect(info).toMatchObject({
      transaction_id: transactionId,
      out_trade_no: fields.out_trade_no,
      refund_id: accepted.reply.refund_id,
      out_refund_no: outRefundNo,
      total_fee: '1990',
      refund_fee: '500',
      settlement_refund_fee: '500',
      refund_status: 'SUCCESS',
      refund_recv_accout: '支付用户的零钱',
      refund_account: 'REFUND_SOURCE_UNSETTLED_FUNDS',
      refund_request_source: 'API',
    });
    expect(info.success_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const done = (await query()).reply;
    expect(done).toMatchObject({
      refund_status_0: 'SUCCESS',
      refund_success_time_0: info.success_time,
      refund_fee_0: '500',
    });
    const record = sandbox.notifications(fields.out_trade_no).find((n) => n.kind === 'refund');
    expect(record).toMatchObject({ out_refund_no: outRefundNo, state: 'DELIVERED' });
  });

  it('when refundquery names the order, then every refund is listed with $n from 0; offset pages them', async () => {
    const { fields, transactionId } = await paidOrder(sandbox);
    const nos = [tradeNo('R'), tradeNo('R'), tradeNo('R')];
    for (const no of nos)
      await refund({
        out_trade_no: fields.out_trade_no!,
        out_refund_no: no,
        total_fee: '1990',
        refund_fee: '10',
      });
    const byOrder = (
      await postPay(`${sandbox.url}/pay/refundquery`, signed({ transaction_id: transactionId }))
    ).reply;
    expect(byOrder).toMatchObject({
      refund_count: '3',
      out_refund_no_0: nos[0],
      out_refund_no_2: nos[2],
      total_fee: '1990',
      refund_fee: '30',
    });
    const page = (
      await postPay(
        `${sandbox.url}/pay/refundquery`,
        signed({ out_trade_no: fields.out_trade_no!, offset: '2' }),
      )
    ).reply;
    expect(page).toMatchObject({
      refund_count: '1',
      total_refund_count: '3',
      out_refund_no_0: nos[2],
    });
    const byId = (
      await postPay(`${sandbox.url}/pay/refundquery`, signed({ refund_id: byOrder.refund_id_1! }))
    ).reply;
    expect(byId).toMatchObject({ refund_count: '1', out_refund_no_0: nos[1] });
  });

  it('when refundquery finds nothing or names nothing, then REFUNDNOTEXIST / PARAM_ERROR', async () => {
    const { fields } = await paidOrder(sandbox);
    expect(
      (
        await postPay(
          `${sandbox.url}/pay/refundquery`,
          signed({ out_trade_no: fields.out_trade_no! }),
        )
      ).reply.err_code,
    ).toBe('REFUNDNOTEXIST');
    expect(
      (await postPay(`${sandbox.url}/pay/refundquery`, signed({ out_refund_no: 'NOPE' }))).reply
        .err_code,
    ).toBe('REFUNDNOTEXIST');
    expect((await postPay(`${sandbox.url}/pay/refundquery`, signed({}))).reply.err_code).toBe(
      'PARAM_ERROR',
    );
  });

  it('when a refund has no notify_url and the merchant has none configured, then no notification is sent', async () => {
    const { fields } = await paidOrder(sandbox);
    await refund({
      out_trade_no: fields.out_trade_no!,
      out_refund_no: tradeNo('R'),
      total_fee: '1990',
      refund_fee: '1',
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(
      sandbox.notifications(fields.out_trade_no).filter((n) => n.kind === 'refund'),
    ).toHaveLength(0);
  });
});

it('when TLS is used with the sandbox CA, then the server certificate is valid for 127.0.0.1 (no verification bypass)', async () => {
  const res = await send(`${sandbox.tlsUrl}/__sandbox/health`);
  expect(JSON.parse(res.text)).toEqual({ ok: true });
});
