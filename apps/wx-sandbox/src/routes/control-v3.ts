import Router from '@koa/router';
import type { SandboxCore } from '../core.js';
import type { SigningMode } from '../v3/platform-keys.js';
import { v3State } from '../v3/state.js';
import { fail, jsonBody } from './control-json.js';

/** Seconds an old platform certificate stays served after a rotation, unless told: one day. */
export const DEFAULT_OVERLAP_SECONDS = 86_400;

/**
 * The APIv3 control routes (docs/sandbox.md §11): platform certificates and their rotation, the
 * signing mode, the platform public key. Only public material leaves here — never a private key
 * or an APIv3 key.
 */
export function controlV3Router(core: SandboxCore): Router {
  const router = new Router({ prefix: '/__sandbox/v3' });
  const keys = () => v3State(core).keys;
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  const view = () => ({
    mode: keys().mode,
    signing_serial: keys().signer().serial,
    certificates: keys()
      .served()
      .map((c) => ({
        serial_no: c.serial,
        effective_time: iso(c.validFrom),
        expire_time: iso(c.validTo),
        retires_at: iso(c.retiresAt),
        certificate: c.pem,
      })),
  });

  router.get('/platform-certificates', (ctx) => {
    ctx.body = view();
  });

  router.post('/rotate-platform-certificate', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    const overlap = body.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    if (
      typeof overlap !== 'number' ||
      !Number.isFinite(overlap) ||
      overlap < 0 ||
      overlap > 400 * 86_400
    ) {
      return fail(ctx, 400, 'INVALID_OVERLAP', 'overlapSeconds must be 0–34560000 seconds');
    }
    const previous = keys().certificateSigner().serial;
    const created = await keys().rotate(overlap);
    core.logger({
      level: 'info',
      msg: 'platform certificate rotated',
      serial_no: created.serial,
      previous,
    });
    ctx.body = { serial_no: created.serial, previous_serial_no: previous, ...view() };
  });

  router.get('/mode', (ctx) => {
    ctx.body = { mode: keys().mode, signing_serial: keys().signer().serial };
  });

  router.put('/mode', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    if (body.mode !== 'certificate' && body.mode !== 'public_key') {
      return fail(ctx, 400, 'INVALID_MODE', 'mode must be "certificate" or "public_key"');
    }
    keys().mode = body.mode as SigningMode;
    core.logger({ level: 'info', msg: 'v3 signing mode set', mode: body.mode });
    ctx.body = { mode: keys().mode, signing_serial: keys().signer().serial };
  });

  router.get('/public-key', (ctx) => {
    const { id, pem } = keys().publicKey;
    ctx.body = { public_key_id: id, public_key: pem };
  });

  return router;
}
