import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import { BILL_UNREADABLE } from '../wechat/trade-bill.js';
import type { TradeBill } from '../wechat/trade-bill.js';

export interface BillRetrySettings {
  /** Download attempts in one run (1 = no retry). */
  attempts: number;
  /** The wait before the first retry; each further retry waits twice as long. */
  backoffMs: number;
}

export type BillDownload =
  { ok: true; bill: TradeBill; attempts: number } | { ok: false; error: string; attempts: number };

/** An error as one line for a report or a log. */
export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The day's trade bill, retried with exponential backoff while WeChat fails (a timeout, a
 * system error, `Bill Creating`), a bounded number of times. A bill that arrived but cannot be
 * read is not retried: it would read the same next time.
 */
export async function downloadTradeBill(
  wechat: Pick<WeChatGateway, 'tradeBill'>,
  date: string,
  settings: BillRetrySettings,
  log: Logger,
): Promise<BillDownload> {
  let error = '';
  for (let attempt = 1; attempt <= settings.attempts; attempt += 1) {
    try {
      return { ok: true, bill: await wechat.tradeBill(date), attempts: attempt };
    } catch (err) {
      if ((err as { code?: unknown }).code === BILL_UNREADABLE) {
        return {
          ok: false,
          error: `the bill cannot be read: ${errorText(err)}`,
          attempts: attempt,
        };
      }
      error = `the bill could not be downloaded: ${errorText(err)}`;
      log.warn({ date, attempt, err: errorText(err) }, 'trade bill download failed');
      if (attempt < settings.attempts) await sleep(settings.backoffMs * 2 ** (attempt - 1));
    }
  }
  return { ok: false, error, attempts: settings.attempts };
}
