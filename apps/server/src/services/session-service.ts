import type { CreateSessionResponse } from '@fen/contracts';
import { isWxPayError } from '@fen/wxpay';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { Logger } from '../logger.js';
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

/** Logins (wx.login code → our own signed session token) and token checks. */
export function createSessionService(deps: SessionServiceDeps) {
  return {
    async login(code: string, log: Logger): Promise<CreateSessionResponse> {
      let identity: { openid: string; unionid?: string };
      try {
        identity = await deps.wechat.code2Session(code);
      } catch (err) {
        if (isWxPayError(err) && err.errcode !== undefined && BAD_CODE_ERRCODES.has(err.errcode)) {
          log.info({ errcode: err.errcode, errmsg: err.errmsg }, 'login code refused by WeChat');
          throw appError(
            'LOGIN_CODE_INVALID',
            'the login code is invalid, expired or already used',
          );
        }
        log.warn({ err }, 'code2Session failed');
        throw weChatCallFailed('check the login code', err);
      }
      const now = deps.clock.now();
      const user = await deps.users.upsertByOpenid(identity.openid, identity.unionid, now);
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
    },

    verify(token: string): SessionClaims | undefined {
      return verifySessionToken(token, deps.secret, Math.floor(deps.clock.now().getTime() / 1000));
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
