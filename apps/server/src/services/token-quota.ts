import type { AppTokenQuota, TokenQuotaKind, TokenQuotaResponse } from '@fen/contracts';
import { isWxPayError, quotaBlockedError } from '@fen/wxpay';
import type { TokenFetchGuard } from '@fen/wxpay';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { Logger } from '../logger.js';
import { TOKEN_QUOTA_KINDS } from './token-quota-store.js';
import type { TokenQuotaStore } from './token-quota-store.js';

const BEIJING_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** `yyyy-MM-dd` of the Asia/Shanghai day (UTC+8, no DST) containing `ms`: WeChat's quota day. */
export const shanghaiDay = (ms: number): string =>
  new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);

/** Epoch ms of the next Asia/Shanghai midnight after `ms`, when WeChat's daily quota restarts. */
export const nextShanghaiMidnight = (ms: number): number =>
  (Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS) + 1) * DAY_MS - BEIJING_OFFSET_MS;

/** Called once per pause (across instances) when WeChat answers 45009: e.g. an alert webhook. */
export type QuotaExhaustedHook = (appId: string, kind: TokenQuotaKind) => void | Promise<void>;

export interface TokenQuotaDeps {
  store: TokenQuotaStore;
  clock: Clock;
  log: Logger;
  /** The appids whose tokens the server fetches (the ones with an AppSecret configured). */
  appIds: readonly string[];
  /** Resets the app's daily quota at WeChat (clear_quota). */
  clearAtWeChat(appId: string): Promise<void>;
  onQuotaExhausted?: QuotaExhaustedHook;
}

/**
 * The access_token / jsapi_ticket daily quota (docs/server.md "Token quota"): as the wxpay fetch
 * guard it counts every fetch from WeChat per appid per Asia/Shanghai day, and once WeChat answers
 * 45009 it pauses that kind's fetches until the next day (the cached token is served meanwhile)
 * and alerts once; operators read it and reset it (clear_quota) through the admin API.
 */
export interface TokenQuota extends TokenFetchGuard {
  status(): Promise<TokenQuotaResponse>;
  /** Resets the quota at WeChat, then lifts the pause; 404 for an appid that is not configured. */
  reset(appId: string, operator: string, log: Logger): Promise<AppTokenQuota>;
}

export function createTokenQuota(deps: TokenQuotaDeps): TokenQuota {
  const { store, clock, log } = deps;
  const nowMs = () => clock.now().getTime();

  /** The pause in force now, if any (a stale one from a past day counts as none). */
  async function activeBlock(appId: string, kind: TokenQuotaKind) {
    const block = await store.blockOf(appId, kind);
    return block && nowMs() < block.untilMs ? block : undefined;
  }

  async function appStatus(appId: string, day: string): Promise<AppTokenQuota> {
    const [fetches, lastReset, ...blocks] = await Promise.all([
      store.fetches(day, appId),
      store.lastReset(appId),
      ...TOKEN_QUOTA_KINDS.map((kind) => activeBlock(appId, kind)),
    ]);
    const blockedSince: AppTokenQuota['blockedSince'] = {};
    TOKEN_QUOTA_KINDS.forEach((kind, i) => {
      const block = blocks[i];
      if (block) blockedSince[kind] = new Date(block.sinceMs).toISOString();
    });
    return {
      appId,
      fetches,
      blockedSince,
      ...(lastReset
        ? {
            lastReset: { operator: lastReset.operator, at: new Date(lastReset.atMs).toISOString() },
          }
        : {}),
    };
  }

  function alert(appId: string, kind: TokenQuotaKind): void {
    // One line an operator can act on; the hook (e.g. a webhook) must never break a fetch.
    log.error(
      { alert: 'token-quota-exhausted', appId, kind },
      `ALERT: WeChat answered 45009 (daily quota reached) to a ${kind} fetch for ${appId}: ` +
        'fetches are paused until 00:00 Asia/Shanghai and the cached token is served while valid; ' +
        `to resume now, POST /admin/token-quota/${appId}/reset (WeChat's clear_quota, 10 a month)`,
    );
    if (!deps.onQuotaExhausted) return;
    void Promise.resolve()
      .then(() => deps.onQuotaExhausted?.(appId, kind))
      .catch((err: unknown) =>
        log.warn({ err: String(err), appId, kind }, 'token quota alert hook failed'),
      );
  }

  return {
    async beforeFetch(appId, kind) {
      let blocked: boolean;
      try {
        blocked = (await activeBlock(appId, kind)) !== undefined;
        if (!blocked) await store.countFetch(shanghaiDay(nowMs()), appId, kind);
      } catch (err) {
        // Redis unreachable: fetch anyway (a token beats a count), uncounted.
        log.warn({ err: String(err), appId, kind }, 'token quota store failed; fetch not counted');
        return;
      }
      if (blocked) throw quotaBlockedError(appId, kind);
    },

    async quotaExhausted(appId, kind) {
      const now = nowMs();
      const block = { sinceMs: now, untilMs: nextShanghaiMidnight(now) };
      let recorded: boolean;
      try {
        recorded = await store.block(appId, kind, block);
        if (!recorded && !(await activeBlock(appId, kind))) {
          // A pause from a past day still stored: replace it.
          await store.unblock(appId, [kind]);
          recorded = await store.block(appId, kind, block);
        }
      } catch (err) {
        // The pause cannot be shared, but the operator must still hear of the 45009.
        log.warn({ err: String(err), appId, kind }, 'token quota store failed; pause not recorded');
        recorded = true;
      }
      if (recorded) alert(appId, kind);
    },

    async status() {
      const day = shanghaiDay(nowMs());
      return { day, apps: await Promise.all(deps.appIds.map((appId) => appStatus(appId, day))) };
    },

    async reset(appId, operator, requestLog) {
      if (!deps.appIds.includes(appId)) {
        throw appError('NOT_FOUND', `appid ${appId} is not one of the configured apps`);
      }
      try {
        await deps.clearAtWeChat(appId);
      } catch (err) {
        requestLog.warn(
          { appId, operator, code: isWxPayError(err) ? err.code : undefined },
          'clear_quota failed',
        );
        if (isWxPayError(err) && err.errcode !== undefined) {
          throw appError(
            'WECHAT_REJECTED',
            `WeChat refused clear_quota: errcode ${err.errcode} ${err.errmsg ?? ''}`.trim() +
              (err.errcode === 48006 ? " (this month's 10 resets are used up)" : ''),
            { cause: err },
          );
        }
        throw appError('WECHAT_UNAVAILABLE', 'clear_quota could not reach WeChat', { cause: err });
      }
      await store.unblock(appId);
      await store.recordReset(appId, { operator, atMs: nowMs() });
      requestLog.info({ appId, operator }, 'operator reset the token quota (clear_quota)');
      return appStatus(appId, shanghaiDay(nowMs()));
    },
  };
}
