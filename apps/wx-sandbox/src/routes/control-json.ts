import type { Context } from 'koa';
import { BodyTooLargeError, readRawBody } from '../http/raw-body.js';
import { PAYER_OUTCOMES, isPayerOutcome } from '../pay/payer.js';
import type { PayerOutcome } from '../pay/payer.js';

/** The largest JSON body the control routes read. */
const MAX_CONTROL_BODY_BYTES = 64 * 1024;

/** Answers a control request with `status` and `{error: {code, message}}`. */
export function fail(ctx: Context, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.body = { error: { code, message } };
}

/**
 * The JSON object body of a control request (an empty body is `{}`), or `undefined` once the
 * refusal is answered: 413 BODY_TOO_LARGE over 64 KiB, 400 INVALID_JSON for anything but an object.
 */
export async function jsonBody(ctx: Context): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = (await readRawBody(ctx.req, MAX_CONTROL_BODY_BYTES)).toString('utf8');
  } catch (err) {
    if (err instanceof BodyTooLargeError) return void fail(ctx, 413, 'BODY_TOO_LARGE', err.message);
    throw err;
  }
  try {
    const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  return void fail(ctx, 400, 'INVALID_JSON', 'the body must be a JSON object');
}

/** The body's payer `outcome` (default `success`), or `undefined` once 400 INVALID_OUTCOME is answered. */
export function payerOutcome(
  ctx: Context,
  body: Record<string, unknown>,
): PayerOutcome | undefined {
  const outcome = body.outcome ?? 'success';
  if (isPayerOutcome(outcome)) return outcome;
  return void fail(
    ctx,
    400,
    'INVALID_OUTCOME',
    `outcome must be one of ${PAYER_OUTCOMES.join(', ')}`,
  );
}
