import { createPayClient, isWxPayError } from '@fen/wxpay';
import type { Config } from '../config.js';
import { fail, messageOf, ok } from './check.js';
import type { CheckResult } from './check.js';
import { madeUpNumber } from './made-up-numbers.js';

const KEY_FIX =
  'set WXPAY_KEY to the 32-character API key of this mch_id (pay.weixin.qq.com → 账户中心 → API安全 → API密钥)';
const BINDING_FIX =
  'bind it at pay.weixin.qq.com → 产品中心 → AppID账号管理, or correct WX_APPID / WXPAY_MCHID';

/**
 * The APIv2 key and mch_id for one appid: an orderquery for an out_trade_no nobody made must
 * come back ORDERNOTEXIST, signed with the key (the client checks the reply's sign). WeChat
 * checks mch_id, then the appid's binding, then the request's sign, and says which failed.
 */
export async function checkPayKey(
  config: Config,
  appId: string,
  timeoutMs: number,
): Promise<CheckResult> {
  const { pay } = config;
  const name = `API key and mch_id (appid ${appId})`;
  const client = createPayClient({
    appId,
    mchId: pay.mchId,
    key: pay.key,
    signType: pay.signType,
    baseUrl: pay.apiBase,
    timeoutMs,
    ...(pay.ca ? { ca: pay.ca } : {}),
  });
  try {
    await client.orderQuery({ out_trade_no: madeUpNumber() });
    return fail(
      name,
      'an orderquery for a made-up out_trade_no found an order: WXPAY_API_BASE is not answering as WeChat does',
    );
  } catch (err) {
    if (isWxPayError(err, 'ORDERNOTEXIST')) {
      return ok(
        name,
        `accepted: orderquery of a made-up out_trade_no came back ORDERNOTEXIST with a valid ${pay.signType} signature`,
      );
    }
    return fail(
      name,
      explainPayRefusal(err, {
        appId,
        mchId: pay.mchId,
        signType: pay.signType,
        base: 'WXPAY_API_BASE',
      }),
    );
  } finally {
    await client.close();
  }
}

export interface PayCallContext {
  appId: string;
  mchId: string;
  signType: string;
  /** The setting naming where the call went. */
  base: 'WXPAY_API_BASE' | 'WXPAY_SECAPI_BASE';
}

/** What an APIv2 refusal means for the settings, and what to change. Shared by the cert check. */
export function explainPayRefusal(err: unknown, ctx: PayCallContext): string {
  if (!isWxPayError(err)) return `the check failed: ${messageOf(err)}`;
  const said = err.returnMsg ?? err.errCodeDes ?? '';
  const quote = `WeChat said "${[err.errCode, said].filter(Boolean).join(' ')}"`;
  if (err.kind === 'protocol') {
    if (said.includes('签名') || /sign/i.test(said))
      return `WXPAY_KEY is wrong (${quote}): ${KEY_FIX}`;
    if (said.includes('appid') && said.includes('mch_id')) {
      return `appid ${ctx.appId} is not bound to mch_id ${ctx.mchId} (${quote}): ${BINDING_FIX}`;
    }
    if (said.includes('mch_id') || said.includes('商户号')) {
      return `mch_id ${ctx.mchId} is not a merchant WeChat knows (${quote}): check WXPAY_MCHID (账户中心 → 商户信息 → 商户号)`;
    }
    return `WeChat refused the request (${quote})`;
  }
  if (err.kind === 'business') {
    switch (err.code) {
      case 'SIGNERROR':
        return `WXPAY_KEY is wrong (${quote}): ${KEY_FIX}`;
      case 'MCHID_NOT_EXIST':
        return `mch_id ${ctx.mchId} does not exist at WeChat (${quote}): check WXPAY_MCHID`;
      case 'APPID_NOT_EXIST':
        return `WeChat does not know appid ${ctx.appId} (${quote}): check WX_APPID`;
      case 'APPID_MCHID_NOT_MATCH':
        return `appid ${ctx.appId} is not bound to mch_id ${ctx.mchId} (${quote}): ${BINDING_FIX}`;
      case 'NOAUTH':
        return `mch_id ${ctx.mchId} may not use this API (${quote}): check the products enabled at pay.weixin.qq.com → 产品中心`;
      default:
        return `WeChat answered ${err.code} instead of ORDERNOTEXIST (${quote}); if it is SYSTEMERROR, run fen doctor again`;
    }
  }
  if (err.kind === 'signature') {
    return `the reply's signature is bad (${err.code}): it does not verify with WXPAY_KEY and ${ctx.signType}, so what answered at ${ctx.base} is not WeChat (or something on the way changed it); check ${ctx.base}`;
  }
  if (err.kind === 'transport')
    return `no answer from ${ctx.base} (${err.message}): check the URL and the network`;
  return err.message;
}
