import { fromXml } from '@fen/wxpay';
import type { SandboxClock } from '../clock.js';
import type { FaultState, NotificationSubject } from '../faults.js';
import type { SandboxLogger } from '../options.js';
import type { Timers } from '../timers.js';
import { DeliveryError, postXml } from './post-xml.js';

/**
 * WeChat's notification retry intervals (V2 and V3) [docs/protocol.md §4.1]: after a failed or
 * unanswered attempt, wait these many seconds before the next; 16 attempts in all, 24 h 4 min.
 */
export const NOTIFY_RETRY_INTERVALS_SECONDS: readonly number[] = Object.freeze([
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
]);

export type AttemptResult = 'SUCCESS' | 'FAIL' | 'TIMEOUT' | 'CONNECTION_ERROR' | 'DROPPED';

/** One POST (or a dropped one) of a notification, as the control API shows it (snake_case, like every control-API field). */
export interface DeliveryAttempt {
  /** 1 for the first attempt, 2 for the first retry… */
  attempt: number;
  /** 0 for the attempt itself, 1… for injected duplicate copies. */
  copy: number;
  /** Sandbox time the POST started (ISO) and as epoch ms. */
  at: string;
  at_ms: number;
  /** The schedule's wait before this attempt: WeChat seconds and the real (time-scaled) ms. */
  scheduled_delay_seconds: number;
  scheduled_delay_ms: number;
  result: AttemptResult;
  http_status?: number;
  /** The notify_url's reply, at most 2000 characters. */
  reply?: string;
  error?: string;
  duration_ms?: number;
}

export interface NotificationRecord {
  id: number;
  kind: 'payment' | 'refund';
  mch_id: string;
  out_trade_no: string;
  out_refund_no?: string;
  notify_url: string;
  state: 'PENDING' | 'DELIVERED' | 'GAVE_UP';
  created_at: string;
  attempts: DeliveryAttempt[];
}

export interface NotificationJob extends NotificationSubject {
  mchId: string;
  outRefundNo?: string;
  notifyUrl: string;
  /** Builds the body for one POST: a fresh nonce_str and sign each time, as WeChat re-sends. */
  body: () => string;
  /** Default `text/xml; charset=utf-8` (APIv2); APIv3 posts JSON. */
  contentType?: string;
  /** Extra headers for one POST of `body` (APIv3: the `Wechatpay-*` signature, fresh each time). */
  headers?: (body: string) => Record<string, string>;
  /** Whether a reply acknowledges; default {@link isAcknowledged} (APIv2's rule). */
  acknowledged?: (status: number, body: string) => boolean;
}

interface NotifierDeps {
  timers: Timers;
  faults: FaultState;
  clock: SandboxClock;
  timeScale: number;
  timeoutMs: number;
  logger: SandboxLogger;
}

/** True when a notify_url's reply acknowledges the notification: HTTP 200 and return_code SUCCESS. */
export function isAcknowledged(status: number, body: string): boolean {
  if (status !== 200) return false;
  try {
    return fromXml(body).return_code === 'SUCCESS';
  } catch {
    return false;
  }
}

/** Delivers payment and refund notifications on WeChat's schedule and keeps every attempt. */
export class Notifier {
  readonly #records: NotificationRecord[] = [];
  #nextId = 1;

  constructor(private readonly deps: NotifierDeps) {}

  /** Starts delivering `job` now; returns its record (which fills in as attempts happen). */
  send(job: NotificationJob): NotificationRecord {
    const record: NotificationRecord = {
      id: this.#nextId++,
      kind: job.kind,
      mch_id: job.mchId,
      out_trade_no: job.outTradeNo,
      ...(job.outRefundNo ? { out_refund_no: job.outRefundNo } : {}),
      notify_url: job.notifyUrl,
      state: 'PENDING',
      created_at: this.deps.clock.now().toISOString(),
      attempts: [],
    };
    this.#records.push(record);
    this.deps.timers.after(0, () => void this.#attempt(job, record, 1, 0));
    return record;
  }

  list(filter: { outTradeNo?: string; kind?: string } = {}): NotificationRecord[] {
    return this.#records.filter(
      (r) =>
        (filter.outTradeNo === undefined || r.out_trade_no === filter.outTradeNo) &&
        (filter.kind === undefined || r.kind === filter.kind),
    );
  }

  async #attempt(
    job: NotificationJob,
    record: NotificationRecord,
    n: number,
    waitedSeconds: number,
  ): Promise<void> {
    const { faults, timers } = this.deps;
    const scheduled = {
      scheduled_delay_seconds: waitedSeconds,
      scheduled_delay_ms: this.#realMs(waitedSeconds),
    };
    if (faults.dropsAll(job) || n <= faults.droppedFirstAttempts(job)) {
      record.attempts.push({
        attempt: n,
        copy: 0,
        ...this.#now(),
        ...scheduled,
        result: 'DROPPED',
      });
      this.deps.logger({
        level: 'info',
        msg: 'notification dropped (fault)',
        kind: job.kind,
        out_trade_no: job.outTradeNo,
        attempt: n,
      });
      this.#scheduleNext(job, record, n);
      return;
    }
    const jitter = faults.jitterMs();
    if (jitter > 0) await new Promise<void>((resolve) => timers.after(jitter, resolve));
    if (timers.closed) return;
    const { count, concurrent } = faults.duplicates(job);
    let ok: boolean;
    if (concurrent) {
      const results = await Promise.all(
        Array.from({ length: count + 1 }, (_, copy) => this.#post(job, record, n, copy, scheduled)),
      );
      ok = results[0] ?? false;
    } else {
      ok = await this.#post(job, record, n, 0, scheduled);
      for (let copy = 1; copy <= count; copy += 1)
        await this.#post(job, record, n, copy, scheduled);
    }
    if (timers.closed) return;
    if (ok) {
      record.state = 'DELIVERED';
      return;
    }
    this.#scheduleNext(job, record, n);
  }

  #scheduleNext(job: NotificationJob, record: NotificationRecord, n: number): void {
    const wait = NOTIFY_RETRY_INTERVALS_SECONDS[n - 1];
    if (wait === undefined) {
      record.state = 'GAVE_UP';
      this.deps.logger({
        level: 'warn',
        msg: 'notification given up after the last retry',
        kind: job.kind,
        out_trade_no: job.outTradeNo,
      });
      return;
    }
    this.deps.timers.after(this.#realMs(wait), () => void this.#attempt(job, record, n + 1, wait));
  }

  /** One POST; records it and returns whether it was acknowledged. */
  async #post(
    job: NotificationJob,
    record: NotificationRecord,
    n: number,
    copy: number,
    scheduled: { scheduled_delay_seconds: number; scheduled_delay_ms: number },
  ): Promise<boolean> {
    const started = this.#now();
    const t0 = performance.now();
    const { signal, done } = this.deps.timers.track();
    const attempt: DeliveryAttempt = { attempt: n, copy, ...started, ...scheduled, result: 'FAIL' };
    try {
      const body = job.body();
      const reply = await postXml(job.notifyUrl, body, this.deps.timeoutMs, signal, {
        ...(job.contentType ? { contentType: job.contentType } : {}),
        ...(job.headers ? { headers: job.headers(body) } : {}),
      });
      attempt.http_status = reply.status;
      attempt.reply = reply.body.slice(0, 2000);
      const acknowledged = job.acknowledged ?? isAcknowledged;
      attempt.result = acknowledged(reply.status, reply.body) ? 'SUCCESS' : 'FAIL';
    } catch (err) {
      attempt.result = err instanceof DeliveryError ? err.kind : 'CONNECTION_ERROR';
      attempt.error = err instanceof Error ? err.message : String(err);
    } finally {
      done();
    }
    attempt.duration_ms = Math.round(performance.now() - t0);
    if (signal.aborted) return false;
    record.attempts.push(attempt);
    this.deps.logger({
      level: attempt.result === 'SUCCESS' ? 'info' : 'warn',
      msg: 'notification attempt',
      kind: job.kind,
      out_trade_no: job.outTradeNo,
      attempt: n,
      copy,
      result: attempt.result,
      http_status: attempt.http_status,
    });
    return attempt.result === 'SUCCESS';
  }

  #realMs(seconds: number): number {
    return seconds * 1000 * this.deps.timeScale;
  }

  #now(): { at: string; at_ms: number } {
    const ms = this.deps.clock.nowMs();
    return { at: new Date(ms).toISOString(), at_ms: ms };
  }
}
