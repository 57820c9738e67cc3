import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { fromXml, nonceStr, signV2, toXml, verifyV2, wxPayError } from '@fen/wxpay';
import type { SignType } from '@fen/wxpay';
import type { MerchantCertificate } from '../config-certificates.js';

type Fields = Record<string, string>;

export interface InterimPayClientOptions {
  appId: string;
  mchId: string;
  key: string;
  signType: SignType;
  baseUrl: string;
  secapiBaseUrl: string;
  certificate: MerchantCertificate;
  ca?: string;
  timeoutMs: number;
}

const RETRYABLE = new Set(['SYSTEMERROR', 'BIZERR_NEED_RETRY']);
const MAX_REPLY_BYTES = 1024 * 1024;

/**
 * INTERIM — stands in for `@fen/wxpay`'s `createPayClient` until it lands (same method shape);
 * then gateway.ts switches to it and this file goes. Signing, verification and XML are
 * `@fen/wxpay`'s; only the HTTP(S) exchange is here. APIv2 rules: fill appid/mch_id/nonce_str/
 * sign_type, sign, POST XML; `return_code=FAIL` → protocol error, reply sign checked, then
 * `result_code=FAIL` → business error carrying `err_code`. One retry of the same body after
 * SYSTEMERROR or a transport failure.
 */
export function createInterimPayClient(options: InterimPayClientOptions) {
  const ca = options.ca ? [...rootCertificates, options.ca] : undefined;
  const plainAgent = new Agent({ keepAlive: true, ...(ca ? { ca } : {}) });
  const tlsAgent = new Agent({ keepAlive: true, ...(ca ? { ca } : {}), ...options.certificate });

  function post(url: string, body: string, secapi: boolean): Promise<string> {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        target,
        {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8' },
          ...(target.protocol === 'https:' ? { agent: secapi ? tlsAgent : plainAgent } : {}),
          signal: AbortSignal.timeout(options.timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_REPLY_BYTES) res.destroy(new Error('reply too large'));
            else chunks.push(chunk);
          });
          res.on('error', (err) =>
            reject(wxPayError('transport', 'NETWORK', err.message, { cause: err })),
          );
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) {
              reject(
                wxPayError(
                  'transport',
                  'HTTP_STATUS',
                  `HTTP ${res.statusCode} from ${target.pathname}`,
                ),
              );
            } else resolve(Buffer.concat(chunks).toString('utf8'));
          });
        },
      );
      req.on('error', (err) => {
        const code =
          err.name === 'TimeoutError' || err.name === 'AbortError' ? 'TIMEOUT' : 'NETWORK';
        reject(wxPayError('transport', code, `${target.pathname}: ${err.message}`, { cause: err }));
      });
      req.end(body);
    });
  }

  async function exchange(path: string, params: Fields, secapi = false): Promise<Fields> {
    const fields: Fields = {
      appid: options.appId,
      mch_id: options.mchId,
      nonce_str: nonceStr(),
      sign_type: options.signType,
      ...params,
    };
    const body = toXml({ ...fields, sign: signV2(fields, options.key, options.signType) });
    const url = `${secapi ? options.secapiBaseUrl : options.baseUrl}${path}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return check(fromXml(await post(url, body, secapi)), path);
      } catch (err) {
        const kind = (err as { kind?: string }).kind;
        const code = (err as { code?: string }).code ?? '';
        const retry = kind === 'transport' || (kind === 'business' && RETRYABLE.has(code));
        if (!retry || attempt >= 1) throw err;
      }
    }
  }

  function check(reply: Fields, path: string): Fields {
    if (reply.return_code !== 'SUCCESS') {
      const returnMsg = reply.return_msg ?? '';
      throw wxPayError('protocol', 'RETURN_FAIL', `${path}: ${returnMsg}`, { returnMsg, reply });
    }
    if (!verifyV2(reply, options.key, options.signType)) {
      throw wxPayError(
        'signature',
        'REPLY_SIGN_INVALID',
        `${path}: the reply's sign does not verify`,
        {
          reply,
        },
      );
    }
    if (reply.result_code !== 'SUCCESS') {
      const errCode = reply.err_code || 'RESULT_FAIL';
      throw wxPayError(
        'business',
        errCode,
        `${path}: ${errCode} ${reply.err_code_des ?? ''}`.trim(),
        {
          errCode,
          ...(reply.err_code_des ? { errCodeDes: reply.err_code_des } : {}),
          reply,
        },
      );
    }
    return reply;
  }

  return {
    unifiedOrder: (params: Fields) => exchange('/pay/unifiedorder', params),
    orderQuery: (params: Fields) => exchange('/pay/orderquery', params),
    closeOrder: (params: Fields) => exchange('/pay/closeorder', params),
    refund: (params: Fields) => exchange('/secapi/pay/refund', params, true),
    refundQuery: (params: Fields) => exchange('/pay/refundquery', params),
    async close(): Promise<void> {
      plainAgent.destroy();
      tlsAgent.destroy();
    },
  };
}
