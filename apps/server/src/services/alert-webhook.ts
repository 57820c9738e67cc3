import type { Logger } from '../logger.js';

/**
 * How the alert's body is shaped: `wecom` for a WeCom (企业微信) group robot, whose webhook takes
 * `{"msgtype":"text","text":{"content":"…"}}` (content at most 2048 bytes of UTF-8); `json` for
 * anything else that takes Fen's own structured payload (docs/server.md, "Anomalies").
 */
export const ALERT_FORMATS = ['wecom', 'json'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

/** One alert: the text a person reads (zh-CN first) and the same facts as fields. */
export interface Alert {
  text: string;
  fields: Record<string, unknown>;
}

export interface AlertWebhookSettings {
  /** Holds the robot's key for WeCom: a secret, never logged (only its host is). */
  url: string;
  format: AlertFormat;
  /** Attempts in all before giving up (default 5). */
  attempts?: number;
  /** The wait before the first retry, doubled each time up to 30 s (default 1 s). */
  backoffMs?: number;
  /** One attempt's limit, connection to answer (default 5 s). */
  timeoutMs?: number;
}

export interface AlertWebhook {
  /** Delivers in the background and returns at once: never throws, never delays the caller. */
  send(alert: Alert): void;
  /** Stops retrying (shutdown) and waits for deliveries in flight to end. */
  close(): Promise<void>;
}

/** WeCom's limit on a text message's content, in bytes of UTF-8. */
export const WECOM_CONTENT_MAX_BYTES = 2048;

/** `text` cut to at most `maxBytes` of UTF-8, never in the middle of a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes - 3) break;
    out += char;
    bytes += size;
  }
  return `${out}…`;
}

export function alertBody(alert: Alert, format: AlertFormat): string {
  return JSON.stringify(
    format === 'wecom'
      ? { msgtype: 'text', text: { content: truncateUtf8(alert.text, WECOM_CONTENT_MAX_BYTES) } }
      : { ...alert.fields, text: alert.text },
  );
}

/**
 * Why an answer is not a delivery, or undefined when it is. A WeCom robot answers HTTP 200 with
 * `{"errcode":…}` even when it refuses (e.g. 45009 past its 20 messages a minute).
 */
async function refusal(res: Response, format: AlertFormat): Promise<string | undefined> {
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status > 299) return `HTTP ${res.status}`;
  if (format !== 'wecom') return undefined;
  try {
    const errcode = (JSON.parse(text) as { errcode?: unknown }).errcode;
    return errcode === 0 ? undefined : `errcode ${String(errcode)}`;
  } catch {
    return 'an answer that is not JSON';
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Pushes alerts to one webhook, each with bounded retries and backoff. Deliveries run detached
 * from the request that raised them; one that still fails is logged (by host, never the URL),
 * and the anomaly itself stays in the queue (`GET /admin/anomalies`) either way.
 */
export function createAlertWebhook(settings: AlertWebhookSettings, log: Logger): AlertWebhook {
  const attempts = settings.attempts ?? 5;
  const backoffMs = settings.backoffMs ?? 1000;
  const timeoutMs = settings.timeoutMs ?? 5000;
  const host = new URL(settings.url).host;
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();

  async function deliver(alert: Alert): Promise<void> {
    const body = alertBody(alert, settings.format);
    let problem = '';
    for (let attempt = 1; attempt <= attempts && !stopping.signal.aborted; attempt += 1) {
      try {
        const res = await fetch(settings.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body,
          // A redirect would carry the alert somewhere not configured: a failure instead.
          redirect: 'manual',
          signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
        });
        const refused = await refusal(res, settings.format);
        if (!refused) {
          log.info({ webhookHost: host, attempt, alert: alert.fields.id }, 'alert delivered');
          return;
        }
        problem = refused;
      } catch (err) {
        // Named, never the error's text: it could quote the URL, and so the robot's key.
        const name = err instanceof Error ? err.name : '';
        problem = name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : 'unreachable';
      }
      if (attempt < attempts) {
        await sleep(Math.min(backoffMs * 2 ** (attempt - 1), 30_000), stopping.signal);
      }
    }
    log.warn(
      { webhookHost: host, attempts, problem, alert: alert.fields.id },
      'alert not delivered: the anomaly stays listed at GET /admin/anomalies',
    );
  }

  return {
    send(alert) {
      if (stopping.signal.aborted) return;
      const delivery = deliver(alert).catch(() => {
        log.error({ webhookHost: host, alert: alert.fields.id }, 'alert delivery failed');
      });
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));
    },
    async close() {
      stopping.abort();
      await Promise.all(inFlight);
    },
  };
}
