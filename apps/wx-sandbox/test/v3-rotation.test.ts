import { X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { json } from './support/http.js';
import {
  decryptAesGcm,
  DEMO_V3,
  platformPublicKey,
  sandboxV3Calls,
  wechatpaySignatureOk,
} from './support/v3-wire.js';

// Platform certificate rotation as WeChat does it (docs/sandbox.md §11): the new certificate is
// published in /v3/certificates well before it signs, the old one keeps signing (the list
// included) until the switch, and stays served for the overlap after it.

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await createSandbox({ timeScale: 0.001 });
});
afterEach(() => sandbox.close());

const { get } = sandboxV3Calls(() => sandbox);
const control = (path: string, body?: unknown) =>
  json(`${sandbox.url}/__sandbox/v3/${path}`, body ?? {});
const rotate = (body: Record<string, unknown> = {}) => control('rotate-platform-certificate', body);

/** The serials /v3/certificates serves, its signer's serial, and the served public keys. */
async function download() {
  const reply = await get('/v3/certificates');
  expect(reply.status).toBe(200);
  const keys = new Map<string, KeyObject>();
  for (const entry of reply.json.data as { serial_no: string; encrypt_certificate: never }[]) {
    keys.set(
      entry.serial_no,
      new X509Certificate(decryptAesGcm(entry.encrypt_certificate)).publicKey,
    );
  }
  return { reply, serials: [...keys.keys()], keys, signedBy: reply.headers['wechatpay-serial'] };
}

/** The serial signing a business reply now, checked against `key`. */
async function replySignedWith(key: KeyObject): Promise<string> {
  const answer = await get(`/v3/pay/transactions/out-trade-no/NOSUCHORDER1?mchid=${DEMO_V3.mchId}`);
  expect(wechatpaySignatureOk(answer.headers, answer.body, key)).toBe(true);
  return answer.headers['wechatpay-serial'] as string;
}

describe('publish-then-switch (the default rotation)', () => {
  it('when a rotation is asked for with no mode, then the new certificate is published now, the old one signs everything until the switch 7 days later, then the new one signs and the old one retires a day after', async () => {
    const old = DEMO_V3.platformSerial;
    const rotated = await rotate();
    expect(rotated.status).toBe(200);
    const fresh: string = rotated.body.serial_no;
    expect(rotated.body).toMatchObject({
      previous_serial_no: old,
      signing_serial: old,
      pending_serial: fresh,
    });
    expect(Date.parse(rotated.body.switch_at) - sandbox.now().getTime()).toBeGreaterThan(
      7 * 86_400_000 - 5000,
    );
    expect(JSON.stringify(rotated.body)).not.toContain('PRIVATE KEY');

    // Published: both served, and the list is signed by the OLD certificate, which a client
    // that refreshes already holds.
    const published = await download();
    expect(published.serials).toEqual([old, fresh]);
    expect(published.signedBy).toBe(old);
    expect(
      wechatpaySignatureOk(published.reply.headers, published.reply.body, platformPublicKey()),
    ).toBe(true);
    expect(await replySignedWith(platformPublicKey())).toBe(old);

    // Still the old one a second before the switch.
    sandbox.advanceClock(7 * 86_400 - 1);
    expect(await replySignedWith(platformPublicKey())).toBe(old);

    // Switched: the new one signs replies and the list; the old one is still served.
    sandbox.advanceClock(2);
    const freshKey = published.keys.get(fresh)!;
    expect(await replySignedWith(freshKey)).toBe(fresh);
    const switched = await download();
    expect(switched.signedBy).toBe(fresh);
    expect(switched.serials).toEqual([old, fresh]);
    const listed = await json(`${sandbox.url}/__sandbox/v3/platform-certificates`);
    expect(listed.body.pending_serial).toBeUndefined();

    // A day after the switch the old one is no longer served.
    sandbox.advanceClock(86_400);
    expect((await download()).serials).toEqual([fresh]);
  });

  it('when switchAfterSeconds and overlapSeconds are given, then the switch comes that much later and the old one retires that much after it', async () => {
    const rotated = await rotate({ switchAfterSeconds: 600, overlapSeconds: 60 });
    const fresh: string = rotated.body.serial_no;
    const listed = rotated.body.certificates as {
      serial_no: string;
      retires_at?: string;
      signs_from?: string;
    }[];
    expect(listed.map((c) => c.serial_no)).toEqual([DEMO_V3.platformSerial, fresh]);
    expect(Date.parse(listed[0]!.retires_at!) - Date.parse(rotated.body.switch_at)).toBe(60_000);
    expect(listed[1]!.signs_from).toBe(rotated.body.switch_at);

    sandbox.advanceClock(599);
    expect((await download()).signedBy).toBe(DEMO_V3.platformSerial);
    sandbox.advanceClock(2);
    expect((await download()).signedBy).toBe(fresh);
    sandbox.advanceClock(60);
    expect((await download()).serials).toEqual([fresh]);
  });

  it('when the switch is asked for now, then the published certificate signs at once and the old one retires after the overlap from now', async () => {
    const rotated = await rotate({ overlapSeconds: 120 });
    const fresh: string = rotated.body.serial_no;
    const switched = await control('switch-platform-certificate');
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({
      serial_no: fresh,
      previous_serial_no: DEMO_V3.platformSerial,
      signing_serial: fresh,
    });
    expect(switched.body.pending_serial).toBeUndefined();
    expect((await download()).signedBy).toBe(fresh);
    sandbox.advanceClock(121);
    expect((await download()).serials).toEqual([fresh]);

    const again = await control('switch-platform-certificate');
    expect([again.status, again.body.error.code]).toEqual([409, 'NO_PENDING_ROTATION']);
  });

  it('when a rotation is asked for while one waits for its switch, then 409 ROTATION_PENDING and nothing changes', async () => {
    const first = await rotate();
    const second = await rotate({ mode: 'immediate' });
    expect([second.status, second.body.error.code]).toEqual([409, 'ROTATION_PENDING']);
    expect((await download()).serials).toEqual([DEMO_V3.platformSerial, first.body.serial_no]);
    expect((await download()).signedBy).toBe(DEMO_V3.platformSerial);
  });

  it('when the rotation body is invalid, then 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ mode: 'later' }, 'INVALID_ROTATION_MODE'],
      [{ switchAfterSeconds: -1 }, 'INVALID_SWITCH_AFTER'],
      [{ switchAfterSeconds: '60' }, 'INVALID_SWITCH_AFTER'],
      [{ mode: 'immediate', switchAfterSeconds: 60 }, 'INVALID_SWITCH_AFTER'],
      [{ overlapSeconds: 400 * 86_400 + 1 }, 'INVALID_OVERLAP'],
    ];
    for (const [body, code] of cases) {
      const bad = await rotate(body);
      expect([bad.status, bad.body.error.code], JSON.stringify(body)).toEqual([400, code]);
    }
    expect((await download()).serials).toEqual([DEMO_V3.platformSerial]);
  });
});
