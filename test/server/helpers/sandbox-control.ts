import type { Faults } from '@fen/wx-sandbox';
import type { Sandbox } from './stack.js';

/** The sandbox acting as payer and as WeChat's delivery system, for a test to drive. */
export function control(sandbox: Sandbox) {
  return {
    /** A wx.login() code for `user` (a stable name → a stable openid). */
    async loginCode(user: string): Promise<{ code: string; openid: string }> {
      return sandbox.loginCode(user);
    },
    /** The payer confirms (or cancels) the payment of a prepay_id. */
    async pay(prepayId: string, outcome: 'success' | 'cancel' | 'insufficient_funds' = 'success') {
      return sandbox.pay(prepayId, outcome);
    },
    async notifications(outTradeNo: string) {
      return sandbox.notifications(outTradeNo);
    },
    async setFaults(faults: Faults) {
      sandbox.setFaults(faults);
    },
    async clearFaults() {
      sandbox.clearFaults();
    },
    async advanceClock(seconds: number) {
      sandbox.advanceClock(seconds);
    },
  };
}

/** `prepay_id=wx…` → `wx…` */
export function prepayIdOf(payParams: { package: string }): string {
  return payParams.package.replace(/^prepay_id=/, '');
}
