import { receiptResultOf } from './platform';
import type { ReceiptResult } from './platform';

/** The appid WeChat's confirm-receipt component returns from (`referrerInfo.appId`). */
export const RECEIPT_COMPONENT_APPID = 'wx1183b055aeec94d1';

let returned: ReceiptResult | undefined;

/**
 * The App's onShow: when the shopper comes back from WeChat's confirm-receipt component, keep
 * what it said (`referrerInfo.extraData.status`) for the page that opened it. App.onShow runs
 * before the page's.
 */
export function noteAppShow(options: { referrerInfo?: { appId?: string; extraData?: unknown } }) {
  const referrer = options.referrerInfo;
  if (referrer?.appId === RECEIPT_COMPONENT_APPID) returned = receiptResultOf(referrer.extraData);
}

/** What the component said on the last return, once; undefined when nothing came back. */
export function takeReceiptReturn(): ReceiptResult | undefined {
  const result = returned;
  returned = undefined;
  return result;
}
