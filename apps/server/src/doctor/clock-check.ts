import { fail, messageOf, ok, warn } from './check.js';
import type { CheckResult } from './check.js';
import { probe } from './http-probe.js';

export const CLOCK_CHECK = 'clock';

/** Past this, a warning: Date has one-second steps, and a minute is already a drifting clock. */
const WARN_SKEW_SECONDS = 60;
/** WeChat (and the server) refuse APIv3 signatures 5 minutes off. */
const FAIL_SKEW_SECONDS = 300;

/**
 * This machine's clock against the `Date` header of WeChat Pay's host, placed at the middle of
 * the exchange. APIv3 signatures carry a timestamp checked both ways, and expiry times
 * (`time_expire`) are computed here: a clock 5 minutes off breaks APIv3 outright.
 */
export async function checkClock(
  baseUrl: string,
  setting: string,
  timeoutMs: number,
  ca?: string,
): Promise<CheckResult> {
  let reply;
  try {
    reply = await probe(baseUrl, { timeoutMs, ...(ca ? { ca } : {}) });
  } catch (err) {
    return fail(CLOCK_CHECK, `not checked: no answer from ${setting} (${messageOf(err)})`);
  }
  const date = Date.parse(reply.headers.date ?? '');
  if (Number.isNaN(date)) return warn(CLOCK_CHECK, `not checked: ${setting} sent no Date header`);
  const here = (reply.sentAt + reply.answeredAt) / 2;
  // Date is truncated to the second: half a second more is not skew.
  const skewSeconds = Math.round((date + 500 - here) / 1000);
  const size = Math.abs(skewSeconds);
  const direction = skewSeconds > 0 ? 'behind' : 'ahead of';
  const said = `this machine is ${size} s ${direction} WeChat's clock (Date header of ${setting})`;
  const fix = 'keep the clock synchronised (NTP: systemd-timesyncd, chrony)';
  if (size > FAIL_SKEW_SECONDS) {
    return fail(
      CLOCK_CHECK,
      `${said}: APIv3 signatures 5 minutes off are refused, and order expiry times are wrong; ${fix}`,
    );
  }
  if (size > WARN_SKEW_SECONDS) return warn(CLOCK_CHECK, `${said}: ${fix}`);
  return ok(CLOCK_CHECK, `within ${Math.max(size, 1)} s of WeChat's Date header`);
}
