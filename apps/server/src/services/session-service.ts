import { randomUUID } from 'node:crypto';
import type { CreateSessionResponse } from '@fen/contracts';
import { isWxPayError } from '@fen/wxpay';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { UserDoc } from '../stores/user-model.js';
import type { UserStore } from '../stores/user-store.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import { weChatCallFailed } from '../wechat/failure.js';
import { issueSessionToken, verifySessionToken } from './session-token.js';
import type { SessionClaims } from './session-token.js';

/** code2Session errors that mean "this login code is bad", not "WeChat is down". */
const BAD_CODE_ERRCODES = new Set([40029, 40163, 40226, 41008]);

export interface SessionServiceDeps {
  users: UserStore;
  wechat: WeChatGateway;
  clock: Clock;
  secret: string;
  ttlSeconds: number;
}

/** Logins (a wx.login code, an OAuth code, or none for a guest) → our own signed session token. */
export function createSessionService(deps: SessionServiceDeps) {
  function sessionFor(user: UserDoc, now: Date): CreateSessionResponse {
    const exp = Math.floor(now.getTime() / 1000) + deps.ttlSeconds;
    return {
      token: issueSessionToken({ userId: user._id.toHexString(), exp }, deps.secret),
      expiresAt: new Date(exp * 1000).toISOString(),
      user: {
        id: user._id.toHexString(),
        openid: user.openid,
        createdAt: user.createdAt.toISOString(),
      },
    };
  }

  /** Exchanges a one-time WeChat code for an identity; a refused code is the caller's error. */
  async function redeem(
    exchange: () => Promise<{ openid: string; unionid?: string }>,
    what: string,
    log: Logger,
  ): Promise<{ openid: string; unionid?: string }> {
    try {
      return await exchange();
    } catch (err) {
      if (isWxPayError(err) && err.errcode !== undefined && BAD_CODE_ERRCODES.has(err.errcode)) {
        log.info({ errcode: err.errcode, errmsg: err.errmsg }, `${what} refused by WeChat`);
        throw appError('LOGIN_CODE_INVALID', `the ${what} is invalid, expired or already used`);
      }
      log.warn({ err }, `${what} exchange failed`);
      throw weChatCallFailed(`check the ${what}`, err);
    }
  }

  return {
    /** The mini-program's wx.login code (code2Session). */
    async login(code: string, log: Logger): Promise<CreateSessionResponse> {
      const identity = await redeem(() => deps.wechat.code2Session(code), 'login code', log);
      const now = deps.clock.now();
      const user = await deps.users.upsertByOpenid(identity.openid, identity.unionid, now);
      return sessionFor(user, now);
    },

    /** The official account's OAuth code (snsapi_base): its openid pays JSAPI orders. */
    async loginOfficialAccount(code: string, log: Logger): Promise<CreateSessionResponse> {
      const identity = await redeem(() => deps.wechat.oauthOpenid(code), 'OAuth code', log);
      const now = deps.clock.now();
      const user = await deps.users.upsertByOpenid(
        identity.openid,
        identity.unionid,
        now,
        'official_account',
      );
      return sessionFor(user, now);
    },

    /** A shopper with no WeChat identity: Native QR and H5 pay need none. */
    async guest(): Promise<CreateSessionResponse> {
      const now = deps.clock.now();
      const user = await deps.users.upsertByOpenid(
        `guest_${randomUUID()}`,
        undefined,
        now,
        'guest',
      );
      return sessionFor(user, now);
    },

    verify(token: string): SessionClaims | undefined {
      return verifySessionToken(token, deps.secret, Math.floor(deps.clock.now().getTime() / 1000));
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
