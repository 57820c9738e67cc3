import { createHash } from 'node:crypto';
import { encryptMessagePush, messagePushSignature } from '@fen/wxpay';
import type { SandboxClock } from '../clock.js';
import { randomChars } from '../ids.js';
import { DeliveryError, postXml } from '../notify/post-xml.js';
import type { SandboxLogger } from '../options.js';
import type { Timers } from '../timers.js';
import type { MessagePushConfig } from './options.js';

/**
 * WeChat's message push retries: an answer other than HTTP 200 with `success` or an empty body
 * (or none within 5 s) is tried again, three more times. These are the documented rules of the
 * official-account message push; for the trade-management events they are not verified.
 */
export const PUSH_RETRY_INTERVALS_SECONDS: readonly number[] = Object.freeze([5, 5, 5]);

/** The fields of one trade-management event (`Event` and its own fields; the common ones are added). */
export type PushEvent = { Event: string } & Record<string, string | number>;

export interface PushAttempt {
  attempt: number;
  at: string;
  url: string;
  result: 'SUCCESS' | 'FAIL' | 'TIMEOUT' | 'CONNECTION_ERROR';
  http_status?: number;
  reply?: string;
  error?: string;
}

export interface PushRecord {
  id: number;
  appid: string;
  event: string;
  transaction_id?: string;
  /** The plaintext message (as JSON fields), whatever the mode. */
  message: Record<string, string | number>;
  /** PENDING while attempts remain; NO_URL when the app has no message URL set. */
  state: 'PENDING' | 'DELIVERED' | 'GAVE_UP' | 'NO_URL';
  created_at: string;
  attempts: PushAttempt[];
}

interface PusherDeps {
  timers: Timers;
  clock: SandboxClock;
  timeScale: number;
  timeoutMs: number;
  logger: SandboxLogger;
}

/** A mini-program's original ID (`gh_` + 12 hex): the `ToUserName` of its pushes, derived from the appid. */
export const originalIdFor = (appId: string) =>
  `gh_${createHash('sha256').update(`fen-sandbox-gh:${appId}`).digest('hex').slice(0, 12)}`;

const xmlValue = (v: string | number) =>
  typeof v === 'number' ? String(v) : `<![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
const toPushXml = (fields: Record<string, string | number>) =>
  `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${xmlValue(v)}</${k}>`)
    .join('')}</xml>`;

/** The message URL's acknowledgement: HTTP 200 with `success` or an empty body. */
const acknowledged = (status: number, body: string) =>
  status === 200 && (body.trim() === '' || body.trim() === 'success');

/** Sends trade-management events to each mini-program's message URL and keeps every attempt. */
export class MessagePusher {
  readonly #configs = new Map<string, MessagePushConfig>();
  readonly #records: PushRecord[] = [];
  #nextId = 1;

  constructor(
    private readonly deps: PusherDeps,
    configs: Record<string, MessagePushConfig>,
  ) {
    for (const [appId, config] of Object.entries(configs)) this.#configs.set(appId, config);
  }

  configure(appId: string, config: MessagePushConfig | undefined): void {
    if (config) this.#configs.set(appId, config);
    else this.#configs.delete(appId);
  }

  config(appId: string): MessagePushConfig | undefined {
    return this.#configs.get(appId);
  }

  list(filter: { transactionId?: string; event?: string; appId?: string } = {}): PushRecord[] {
    return this.#records.filter(
      (r) =>
        (filter.transactionId === undefined || r.transaction_id === filter.transactionId) &&
        (filter.event === undefined || r.event === filter.event) &&
        (filter.appId === undefined || r.appid === filter.appId),
    );
  }

  /**
   * Pushes `event` for `appId`: the common fields (ToUserName, FromUserName, CreateTime,
   * MsgType=event) plus the event's. The message is fixed; each attempt is signed afresh.
   */
  push(appId: string, fromUser: string, event: PushEvent): PushRecord {
    const nowSeconds = Math.floor(this.deps.clock.nowMs() / 1000);
    const message: Record<string, string | number> = {
      ToUserName: originalIdFor(appId),
      FromUserName: fromUser,
      CreateTime: nowSeconds,
      MsgType: 'event',
      ...event,
    };
    const record: PushRecord = {
      id: this.#nextId++,
      appid: appId,
      event: event.Event,
      ...(typeof event.transaction_id === 'string' ? { transaction_id: event.transaction_id } : {}),
      message,
      state: this.#configs.has(appId) ? 'PENDING' : 'NO_URL',
      created_at: new Date(nowSeconds * 1000).toISOString(),
      attempts: [],
    };
    this.#records.push(record);
    this.deps.logger({ level: 'info', msg: 'shipping event', appid: appId, event: event.Event });
    if (record.state === 'PENDING') this.deps.timers.after(0, () => void this.#attempt(record, 1));
    return record;
  }

  async #attempt(record: PushRecord, n: number): Promise<void> {
    const config = this.#configs.get(record.appid);
    if (!config) {
      record.state = 'NO_URL';
      return;
    }
    const { url, body, contentType } = this.#signed(record, config);
    const attempt: PushAttempt = {
      attempt: n,
      at: this.deps.clock.now().toISOString(),
      url: config.url,
      result: 'FAIL',
    };
    const { signal, done } = this.deps.timers.track();
    try {
      const reply = await postXml(url, body, this.deps.timeoutMs, signal, { contentType });
      attempt.http_status = reply.status;
      attempt.reply = reply.body.slice(0, 2000);
      if (acknowledged(reply.status, reply.body)) attempt.result = 'SUCCESS';
    } catch (err) {
      attempt.result = err instanceof DeliveryError ? err.kind : 'CONNECTION_ERROR';
      attempt.error = err instanceof Error ? err.message : String(err);
    } finally {
      done();
    }
    if (signal.aborted || this.deps.timers.closed) return;
    record.attempts.push(attempt);
    this.deps.logger({
      level: attempt.result === 'SUCCESS' ? 'info' : 'warn',
      msg: 'message push attempt',
      appid: record.appid,
      event: record.event,
      attempt: n,
      result: attempt.result,
    });
    if (attempt.result === 'SUCCESS') {
      record.state = 'DELIVERED';
      return;
    }
    const wait = PUSH_RETRY_INTERVALS_SECONDS[n - 1];
    if (wait === undefined) {
      record.state = 'GAVE_UP';
      return;
    }
    this.deps.timers.after(
      wait * 1000 * this.deps.timeScale,
      () => void this.#attempt(record, n + 1),
    );
  }

  /** The URL with `signature`, `timestamp`, `nonce` (and in safe mode `encrypt_type`, `msg_signature`) and the body. */
  #signed(
    record: PushRecord,
    config: MessagePushConfig,
  ): { url: string; body: string; contentType: string } {
    const timestamp = String(Math.floor(this.deps.clock.nowMs() / 1000));
    const nonce = randomChars(10, '0123456789');
    const xml = config.format === 'xml';
    const plain = xml ? toPushXml(record.message) : JSON.stringify(record.message);
    const url = new URL(config.url);
    url.searchParams.set('signature', messagePushSignature(config.token, timestamp, nonce));
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', nonce);
    let body = plain;
    if (config.mode === 'safe' && config.encodingAesKey) {
      const encrypted = encryptMessagePush(plain, config.encodingAesKey, record.appid);
      url.searchParams.set('encrypt_type', 'aes');
      url.searchParams.set(
        'msg_signature',
        messagePushSignature(config.token, timestamp, nonce, encrypted),
      );
      const envelope = { ToUserName: String(record.message.ToUserName), Encrypt: encrypted };
      body = xml ? toPushXml(envelope) : JSON.stringify(envelope);
    }
    return {
      url: url.toString(),
      body,
      contentType: xml ? 'text/xml; charset=utf-8' : 'application/json; charset=utf-8',
    };
  }
}
