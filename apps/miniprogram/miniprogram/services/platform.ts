import type { Fen, MiniProgramPayParams } from '@fen/contracts';
import type { AppConfig } from '../config';
import { describeError } from '../utils/errors';
import { formatFen } from '../utils/format';
import { httpRequest, isOk } from './http';

/**
 * The one place sandbox mode and WeChat differ. In `wechat` mode these are `wx.login` and
 * `wx.requestPayment`; in `sandbox` mode, stand-ins with the same callback shapes (DevTools
 * cannot pay the local sandbox), so both go through the same code below.
 */
export interface Platform {
  readonly mode: AppConfig['mode'];
  /** A one-time login code for POST /api/session. */
  loginCode(): Promise<string>;
  /** Opens the cashier with the server's payParams, passed on unchanged; `totalFen` is only
   *  shown by the sandbox cashier (WeChat's shows what the prepay says). */
  requestPayment(payParams: MiniProgramPayParams, totalFen: Fen): Promise<PaymentResult>;
  /** Opens WeChat's confirm-receipt component (`weappOrderConfirm`) for a shipped order. */
  confirmReceipt(order: ReceiptOrderRef): Promise<ReceiptResult>;
}

/** What the cashier reported: only a hint; the server confirms payment. */
export type PaymentResult =
  { outcome: 'success' } | { outcome: 'cancel' } | { outcome: 'fail'; reason: string };

/** The order WeChat's confirm-receipt component opens, in WeChat's field names (its docs also
 *  accept merchant_id + merchant_trade_no; the shopper's order carries the transaction id). */
export interface ReceiptOrderRef {
  transaction_id: string;
}

/**
 * What the confirm-receipt component reported: only a hint, the server's order says what
 * happened. `unknown`: it closed without saying (the page's onShow then reads the App's
 * referrerInfo); `unsupported`: this WeChat's base library has no `wx.openBusinessView`.
 */
export type ReceiptResult =
  | { outcome: 'success' }
  | { outcome: 'cancel' }
  | { outcome: 'fail'; reason: string }
  | { outcome: 'unknown' }
  | { outcome: 'unsupported' };

/** The component's `extraData` (`{status: success|fail|cancel, errormsg?}`) as a result. */
export function receiptResultOf(extraData: unknown): ReceiptResult {
  const data = (extraData ?? {}) as { status?: unknown; errormsg?: unknown };
  if (data.status === 'success') return { outcome: 'success' };
  if (data.status === 'cancel') return { outcome: 'cancel' };
  if (data.status === 'fail') {
    const reason = typeof data.errormsg === 'string' && data.errormsg ? data.errormsg : '';
    return { outcome: 'fail', reason: reason || '确认收货失败' };
  }
  return { outcome: 'unknown' };
}

interface Callbacks<T> {
  success(result: T): void;
  fail(error: { errMsg: string }): void;
}
type LoginApi = (options: Callbacks<{ code: string }>) => void;
type PayApi = (
  options: MiniProgramPayParams & Callbacks<{ errMsg: string }>,
  totalFen: Fen,
) => void;

type ReceiptApi = (order: ReceiptOrderRef) => Promise<ReceiptResult>;

/** `wx.openBusinessView`, which miniprogram-api-typings does not declare. */
type OpenBusinessView = (
  options: {
    businessType: string;
    extraData: ReceiptOrderRef;
  } & Callbacks<{ errMsg: string; extraData?: unknown }>,
) => void;

/** The sandbox cashier's choices, in the order its action sheet lists them. */
export const SANDBOX_CASHIER_OUTCOMES = ['success', 'cancel', 'insufficient_funds'] as const;

/** Builds the platform for `config.mode`. */
export function createPlatform(config: AppConfig): Platform {
  const sandbox = config.mode === 'sandbox';
  const login: LoginApi = sandbox ? sandboxLogin(config) : (options) => wx.login(options);
  const pay: PayApi = sandbox ? sandboxCashier(config) : (options) => wx.requestPayment(options);
  const confirmReceipt: ReceiptApi = sandbox ? sandboxReceipt(config) : wechatReceipt;
  return {
    mode: config.mode,
    loginCode: () =>
      new Promise((resolve, reject) =>
        login({
          success: ({ code }) => resolve(code),
          fail: ({ errMsg }) => reject(new Error(errMsg)),
        }),
      ),
    requestPayment: (payParams, totalFen) =>
      new Promise((resolve) =>
        pay(
          {
            ...payParams,
            success: () => resolve({ outcome: 'success' }),
            fail: ({ errMsg }) => resolve(paymentFailure(errMsg)),
          },
          totalFen,
        ),
      ),
    confirmReceipt,
  };
}

/**
 * WeChat's confirm-receipt component (base library 2.6.0+; older ones have no openBusinessView).
 * Its answer comes in `success`'s extraData — even for fail and cancel — when it comes there at
 * all; WeChat documents it on the App's onShow referrerInfo (see receipt-return.ts).
 */
const wechatReceipt: ReceiptApi = (order) =>
  new Promise((resolve) => {
    const open = wx.canIUse('openBusinessView')
      ? (wx as unknown as { openBusinessView?: OpenBusinessView }).openBusinessView
      : undefined;
    if (typeof open !== 'function') return resolve({ outcome: 'unsupported' });
    open({
      businessType: 'weappOrderConfirm',
      extraData: { transaction_id: order.transaction_id },
      success: (res) => resolve(receiptResultOf(res.extraData)),
      fail: ({ errMsg }) =>
        resolve({
          outcome: 'fail',
          reason: errMsg.replace(/^openBusinessView:fail\s*/, '').trim() || '确认收货失败',
        }),
    });
  });

/** The confirm component's stand-in: an action sheet where the developer plays the shopper,
 *  then the sandbox's control API confirms for the configured test user. */
function sandboxReceipt(config: AppConfig): ReceiptApi {
  return (order) =>
    new Promise((resolve) => {
      wx.showActionSheet({
        itemList: ['确认收货（沙箱）', '取消'],
        fail: () => resolve({ outcome: 'cancel' }),
        success: ({ tapIndex }) => {
          if (tapIndex !== 0) return resolve({ outcome: 'cancel' });
          const { appId, user } = config.sandbox;
          sandboxCall(config, '/__sandbox/shipping/confirm', { appid: appId, user, ...order }).then(
            (data) => resolve(receiptResultOf(data)),
            (error: unknown) => resolve({ outcome: 'fail', reason: describeError(error) }),
          );
        },
      });
    });
}

/** `requestPayment:fail cancel` is the payer closing the cashier; anything else is a failure. */
export function paymentFailure(errMsg: string): PaymentResult {
  if (/\bcancel\b/i.test(errMsg)) return { outcome: 'cancel' };
  const reason = errMsg.replace(/^requestPayment:fail\s*/, '').trim();
  return { outcome: 'fail', reason: reason || 'the payment did not go through' };
}

/** POSTs JSON to the sandbox's control API; resolves its answer or rejects with its message. */
async function sandboxCall(config: AppConfig, path: string, body: unknown): Promise<unknown> {
  const res = await httpRequest({
    method: 'POST',
    url: `${config.sandbox.url}${path}`,
    body,
    timeoutMs: config.requestTimeoutMs,
  });
  const data = res.data as { error?: { message?: string } } | null;
  if (!isOk(res.status)) throw new Error(data?.error?.message ?? `sandbox answered ${res.status}`);
  return data;
}

/** wx.login's stand-in: the sandbox issues the code, for the configured test user. */
function sandboxLogin(config: AppConfig): LoginApi {
  return ({ success, fail }) => {
    const { appId, user } = config.sandbox;
    sandboxCall(config, '/__sandbox/login-code', { appid: appId, user }).then(
      (data) => {
        const code = (data as { code?: unknown }).code;
        if (typeof code === 'string') success({ code });
        else fail({ errMsg: 'login:fail the sandbox sent no code' });
      },
      (error: unknown) => fail({ errMsg: `login:fail ${describeError(error)}` }),
    );
  };
}

/** wx.requestPayment's stand-in: an action sheet where the developer plays the payer, then
 *  the sandbox's control API settles the prepay_id the server's payParams carry. */
function sandboxCashier(config: AppConfig): PayApi {
  return (options, totalFen) => {
    const prepayId = options.package.replace(/^prepay_id=/, '');
    wx.showActionSheet({
      itemList: [`Pay ${formatFen(totalFen)} (sandbox)`, 'Cancel payment', 'Insufficient funds'],
      // Dismissing the sheet is closing the cashier.
      fail: () => options.fail({ errMsg: 'requestPayment:fail cancel' }),
      success: ({ tapIndex }) => {
        const outcome = SANDBOX_CASHIER_OUTCOMES[tapIndex] ?? 'cancel';
        sandboxCall(config, '/__sandbox/pay', { prepay_id: prepayId, outcome }).then(
          (data) => {
            if (outcome === 'cancel') options.fail({ errMsg: 'requestPayment:fail cancel' });
            else if ((data as { trade_state?: string }).trade_state === 'SUCCESS') {
              options.success({ errMsg: 'requestPayment:ok' });
            } else options.fail({ errMsg: 'requestPayment:fail insufficient funds (sandbox)' });
          },
          (error: unknown) =>
            options.fail({ errMsg: `requestPayment:fail ${describeError(error)}` }),
        );
      },
    });
  };
}
