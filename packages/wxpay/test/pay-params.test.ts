import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import {
  buildAppPayParams,
  buildJsapiPayParams,
  buildMiniProgramPayParams,
} from '../src/pay-params.js';
import { verifyV2 } from '../src/sign.js';
import type { SignType } from '../src/sign.js';
import { DEMO } from './support/wechat-demo.js';
import { vectorsOfKind } from './support/vectors.js';

interface SignVectorInput {
  params: Record<string, string>;
  key: string;
  sign_type: SignType;
}

const MINI_PROGRAM_FIELDS = ['appId', 'nonceStr', 'package', 'signType', 'timeStamp'];
const APP_FIELDS = ['appid', 'noncestr', 'package', 'partnerid', 'prepayid', 'timestamp'];
const hasFields = (params: object, fields: string[]) =>
  JSON.stringify(Object.keys(params).sort()) === JSON.stringify(fields);
// Builders validate their input; vectors made with a mock appid or a short key stay in sign.test.ts.
const builderCanTake = (input: SignVectorInput, appIdField: string) =>
  /^wx[0-9A-Za-z]{16}$/.test(input.params[appIdField] ?? '') && input.key.length === 32;

const signVectors = vectorsOfKind('v2_sign').map((v) => ({
  id: v.id,
  input: v.input as unknown as SignVectorInput,
  sign: v.expected.sign,
}));
const miniProgramVectors = signVectors.filter(
  (v) => hasFields(v.input.params, MINI_PROGRAM_FIELDS) && builderCanTake(v.input, 'appId'),
);
const appVectors = signVectors.filter(
  (v) => hasFields(v.input.params, APP_FIELDS) && builderCanTake(v.input, 'appid'),
);

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isWxPayError(err) && err.kind === 'config') return err.message;
    throw err;
  }
  throw new Error('expected a config error');
}

describe('buildMiniProgramPayParams / buildJsapiPayParams', () => {
  it('when the vectors are loaded, then there is a mini-program paySign vector', () => {
    expect(miniProgramVectors.length).toBeGreaterThanOrEqual(1);
  });

  it.each(miniProgramVectors.map((v) => [v.id, v] as const))(
    'when building vector %s, then paySign and every field match',
    (_id, v) => {
      const p = v.input.params;
      const input = {
        appId: p.appId ?? '',
        prepayId: (p.package ?? '').replace(/^prepay_id=/, ''),
        key: v.input.key,
        signType: p.signType as SignType,
        timeStamp: p.timeStamp,
        nonceStr: p.nonceStr,
      };
      expect(buildMiniProgramPayParams(input)).toEqual({
        timeStamp: p.timeStamp,
        nonceStr: p.nonceStr,
        package: p.package,
        signType: p.signType,
        paySign: v.sign,
      });
      expect(buildJsapiPayParams(input)).toEqual({
        appId: p.appId,
        timeStamp: p.timeStamp,
        nonceStr: p.nonceStr,
        package: p.package,
        signType: p.signType,
        paySign: v.sign,
      });
    },
  );

  it('when only the required fields are given, then MD5, a fresh nonce and now are used', () => {
    const before = Math.floor(Date.now() / 1000);
    const a = buildMiniProgramPayParams({ appId: DEMO.appId, prepayId: 'wx1', key: DEMO.key });
    const b = buildMiniProgramPayParams({ appId: DEMO.appId, prepayId: 'wx1', key: DEMO.key });
    expect(a.signType).toBe('MD5');
    expect(a.package).toBe('prepay_id=wx1');
    expect(a.nonceStr).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(a.nonceStr).not.toBe(b.nonceStr);
    expect(Number(a.timeStamp)).toBeGreaterThanOrEqual(before);
    expect(Number(a.timeStamp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(a).not.toHaveProperty('appId');
    const { paySign, ...signed } = a;
    // appId is not returned, but it is signed: the five fields with appId verify, without it not.
    expect(verifyV2({ ...signed, appId: DEMO.appId, sign: paySign }, DEMO.key)).toBe(true);
    expect(verifyV2({ ...signed, sign: paySign }, DEMO.key)).toBe(false);
  });

  it('when HMAC-SHA256 is asked for, then paySign is the HMAC sign of the five fields', () => {
    const p = buildJsapiPayParams({
      appId: DEMO.appId,
      prepayId: 'wx2',
      key: DEMO.key,
      signType: 'HMAC-SHA256',
    });
    expect(p.signType).toBe('HMAC-SHA256');
    expect(p.paySign).toMatch(/^[0-9A-F]{64}$/);
    const { paySign, ...fields } = p;
    expect(verifyV2({ ...fields, sign: paySign }, DEMO.key, 'HMAC-SHA256')).toBe(true);
  });

  it('when the key is not 32 characters, then a config error says so and never shows it', () => {
    const shortKey = DEMO.key.slice(0, 31);
    const message = configError(() =>
      buildMiniProgramPayParams({ appId: DEMO.appId, prepayId: 'wx1', key: shortKey }),
    );
    expect(message).toMatch(/32-character APIv2 key/);
    expect(message).not.toContain(shortKey);
    expect(() =>
      buildMiniProgramPayParams({ appId: DEMO.appId, prepayId: 'wx1', key: DEMO.secret + 'x' }),
    ).toThrow(/32-character/);
  });

  it('when several inputs are wrong, then one error lists them all', () => {
    const message = configError(() =>
      buildJsapiPayParams({
        appId: 'wxshort',
        prepayId: 'prepay_id=wx1',
        key: DEMO.key,
        signType: 'RSA' as SignType,
        timeStamp: '1.5',
        nonceStr: 'not a nonce',
      }),
    );
    for (const part of ['appId', 'without "prepay_id="', 'signType', 'timeStamp', 'nonceStr']) {
      expect(message).toContain(part);
    }
  });

  it('when prepayId is empty, then it is refused', () => {
    expect(
      configError(() =>
        buildMiniProgramPayParams({ appId: DEMO.appId, prepayId: '', key: DEMO.key }),
      ),
    ).toMatch(/prepayId/);
  });
});

describe('buildAppPayParams', () => {
  it('when the vectors are loaded, then there is an APP pay vector', () => {
    expect(appVectors.length).toBeGreaterThanOrEqual(1);
  });

  it.each(appVectors.map((v) => [v.id, v] as const))(
    'when building vector %s, then sign and every lowercase field match',
    (_id, v) => {
      const p = v.input.params;
      expect(
        buildAppPayParams({
          appId: p.appid ?? '',
          mchId: p.partnerid ?? '',
          prepayId: p.prepayid ?? '',
          key: v.input.key,
          timeStamp: p.timestamp,
          nonceStr: p.noncestr,
        }),
      ).toEqual({ ...p, sign: v.sign });
    },
  );

  it('when only the required fields are given, then the result verifies as MD5', () => {
    const p = buildAppPayParams({
      appId: DEMO.appId,
      mchId: DEMO.mchId,
      prepayId: 'wx3',
      key: DEMO.key,
    });
    expect(p.package).toBe('Sign=WXPay');
    expect(p.partnerid).toBe(DEMO.mchId);
    expect(verifyV2({ ...p }, DEMO.key)).toBe(true);
  });

  it('when mchId is not digits, then it is refused', () => {
    expect(
      configError(() =>
        buildAppPayParams({ appId: DEMO.appId, mchId: 'mch-1', prepayId: 'wx3', key: DEMO.key }),
      ),
    ).toMatch(/mchId/);
  });
});
