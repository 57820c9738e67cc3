import type { KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  encryptResource,
  parseAuthorization,
  requestSignatureMessage,
  rsaVerify,
  signWechatpayMessage,
} from '../../src/v3/index.js';
import { startFakeWeChat } from './fake-wechat.js';
import type { FakeWeChat, RecordedRequest } from './fake-wechat.js';
import { merchant } from './v3-keys.js';

/** Who signs the fake's replies: a platform certificate's serial, or a `PUB_KEY_ID_…`. */
export interface ReplySigner {
  serial: string;
  privateKey: KeyObject;
}

/** What a route answers: status, JSON body (or raw bytes), and how to sign it. */
export interface V3Answer {
  status: number;
  json?: unknown;
  raw?: string | Buffer;
  /** Default: the fake's current signer. `null`: no signature headers at all. */
  signer?: ReplySigner | null;
  /** Changes the body after signing, as a tampering proxy would. */
  tamper?: (body: Buffer) => Buffer;
  /** Seconds added to the signed timestamp (a stale or future reply). */
  skewSeconds?: number;
}

export type V3Route = (req: RecordedRequest) => V3Answer | Promise<V3Answer>;

/**
 * A local server on port 0 that plays WeChat Pay APIv3: it checks each request's Authorization
 * with the merchant's public key (401 SIGN_ERROR otherwise, like WeChat), signs every reply with a
 * platform key, and serves `/v3/certificates` encrypted with the APIv3 key.
 */
export interface FakeV3WeChat {
  url: string;
  wechat: FakeWeChat;
  /** Signs replies from now on. */
  signer: ReplySigner;
  /** What `/v3/certificates` serves. */
  certificates: Array<{ serial: string; certPem: string }>;
  /** Signs the `/v3/certificates` reply when set (default: `signer`). */
  certificatesSigner?: ReplySigner;
  certificateDownloads(): number;
  route(method: string, path: string, handler: V3Route): void;
  /** Requests refused for a bad Authorization, with the reason. */
  authFailures: string[];
  close(): Promise<void>;
}

export async function startFakeV3WeChat(options: {
  signer: ReplySigner;
  certificates?: Array<{ serial: string; certPem: string }>;
  apiV3Key?: string;
}): Promise<FakeV3WeChat> {
  const wechat = await startFakeWeChat();
  const apiV3Key = options.apiV3Key ?? merchant.apiV3Key;
  const authFailures: string[] = [];
  const fake: FakeV3WeChat = {
    url: wechat.url,
    wechat,
    signer: options.signer,
    certificates: options.certificates ?? [],
    certificateDownloads: () => wechat.calls('/v3/certificates').length,
    route(method, path, handler) {
      wechat.route(method, path, async (req, res) => {
        const refusal = checkAuthorization(req);
        if (refusal !== undefined) {
          authFailures.push(refusal);
          send(res, { status: 401, json: { code: 'SIGN_ERROR', message: refusal } });
          return;
        }
        send(res, await handler(req));
      });
    },
    authFailures,
    close: () => wechat.close(),
  };

  function send(res: ServerResponse, answer: V3Answer): void {
    const body =
      answer.raw !== undefined
        ? Buffer.from(answer.raw)
        : answer.json === undefined
          ? Buffer.alloc(0)
          : Buffer.from(JSON.stringify(answer.json), 'utf8');
    const signer = answer.signer === undefined ? fake.signer : answer.signer;
    const timestamp = String(Math.floor(Date.now() / 1000) + (answer.skewSeconds ?? 0));
    const headers: Record<string, string> = { 'Request-ID': `req-${Date.now()}` };
    if (signer !== null)
      Object.assign(headers, signWechatpayMessage({ body, timestamp, ...signer }));
    if (body.length > 0) headers['content-type'] = 'application/json; charset=utf-8';
    res.writeHead(answer.status, headers);
    res.end(answer.tamper === undefined ? body : answer.tamper(body));
  }

  fake.route('GET', '/v3/certificates', () => ({
    status: 200,
    signer: fake.certificatesSigner ?? fake.signer,
    json: {
      data: fake.certificates.map((c) => ({
        serial_no: c.serial,
        effective_time: '2021-04-27T16:40:32+08:00',
        expire_time: '2031-04-25T16:40:32+08:00',
        encrypt_certificate: encryptResource(c.certPem, apiV3Key, {
          associatedData: 'certificate',
        }),
      })),
    },
  }));
  return fake;
}

/** Why WeChat would refuse this request's signature, or `undefined` when it is valid. */
function checkAuthorization(req: RecordedRequest): string | undefined {
  const header = req.headers.authorization;
  const auth = parseAuthorization(typeof header === 'string' ? header : undefined);
  if (auth === undefined) return 'Authorization missing or not WECHATPAY2-SHA256-RSA2048';
  if (auth.mchid !== merchant.mchId) return `mchid ${auth.mchid} is not the merchant`;
  if (auth.serial_no !== merchant.serialNo)
    return `serial_no ${auth.serial_no} is not the merchant's`;
  const query = new URLSearchParams(req.query).toString();
  const url = req.path + (query === '' ? '' : `?${query}`);
  const message = requestSignatureMessage(
    req.method,
    url,
    auth.timestamp,
    auth.nonce_str,
    req.body,
  );
  if (!rsaVerify(message, auth.signature, merchant.publicKey)) return 'signature does not verify';
  return undefined;
}
