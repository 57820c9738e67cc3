import { Router } from '@koa/router';
import { decryptMessagePush, fromXml, verifyMessagePushSignature } from '@fen/wxpay';
import type Koa from 'koa';
import type { Clock } from '../clock.js';
import type { MessagePushSettings } from '../config.js';
import type { AppState } from '../http/context.js';
import { readRawBody } from '../http/request-body.js';
import type { TradeEvent } from '../services/shipping-service.js';

const MAX_BODY_BYTES = 64 * 1024;

export interface WechatMessageDeps {
  settings: MessagePushSettings;
  /** The mini-program: a safe-mode message must name it. */
  appId: string;
  clock: Clock;
  apply(event: TradeEvent): Promise<void>;
}

class Refused extends Error {}

/** A JSON object or a flat `<xml>` document (WeChat sends either, per the console's setting). */
function parseMessage(text: string): Record<string, unknown> {
  if (text.trimStart().startsWith('<')) return fromXml(text, { maxBytes: MAX_BODY_BYTES });
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Refused('not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

const one = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The mini-program's message push (消息推送): WeChat's trade-management events arrive here,
 * signed (plain mode) or signed and encrypted (safe mode). Forged, stale (replayed) or
 * malformed pushes are refused with 401/400 and change nothing; a verified one is answered
 * `success` only after its change is stored (a failure answers 500, so WeChat retries).
 */
export function wechatMessageRoutes(deps: WechatMessageDeps) {
  const { settings } = deps;
  const router = new Router<AppState>({ prefix: '/wechat/message' });

  function checkSignature(ctx: Koa.ParameterizedContext<AppState>, encrypt?: string): void {
    const timestamp = one(ctx.query.timestamp);
    const nonce = one(ctx.query.nonce);
    const seconds = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp) || !nonce) throw new Refused('timestamp or nonce missing');
    // A signature never expires by itself: an old timestamp is how a replay shows.
    if (Math.abs(deps.clock.now().getTime() / 1000 - seconds) > settings.maxAgeSeconds) {
      throw new Refused('timestamp too far from now (a replay?)');
    }
    const signature = one(encrypt === undefined ? ctx.query.signature : ctx.query.msg_signature);
    if (!verifyMessagePushSignature(signature, settings.token, timestamp, nonce, encrypt)) {
      throw new Refused('bad signature');
    }
  }

  function refuse(ctx: Koa.ParameterizedContext<AppState>, err: unknown): void {
    const reason = err instanceof Error ? err.message.slice(0, 100) : 'unreadable';
    // Bounded: the reason and the size, never the body.
    ctx.state.log.warn(
      { reason, bytes: Number(ctx.get('content-length')) || 0 },
      'message push refused',
    );
    ctx.status = err instanceof Refused ? 401 : 400;
    ctx.type = 'text/plain';
    ctx.body = 'refused';
  }

  // WeChat's check when the URL is saved in the console: echo echostr if the signature is ours.
  router.get('/', (ctx) => {
    try {
      checkSignature(ctx);
    } catch (err) {
      refuse(ctx, err);
      return;
    }
    ctx.type = 'text/plain';
    ctx.body = one(ctx.query.echostr);
  });

  router.post('/', async (ctx) => {
    let event: Record<string, unknown>;
    try {
      const text = (await readRawBody(ctx.req, MAX_BODY_BYTES)).toString('utf8');
      if (settings.mode === 'safe') {
        if (ctx.query.encrypt_type !== 'aes') throw new Refused('safe mode needs encrypt_type=aes');
        const encrypt = one(parseMessage(text).Encrypt);
        if (!encrypt) throw new Refused('no Encrypt');
        checkSignature(ctx, encrypt);
        event = parseMessage(
          decryptMessagePush(encrypt, settings.encodingAesKey ?? '', deps.appId),
        );
      } else {
        checkSignature(ctx);
        event = parseMessage(text);
      }
    } catch (err) {
      refuse(ctx, err);
      return;
    }
    await deps.apply(event);
    ctx.type = 'text/plain';
    ctx.body = 'success';
  });

  return router;
}
