import Router from '@koa/router';
import type { Context } from 'koa';
import type { SandboxCore } from '../core.js';
import { parseFaults } from '../faults.js';
import { payAsPayer } from '../pay/payer.js';
import { quotaLimitProblems } from '../state/api-quota.js';
import { PREPAY_TTL_MS } from '../state/orders.js';
import type { Order } from '../state/orders.js';
import { fail, jsonBody, payerOutcome } from './control-json.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** An order as the control API and the page show it (wire names, like WeChat's). */
export function orderView(order: Order) {
  return {
    mch_id: order.mchId,
    appid: order.appId,
    out_trade_no: order.outTradeNo,
    prepay_id: order.prepayId,
    prepay_expires_at: iso(order.prepayIssuedAt + PREPAY_TTL_MS),
    trade_type: order.tradeType,
    trade_state: order.state,
    total_fee: order.totalFee,
    body: order.body,
    attach: order.fields.attach,
    spbill_create_ip: order.fields.spbill_create_ip,
    product_id: order.fields.product_id,
    scene_info: order.fields.scene_info,
    openid: order.fields.openid ?? order.payerOpenId,
    notify_url: order.notifyUrl,
    sign_type: order.signType,
    code_url: order.codeUrl,
    mweb_url: order.mwebUrl,
    created_at: iso(order.createdAt),
    time_expire: iso(order.timeExpire),
    closed_at: iso(order.closedAt),
    closed_by: order.closedBy,
    transaction_id: order.transactionId,
    bank_type: order.bankType,
    paid_at: iso(order.paidAt),
    pay_attempts: order.payAttempts.map((a) => ({ at: iso(a.at), outcome: a.outcome })),
    refunds: order.refunds.map((r) => ({
      out_refund_no: r.outRefundNo,
      refund_id: r.refundId,
      refund_fee: r.refundFee,
      refund_status: r.status,
      created_at: iso(r.createdAt),
      success_at: iso(r.successAt),
    })),
  };
}

/** The JSON control API under `/__sandbox` (documented in docs/sandbox.md §8). */
export function controlRouter(core: SandboxCore): Router {
  const router = new Router({ prefix: '/__sandbox' });

  router.get('/health', (ctx) => {
    ctx.body = { ok: true };
  });

  router.get('/apps', (ctx) => {
    // appids and mch_ids only: secrets and keys never leave through the control API.
    ctx.body = {
      apps: core.options.apps.map((a) => a.appId),
      merchants: core.options.merchants.map((m) => ({ mch_id: m.mchId, appids: m.appIds })),
    };
  });

  const issueCode = (kind: 'login' | 'oauth') => async (ctx: Context) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    const { appid, user, scope } = body;
    if (typeof appid !== 'string' || !core.identities.app(appid)) {
      return fail(ctx, 400, 'UNKNOWN_APPID', `appid must be one of the sandbox's apps`);
    }
    if (typeof user !== 'string' || user.length === 0 || user.length > 64) {
      return fail(ctx, 400, 'INVALID_USER', 'user must be a name of 1–64 characters');
    }
    if (kind === 'login') {
      ctx.body = core.identities.issueLoginCode(appid, user);
      return;
    }
    if (scope !== undefined && scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') {
      return fail(ctx, 400, 'INVALID_SCOPE', 'scope must be snsapi_base or snsapi_userinfo');
    }
    ctx.body = core.identities.issueOAuthCode(
      appid,
      user,
      (scope as string | undefined) ?? 'snsapi_base',
    );
  };
  router.post('/login-code', issueCode('login'));
  router.post('/oauth-code', issueCode('oauth'));

  router.get('/orders', (ctx) => {
    const limit = Math.min(Math.max(Number(ctx.query.limit ?? 100) || 100, 1), 1000);
    const outTradeNo =
      typeof ctx.query.out_trade_no === 'string' ? ctx.query.out_trade_no : undefined;
    let orders = core.orders.all();
    if (outTradeNo) orders = orders.filter((o) => o.outTradeNo === outTradeNo);
    const pending = orders.filter((o) => o.state === 'NOTPAY');
    const recent = orders.filter((o) => o.state !== 'NOTPAY').slice(0, limit);
    ctx.body = {
      now: core.clock.now().toISOString(),
      orders: [...pending, ...recent].map(orderView),
    };
  });

  router.post('/pay', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    let prepayId = body.prepay_id;
    if (typeof body.code_url === 'string') {
      const token = /[?&]pr=([^&]+)/.exec(body.code_url)?.[1];
      prepayId = token ? core.orders.byCodeUrlToken(token)?.prepayId : undefined;
    }
    if (typeof prepayId !== 'string' || prepayId === '') {
      return fail(ctx, 400, 'INVALID_PREPAY_ID', 'prepay_id (or a known code_url) is required');
    }
    const outcome = payerOutcome(ctx, body);
    if (!outcome) return;
    const bankType = body.bank_type === undefined ? undefined : String(body.bank_type);
    const result = payAsPayer(core, prepayId, outcome, bankType);
    if ('code' in result) return fail(ctx, result.status, result.code, result.message);
    ctx.body = result;
  });

  router.get('/notifications', (ctx) => {
    const outTradeNo =
      typeof ctx.query.out_trade_no === 'string' ? ctx.query.out_trade_no : undefined;
    const kind = typeof ctx.query.kind === 'string' ? ctx.query.kind : undefined;
    ctx.body = {
      notifications: core.notifier.list({
        ...(outTradeNo ? { outTradeNo } : {}),
        ...(kind ? { kind } : {}),
      }),
    };
  });

  router.get('/faults', (ctx) => {
    ctx.body = { faults: core.faults.current };
  });
  router.put('/faults', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    const parsed = parseFaults(body);
    if ('problems' in parsed) return fail(ctx, 400, 'INVALID_FAULTS', parsed.problems.join('; '));
    core.faults.set(parsed.faults);
    core.logger({ level: 'info', msg: 'faults set', faults: parsed.faults });
    ctx.body = { faults: core.faults.current };
  });
  router.delete('/faults', (ctx) => {
    core.faults.clear();
    ctx.body = { faults: {} };
  });

  // The daily token quota (45009 beyond it): read it, set low limits for a test, reset it.
  router.get('/token-quota', (ctx) => {
    ctx.body = core.identities.quota.view();
  });
  router.put('/token-quota', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    const problems = quotaLimitProblems(body);
    if (problems.length > 0) return fail(ctx, 400, 'INVALID_QUOTA', problems.join('; '));
    core.identities.quota.setLimits(body);
    core.logger({ level: 'info', msg: 'token quota set', limits: body });
    ctx.body = core.identities.quota.view();
  });
  router.delete('/token-quota', (ctx) => {
    core.identities.quota.reset();
    ctx.body = core.identities.quota.view();
  });

  const clockView = () => ({
    now: core.clock.now().toISOString(),
    offsetSeconds: core.clock.offsetMs / 1000,
  });
  router.get('/clock', (ctx) => {
    ctx.body = clockView();
  });
  router.post('/clock', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    const seconds = body.advanceSeconds;
    if (
      typeof seconds !== 'number' ||
      !Number.isFinite(seconds) ||
      seconds <= 0 ||
      seconds > 400 * 86400
    ) {
      return fail(
        ctx,
        400,
        'INVALID_ADVANCE',
        'advanceSeconds must be a positive number of seconds (at most 400 days)',
      );
    }
    core.clock.advance(seconds);
    core.logger({ level: 'info', msg: 'clock advanced', seconds });
    ctx.body = clockView();
  });

  return router;
}
