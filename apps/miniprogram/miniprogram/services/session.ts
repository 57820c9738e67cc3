import type { CreateSessionResponse, User } from '@fen/contracts';
import { clientError, describeError, errorFromResponse, isClientError } from '../utils/errors';
import { httpRequest, isOk } from './http';
import type { Platform } from './platform';

/** Where the session lives in wx storage. */
export const SESSION_STORAGE_KEY = 'fen.session';

/** A stored token is renewed this long before it expires rather than sent to be refused. */
const EXPIRY_MARGIN_MS = 60 * 1000;

interface StoredSession {
  token: string;
  expiresAt: string;
  user: User;
}

export interface SessionOptions {
  apiBaseUrl: string;
  platform: Platform;
  timeoutMs: number;
}

/**
 * The buyer's session with the Fen server: a login code from the platform (wx.login or the
 * sandbox) is exchanged at POST /api/session for our own token, kept in wx storage. No WeChat
 * secret or session_key ever reaches the app.
 */
export class Session {
  private renewing: Promise<string> | undefined;

  constructor(private readonly options: SessionOptions) {}

  /** The stored token while it is valid; otherwise logs in. */
  async token(): Promise<string> {
    const stored = readStored();
    if (stored && Date.parse(stored.expiresAt) - EXPIRY_MARGIN_MS > Date.now()) return stored.token;
    return this.renew(stored?.token);
  }

  /**
   * Logs in again because `rejected` was refused. Concurrent callers share one login, and a
   * caller whose token was already replaced gets the new one without another login.
   */
  renew(rejected?: string): Promise<string> {
    const stored = readStored();
    if (stored && stored.token !== rejected && !this.renewing) return Promise.resolve(stored.token);
    if (!this.renewing) {
      this.renewing = this.login().finally(() => {
        this.renewing = undefined;
      });
    }
    return this.renewing;
  }

  /** The logged-in user, if any. */
  user(): User | undefined {
    return readStored()?.user;
  }

  private async login(): Promise<string> {
    let code: string;
    try {
      code = await this.options.platform.loginCode();
    } catch (error) {
      throw clientError('LOGIN_FAILED', `Could not log in: ${describeError(error)}`);
    }
    const res = await httpRequest({
      method: 'POST',
      url: `${this.options.apiBaseUrl}/api/session`,
      body: { code },
      timeoutMs: this.options.timeoutMs,
    });
    if (!isOk(res.status)) {
      const error = errorFromResponse(res.status, res.data);
      throw isClientError(error, 'LOGIN_CODE_INVALID')
        ? clientError('LOGIN_FAILED', `Could not log in: ${error.message}`, error)
        : error;
    }
    const session = res.data as Partial<CreateSessionResponse> | null;
    if (typeof session?.token !== 'string' || typeof session.expiresAt !== 'string') {
      throw clientError('BAD_RESPONSE', 'The server sent no session token');
    }
    const stored: StoredSession = {
      token: session.token,
      expiresAt: session.expiresAt,
      user: session.user as User,
    };
    wx.setStorageSync(SESSION_STORAGE_KEY, stored);
    return stored.token;
  }
}

function readStored(): StoredSession | undefined {
  const value = wx.getStorageSync(SESSION_STORAGE_KEY) as StoredSession | '' | undefined;
  return value && typeof value.token === 'string' ? value : undefined;
}
