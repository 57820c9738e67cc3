import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { signedXml, verifiedFields } from '../examples/sign-and-verify.js';
import { createNotifyServer } from '../examples/notify-node.js';
import { paymentNotifyMiddleware } from '../examples/notify-koa.js';
import { appPay, h5Pay, jsapiPay, miniProgramPay, nativePay } from '../examples/pay-params.js';
import type { Order } from '../examples/pay-params.js';
import { createMerchantClient, refund } from '../examples/merchant-client.js';
import { createV3Client, miniProgramPayV3, paidTransaction } from '../examples/v3-setup.js';
import { createPayClient } from '../src/pay-client.js';
import type { PayClient } from '../src/pay-client.js';
import { fromXml } from '../src/xml.js';
import { verifyV2 } from '../src/sign.js';
import { encryptResource, rsaVerify, signWechatpayMessage } from '../src/v3/index.js';
import type { V3PayClient } from '../src/v3/index.js';
import { certs } from './support/certs.js';
import { replyText, startFakeWeChat } from './support/fake-wechat.js';
import type { FakeWeChat, RecordedRequest } from './support/fake-wechat.js';
import { startFakeV3WeChat } from './support/v3-fake-wechat.js';
import { merchant, platformB } from './support/v3-keys.js';
import { DEMO } from './support/wechat-demo.js';

// The README's examples (packages/wxpay/examples), run against local stand-ins for WeChat.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A payment notification as WeChat sends it for the demo merchant. */
function paidNotification(key: string = DEMO.key): string {
  return signedXml(
    {
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      appid: DEMO.appId,
      mch_id: DEMO.mchId,
      nonce_str: 'notifyNonce0123456789',
      openid: 'oFen_demo_openid_0000000001',
      out_trade_no: 'FEN20261203000001',
      transaction_id: '4200000000202612030000000001',
      total_fee: '1990',
      trade_type: 'JSAPI',
      time_end: '20261203101010',
    },
    key,
  );
}

describe('examples/sign-and-verify.ts', () => {
  it.each(['MD5', 'HMAC-SHA256'] as const)(
    'when fields are signed with %s, then the XML reads back verified and a changed field is refused',
    (signType) => {
      const xml = signedXml({ appid: DEMO.appId, total_fee: '1990' }, DEMO.key, signType);
      expect(verifiedFields(xml, DEMO.key)).toMatchObject({ appid: DEMO.appId, total_fee: '1990' });
      expect(() => verifiedFields(xml.replace('1990', '1'), DEMO.key)).toThrow(/total_fee=1(&|$)/);
    },
  );
});

describe.each([
  [
    'examples/notify-node.ts',
    (onPayment: (fields: Record<string, string>) => Promise<void>) =>
      createNotifyServer({ appId: DEMO.appId, mchId: DEMO.mchId, key: DEMO.key }, onPayment),
  ],
  [
    'examples/notify-koa.ts',
    (onPayment: (fields: Record<string, string>) => Promise<void>) =>
      createServer(
        new Koa()
          .use(
            paymentNotifyMiddleware(
              { appId: DEMO.appId, mchId: DEMO.mchId, key: DEMO.key },
              onPayment,
            ),
          )
          .callback(),
      ),
  ],
])('%s', (_name, start) => {
  it('when WeChat posts a signed payment, then it is recorded and answered SUCCESS; a forged one FAIL', async () => {
    const paid: Record<string, string>[] = [];
    const server = start(async (fields) => {
      paid.push(fields);
    });
    const url = `${await listening(server)}/wxpay/notify`;
    const post = async (body: string) =>
      fromXml(
        await (
          await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(5000) })
        ).text(),
      );

    expect(await post(paidNotification())).toMatchObject({ return_code: 'SUCCESS' });
    expect(await post(paidNotification('x'.repeat(32)))).toMatchObject({ return_code: 'FAIL' });
    expect(paid.map((fields) => fields.transaction_id)).toEqual(['4200000000202612030000000001']);
  });

  it('when recording the payment fails, then WeChat is answered FAIL and will retry', async () => {
    const server = start(async () => {
      throw new Error('database down');
    });
    const url = `${await listening(server)}/wxpay/notify`;
    const reply = await fetch(url, {
      method: 'POST',
      body: paidNotification(),
      signal: AbortSignal.timeout(5000),
    });
    expect(fromXml(await reply.text())).toMatchObject({
      return_code: 'FAIL',
      return_msg: 'database down',
    });
  });
});

/** A fake WeChat whose unifiedorder answers a signed SUCCESS with `extra` per trade_type. */
async function unifiedOrderWeChat(): Promise<{ wechat: FakeWeChat; client: PayClient }> {
  const wechat = await startFakeWeChat();
  cleanups.push(() => wechat.close());
  wechat.route('POST', '/pay/unifiedorder', (req: RecordedRequest, res) => {
    const asked = fromXml(req.body);
    const extra: Record<string, string> = {
      JSAPI: { prepay_id: 'wx_prepay_jsapi' },
      APP: { prepay_id: 'wx_prepay_app' },
      NATIVE: { prepay_id: 'wx_prepay_native', code_url: 'weixin://wxpay/bizpayurl?pr=abc' },
      MWEB: {
        prepay_id: 'wx_prepay_h5',
        mweb_url: 'https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx_prepay_h5',
      },
    }[asked.trade_type!]!;
    replyText(
      res,
      signedXml(
        {
          return_code: 'SUCCESS',
          result_code: 'SUCCESS',
          appid: asked.appid!,
          mch_id: asked.mch_id!,
          nonce_str: 'n1',
          trade_type: asked.trade_type!,
          ...extra,
        },
        DEMO.key,
      ),
      'text/xml',
    );
  });
  const client = createPayClient({
    appId: DEMO.appId,
    mchId: DEMO.mchId,
    key: DEMO.key,
    baseUrl: wechat.url,
    timeoutMs: 5000,
  });
  cleanups.push(() => client.close());
  return { wechat, client };
}

describe('examples/pay-params.ts', () => {
  const order: Order = {
    outTradeNo: 'FEN20261203000002',
    totalFen: 1990,
    description: 'Fen 帆布包',
    clientIp: '203.0.113.7',
    notifyUrl: 'https://fen.example/wxpay/notify',
  };
  const signer = { appId: DEMO.appId, mchId: DEMO.mchId, key: DEMO.key };
  const openid = 'oFen_demo_openid_0000000001';

  it('when the mini-program and JSAPI pay, then their params carry the prepay_id and a paySign that verifies', async () => {
    const { client } = await unifiedOrderWeChat();
    const mini = await miniProgramPay(client, signer, order, openid);
    expect(mini.package).toBe('prepay_id=wx_prepay_jsapi');
    expect(
      verifyV2(
        { appId: DEMO.appId, ...mini, sign: mini.paySign, paySign: '' },
        DEMO.key,
        mini.signType,
      ),
    ).toBe(true);
    const jsapi = await jsapiPay(client, signer, order, openid);
    expect(jsapi.appId).toBe(DEMO.appId);
    expect(verifyV2({ ...jsapi, sign: jsapi.paySign, paySign: '' }, DEMO.key, jsapi.signType)).toBe(
      true,
    );
  });

  it('when a mobile app pays, then it gets PayReq fields signed with the APIv2 key', async () => {
    const { client } = await unifiedOrderWeChat();
    const app = await appPay(client, signer, order);
    expect(app).toMatchObject({
      appid: DEMO.appId,
      partnerid: DEMO.mchId,
      prepayid: 'wx_prepay_app',
      package: 'Sign=WXPay',
    });
    expect(verifyV2({ ...app }, DEMO.key)).toBe(true);
  });

  it('when Native and H5 pay, then they get the code_url and mweb_url, H5 naming the site', async () => {
    const { client, wechat } = await unifiedOrderWeChat();
    expect(await nativePay(client, order, 'SKU-1')).toBe('weixin://wxpay/bizpayurl?pr=abc');
    expect(await h5Pay(client, order, { name: 'Fen shop', url: 'https://fen.example' })).toContain(
      'prepay_id=wx_prepay_h5',
    );
    const [native, h5] = wechat.calls('/pay/unifiedorder').map((call) => fromXml(call.body));
    expect(native).toMatchObject({ trade_type: 'NATIVE', product_id: 'SKU-1', total_fee: '1990' });
    expect(JSON.parse(h5!.scene_info!)).toEqual({
      h5_info: { type: 'Wap', wap_url: 'https://fen.example', wap_name: 'Fen shop' },
    });
  });
});

describe('examples/merchant-client.ts', () => {
  it('when a refund is asked for, then it goes over mutual TLS with the merchant certificate', async () => {
    const tls = await startFakeWeChat({
      tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true },
    });
    cleanups.push(() => tls.close());
    tls.route('POST', '/secapi/pay/refund', (req, res) => {
      const asked = fromXml(req.body);
      const fields: Record<string, string> =
        asked.out_trade_no === 'UNPAID'
          ? { result_code: 'FAIL', err_code: 'ORDERNOTEXIST', err_code_des: 'order does not exist' }
          : {
              result_code: 'SUCCESS',
              refund_id: '50000000002026120300000000001',
              out_refund_no: asked.out_refund_no!,
            };
      replyText(
        res,
        signedXml(
          {
            return_code: 'SUCCESS',
            appid: DEMO.appId,
            mch_id: DEMO.mchId,
            nonce_str: 'n2',
            ...fields,
          },
          DEMO.key,
        ),
        'text/xml',
      );
    });
    const client = createMerchantClient({
      appId: DEMO.appId,
      mchId: DEMO.mchId,
      key: DEMO.key,
      p12Path: new URL('./fixtures/certs/apiclient_cert.p12', import.meta.url).pathname,
      baseUrl: tls.url,
      ca: certs.ca.toString('utf8'),
    });
    cleanups.push(() => client.close());

    const refunded = await refund(client, {
      outTradeNo: 'FEN20261203000002',
      outRefundNo: 'RFD1',
      totalFen: 1990,
      refundFen: 990,
    });
    expect(refunded).toBe('50000000002026120300000000001');
    expect(tls.calls('/secapi/pay/refund')[0]!.clientCertCn).toBe(DEMO.mchId);
    expect(
      await refund(client, {
        outTradeNo: 'UNPAID',
        outRefundNo: 'RFD2',
        totalFen: 1,
        refundFen: 1,
      }),
    ).toBeUndefined();
  });
});

describe('examples/v3-setup.ts', () => {
  async function v3(): Promise<{ client: V3PayClient }> {
    const fake = await startFakeV3WeChat({ signer: platformB, certificates: [platformB] });
    cleanups.push(() => fake.close());
    fake.route('POST', '/v3/pay/transactions/jsapi', () => ({
      status: 200,
      json: { prepay_id: 'wx_prepay_v3' },
    }));
    const client = createV3Client({
      mchId: merchant.mchId,
      appId: merchant.appId,
      privateKeyPem: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      merchantSerialNo: merchant.serialNo,
      apiV3Key: merchant.apiV3Key,
      baseUrl: fake.url,
    });
    cleanups.push(() => client.close());
    return { client };
  }

  it('when the mini-program pays on APIv3, then the signed request is accepted and paySign is RSA over the four lines', async () => {
    const { client } = await v3();
    const params = await miniProgramPayV3(
      client,
      {
        outTradeNo: 'FEN20261203000003',
        totalFen: 1990,
        description: 'Fen 帆布包',
        notifyUrl: 'https://fen.example/wxpay/v3/notify',
      },
      'oFen_demo_openid_0000000001',
    );
    expect(params).toMatchObject({ package: 'prepay_id=wx_prepay_v3', signType: 'RSA' });
    const message = `${merchant.appId}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`;
    expect(rsaVerify(message, params.paySign, merchant.publicKey)).toBe(true);
  });

  it('when WeChat posts a signed, encrypted payment notification, then the transaction reads back', async () => {
    const { client } = await v3();
    const transaction = {
      mchid: merchant.mchId,
      appid: merchant.appId,
      out_trade_no: 'FEN20261203000003',
      trade_state: 'SUCCESS',
      amount: { total: 1990 },
    };
    const body = Buffer.from(
      JSON.stringify({
        id: 'EV-1',
        create_time: '2026-12-03T10:10:10+08:00',
        resource_type: 'encrypt-resource',
        event_type: 'TRANSACTION.SUCCESS',
        summary: '支付成功',
        resource: {
          original_type: 'transaction',
          ...encryptResource(JSON.stringify(transaction), merchant.apiV3Key, {
            associatedData: 'transaction',
          }),
        },
      }),
    );
    const headers = signWechatpayMessage({
      body,
      privateKey: platformB.privateKey,
      serial: platformB.serial,
    });
    expect(await paidTransaction(client, { headers, body })).toMatchObject({
      out_trade_no: 'FEN20261203000003',
    });
    await expect(
      paidTransaction(client, { headers, body: Buffer.concat([body, Buffer.from(' ')]) }),
    ).rejects.toMatchObject({ kind: 'signature' });
  });
});

describe('README.md', () => {
  it('when the README quotes an example, then the quote is still in that file word for word', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const quotes = [...readme.matchAll(/```ts\n\/\/ (examples\/[\w-]+\.ts)\n([\s\S]*?)```/g)];
    expect(quotes.length).toBeGreaterThanOrEqual(5);
    const stale = quotes.flatMap(([, file, body]) => {
      const source = readFileSync(new URL(`../${file!}`, import.meta.url), 'utf8');
      return body!
        .trim()
        .split(/\n\n(?=export )/)
        .filter((excerpt) => !source.includes(excerpt))
        .map((excerpt) => `${file!}: ${excerpt.split('\n')[0]!}`);
    });
    expect(stale).toEqual([]);
  });
});
