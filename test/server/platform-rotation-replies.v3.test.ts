import { MAX_FORCED_SERIALS } from '@fen/wxpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProxy } from './helpers/recording-proxy.js';
import { call, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';
import { loginAs, sandboxV3 } from './helpers/v3-flow.js';

// WeChat switching its platform certificate right after the server downloaded the list
// (issue 15, §3): the prepay reply names a serial the server has never seen, and the download
// is throttled for 10 s against forged serials. A reply to the server's own request must
// download at once (one download for all requests waiting on it) and succeed; a serial that is
// not in the fresh list is refused without downloading again. WeChat's APIs are reached through
// a recording pass-through that counts the downloads and can forge a reply's serial.
const CERTIFICATES = '/v3/certificates';
const PREPAY = '/v3/pay/transactions/jsapi';

let sandbox: Sandbox;
let server: ServerUnderTest;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
let token: string;
/** While set, prepay replies carry this Wechatpay-Serial instead of the sandbox's. */
let forgedSerial: string | undefined;

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  proxy = await recordingProxy(sandbox.url, {
    rewriteReply: (path, headers) => {
      if (forgedSerial && path === PREPAY) headers['wechatpay-serial'] = forgedSerial;
    },
  });
  server = await startFenServer(sandbox, {
    apiVersion: 'v3',
    env: { WXPAY_V3_API_BASE: proxy.url },
  });
  token = await loginAs(server, sandbox, 'v3-rotation-buyer');
}, 30_000);

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await sandbox?.close();
});

/**
 * WeChat switches to a new platform certificate at once, for everything it signs: the sandbox's
 * rotation in its immediate form (the one place to adapt if the control route changes).
 */
async function rotateImmediately(): Promise<string> {
  const rotated = await sandboxV3(sandbox, 'rotate-platform-certificate', 'POST', {
    mode: 'immediate',
    overlapSeconds: 3600,
  });
  expect(rotated.signing_serial).toBe(rotated.serial_no);
  return rotated.serial_no as string;
}

const downloads = () => proxy.requests(CERTIFICATES).length;
const createOrder = () =>
  call(`${server.url}/api/orders`, {
    token,
    body: { items: [{ productId: 'pour-over-coffee', quantity: 1 }] },
  });

describe('a platform certificate rotation right after a download', () => {
  it('when WeChat signs the prepay reply with a new certificate a moment after the download, then the order is created after one more download', async () => {
    expect((await createOrder()).status).toBe(201);
    expect(downloads()).toBe(1);
    await rotateImmediately();
    expect((await createOrder()).status).toBe(201);
    expect(downloads()).toBe(2);
  });

  it('when 5 orders meet the next new certificate at once, then all are created on one download', async () => {
    const before = downloads();
    await rotateImmediately();
    const replies = await Promise.all(Array.from({ length: 5 }, () => createOrder()));
    expect(replies.map((r) => r.status)).toEqual(Array(5).fill(201));
    expect(downloads()).toBe(before + 1);
  });

  it('when a prepay reply names a serial WeChat does not list, then the order fails, and that serial downloads once at most, a few forged serials a few times', async () => {
    const before = downloads();
    try {
      forgedSerial = '5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A';
      for (let i = 0; i < 3; i += 1) expect((await createOrder()).status).toBe(502);
      expect(downloads()).toBe(before + 1);
      for (let n = 0; n < 8; n += 1) {
        forgedSerial = `5B5B5B5B5B5B5B5B5B5B5B5B5B5B5B5B5B5B5B${n}0`;
        expect((await createOrder()).status).toBe(502);
      }
      // At most MAX_FORCED_SERIALS serials force a download per minute (the rotations above
      // were two of them).
      expect(downloads()).toBeLessThanOrEqual(before + MAX_FORCED_SERIALS);
    } finally {
      forgedSerial = undefined;
    }
    expect((await createOrder()).status).toBe(201);
  });
});
