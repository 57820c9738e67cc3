import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { beijingRfc3339 } from '../src/mini-program-shipping.js';
import { createWeChatApi } from '../src/wechat-api.js';

const APPID = 'wxfe00000000000001';
interface Seen {
  path: string;
  token: string | null;
  body: Record<string, unknown>;
}

/** A stand-in for api.weixin.qq.com: tokens t1, t2…; `answer` decides each API reply. */
async function fakeWeChat(answer: (seen: Seen) => Record<string, unknown>) {
  let tokens = 0;
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/cgi-bin/token') {
        tokens += 1;
        res.end(JSON.stringify({ access_token: `t${tokens}`, expires_in: 7200 }));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const s = {
        path: url.pathname,
        token: url.searchParams.get('access_token'),
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      seen.push(s);
      res.end(JSON.stringify(answer(s)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const api = createWeChatApi({ appId: APPID, secret: 's', baseUrl: `http://127.0.0.1:${port}` });
  const close = async () => {
    await api.close();
    await new Promise((resolve) => server.close(resolve));
  };
  opened.push(close);
  return { api, seen };
}
const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((close) => close()));
});

describe('mini-program shipping APIs', () => {
  it('when shipping is uploaded, then the body goes as JSON to upload_shipping_info with the access_token', async () => {
    const { api, seen } = await fakeWeChat(() => ({ errcode: 0, errmsg: 'ok' }));
    await api.uploadShippingInfo({
      order_key: { order_number_type: 2, transaction_id: '4200000001' },
      logistics_type: 1,
      delivery_mode: 1,
      shipping_list: [{ express_company: 'YTO', tracking_no: 'YT1', item_desc: '茉莉花茶' }],
      upload_time: '2026-12-08T12:00:00.000+08:00',
      payer: { openid: 'o1' },
    });
    expect(seen).toEqual([
      expect.objectContaining({
        path: '/wxa/sec/order/upload_shipping_info',
        token: 't1',
        body: expect.objectContaining({ logistics_type: 1, payer: { openid: 'o1' } }),
      }),
    ]);
  });

  it('when WeChat answers an errcode, then it is thrown as WX_<errcode>; a rejected token is renewed once', async () => {
    const { api, seen } = await fakeWeChat((s) =>
      s.token === 't1'
        ? { errcode: 40001, errmsg: 'invalid credential' }
        : { errcode: 10060003, errmsg: '支付单已使用重新发货机会, rid: x' },
    );
    await expect(api.getShippingOrder({ transaction_id: '4200000001' })).rejects.toMatchObject({
      code: 'WX_10060003',
      errcode: 10060003,
    });
    expect(seen.map((s) => s.token)).toEqual(['t1', 't2']);
  });

  it('when asked whether the app is trade-managed and for the express companies, then the answers are read', async () => {
    const { api, seen } = await fakeWeChat((s) =>
      s.path.endsWith('is_trade_managed')
        ? { errcode: 0, is_trade_managed: true }
        : {
            errcode: 0,
            count: 1,
            delivery_list: [{ delivery_id: 'SF', delivery_name: '顺丰速运' }, { bad: 1 }],
          },
    );
    expect(await api.isTradeManaged()).toBe(true);
    expect(seen[0]?.body).toEqual({ appid: APPID });
    expect(await api.getDeliveryList()).toEqual([{ delivery_id: 'SF', delivery_name: '顺丰速运' }]);
    expect(seen[1]?.path).toBe('/cgi-bin/express/delivery/open_msg/get_delivery_list');
  });

  it('when an upload_time is made, then it is RFC 3339 in Beijing time with +08:00', () => {
    expect(beijingRfc3339(new Date('2022-12-15T05:29:35.120Z'))).toBe(
      '2022-12-15T13:29:35.120+08:00',
    );
  });
});
