import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import type { SessionService } from './session-service.js';
import { issueSignedToken, readSignedToken } from './signed-token.js';

/** How long a browser may take between leaving for WeChat's authorize page and coming back. */
export const STATE_TTL_SECONDS = 600;
/** WeChat returns `state` up to 128 bytes; a signed state with a longer path would not fit. */
const MAX_REDIRECT_CHARS = 40;

export interface OAuthLoginDeps {
  wechat: WeChatGateway;
  sessions: SessionService;
  clock: Clock;
  /** The server as browsers reach it: OAuth comes back to `<publicUrl>/oa/callback`. */
  publicUrl: string;
  /** Signs the `state`; kept apart from session tokens by its own derivation. */
  secret: string;
}

/**
 * Official-account login in a web page [D-oauth]: `snsapi_base` OAuth, whose code becomes the
 * openid (and so a session) once. `state` is signed and expires, so a forged or replayed
 * callback cannot pick where the browser lands; it only ever lands on a path of this site.
 * It is also bound to the browser that started: signed with a random nonce that browser keeps
 * in a cookie (the route's part), so a callback URL made for one browser logs no other in.
 * The nonce goes into the key rather than the state, which WeChat caps at 128 bytes.
 */
export function createOAuthLoginService(deps: OAuthLoginDeps) {
  const secret = `${deps.secret}:oauth-state`;
  const nowSeconds = () => Math.floor(deps.clock.now().getTime() / 1000);

  return {
    /**
     * Where to send the browser; `redirect` is a path of this site to come back to. `nonce`
     * must come back with the callback (the browser's cookie).
     */
    start(redirect: string): { url: string; nonce: string } {
      const isLocalPath = redirect.startsWith('/') && !redirect.startsWith('//');
      if (!isLocalPath || redirect.length > MAX_REDIRECT_CHARS || /[\\\s]/.test(redirect)) {
        throw appError(
          'VALIDATION_FAILED',
          `redirect must be a path of this site of at most ${MAX_REDIRECT_CHARS} characters`,
        );
      }
      const nonce = randomBytes(18).toString('base64url');
      const state = issueSignedToken(
        { r: redirect, e: nowSeconds() + STATE_TTL_SECONDS },
        `${secret}:${nonce}`,
      );
      return { url: deps.wechat.oauthAuthorizeUrl(`${deps.publicUrl}/oa/callback`, state), nonce };
    },

    /**
     * The callback: the code becomes a session; the answer says where the browser goes next.
     * Without the nonce of the browser that started (`undefined`: no cookie) nothing happens:
     * the code is not even exchanged.
     */
    async finish(code: string, state: string, nonce: string | undefined, log: Logger) {
      const value = nonce ? readSignedToken(state, `${secret}:${nonce}`) : undefined;
      const redirect = value?.r;
      const expires = value?.e;
      if (typeof redirect !== 'string' || typeof expires !== 'number' || expires < nowSeconds()) {
        throw appError('BAD_REQUEST', 'the login link is invalid or has expired; start again');
      }
      const session = await deps.sessions.loginOfficialAccount(code, log);
      return { redirect, session };
    },
  };
}

export type OAuthLoginService = ReturnType<typeof createOAuthLoginService>;
