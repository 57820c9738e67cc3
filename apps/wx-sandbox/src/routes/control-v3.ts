import Router from '@koa/router';
import type { SandboxCore } from '../core.js';
import { RotationPendingError } from '../v3/platform-keys.js';
import type {
  PlatformCertificateEntry,
  RotationMode,
  RotationOptions,
  SigningMode,
} from '../v3/platform-keys.js';
import { v3State } from '../v3/state.js';
import { fail, jsonBody } from './control-json.js';

/** Seconds an old platform certificate stays served after the switch, unless told: one day. */
export const DEFAULT_OVERLAP_SECONDS = 86_400;

/**
 * Seconds from publishing a new platform certificate to signing with it, unless told: seven days.
 * WeChat publishes about ten days before the old one expires and switches in the last days.
 */
export const DEFAULT_SWITCH_AFTER_SECONDS = 7 * 86_400;

const MAX_SECONDS = 400 * 86_400;
const ROTATION_MODES: readonly RotationMode[] = ['publish-then-switch', 'immediate'];

/** A number of seconds from 0 to 400 days, else undefined. */
const seconds = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_SECONDS
    ? value
    : undefined;

/** The body of a rotation, or the 400 code and message that refuse it. */
function rotationOptions(
  body: Record<string, unknown>,
): RotationOptions | { code: string; message: string } {
  const mode = body.mode ?? 'publish-then-switch';
  if (!ROTATION_MODES.includes(mode as RotationMode)) {
    return {
      code: 'INVALID_ROTATION_MODE',
      message: 'mode must be "publish-then-switch" (default) or "immediate"',
    };
  }
  const overlapSeconds = seconds(body.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS);
  if (overlapSeconds === undefined) {
    return { code: 'INVALID_OVERLAP', message: 'overlapSeconds must be 0–34560000 seconds' };
  }
  if (mode === 'immediate' && body.switchAfterSeconds !== undefined) {
    return {
      code: 'INVALID_SWITCH_AFTER',
      message: 'switchAfterSeconds is for mode "publish-then-switch" only',
    };
  }
  const switchAfterSeconds = seconds(body.switchAfterSeconds ?? DEFAULT_SWITCH_AFTER_SECONDS);
  if (switchAfterSeconds === undefined) {
    return {
      code: 'INVALID_SWITCH_AFTER',
      message: 'switchAfterSeconds must be 0–34560000 seconds',
    };
  }
  return { mode: mode as RotationMode, switchAfterSeconds, overlapSeconds };
}

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
    pending_serial: keys().pending()?.serial,
    certificates: keys()
      .served()
      .map((c) => ({
        serial_no: c.serial,
        effective_time: iso(c.validFrom),
        expire_time: iso(c.validTo),
        signs_from: Number.isFinite(c.signsFrom) ? iso(c.signsFrom) : undefined,
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
    const options = rotationOptions(body);
    if ('code' in options) return fail(ctx, 400, options.code, options.message);
    const previous = keys().certificateSigner().serial;
    let created: PlatformCertificateEntry;
    try {
      created = await keys().rotate(options);
    } catch (err) {
      if (!(err instanceof RotationPendingError)) throw err;
      return fail(
        ctx,
        409,
        'ROTATION_PENDING',
        `${err.message}: switch first (POST /__sandbox/v3/switch-platform-certificate)`,
      );
    }
    core.logger({
      level: 'info',
      msg: 'platform certificate rotated',
      rotation: options.mode,
      serial_no: created.serial,
      previous,
      switch_at: iso(created.signsFrom),
    });
    ctx.body = {
      serial_no: created.serial,
      previous_serial_no: previous,
      switch_at: iso(created.signsFrom),
      ...view(),
    };
  });

  router.post('/switch-platform-certificate', (ctx) => {
    const previous = keys().certificateSigner().serial;
    const switched = keys().switchNow();
    if (!switched) {
      return fail(ctx, 409, 'NO_PENDING_ROTATION', 'no platform certificate waits for its switch');
    }
    core.logger({
      level: 'info',
      msg: 'platform certificate switched',
      serial_no: switched.serial,
      previous,
    });
    ctx.body = { serial_no: switched.serial, previous_serial_no: previous, ...view() };
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
