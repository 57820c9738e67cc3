import type { PaymentState } from '../services/payment-state';
import { isBusy, payableOrder } from '../services/payment-state';

/** What the buyer can do next. */
export type PaymentAction = 'pay' | 'pay-again' | 'recheck' | 'view-order' | 'none';

/** The payment panel of the checkout and order pages. */
export interface PaymentView {
  phase: PaymentState['phase'];
  busy: boolean;
  /** An order exists for this purchase (the checkout's quantity is then fixed). */
  hasOrder: boolean;
  orderId: string;
  title: string;
  message: string;
  tone: 'none' | 'info' | 'success' | 'warning' | 'error';
  action: PaymentAction;
  actionText: string;
}

const ACTION_TEXT: Record<PaymentAction, string> = {
  pay: 'Pay',
  'pay-again': 'Pay again',
  recheck: 'Check again',
  'view-order': 'View order',
  none: '',
};

type Copy = Pick<PaymentView, 'title' | 'message' | 'tone' | 'action'>;

function copyFor(state: PaymentState): Copy {
  switch (state.phase) {
    case 'idle':
      return { title: '', message: '', tone: 'none', action: 'pay' };
    case 'preparing':
      return {
        title: state.order ? 'Preparing payment…' : 'Placing your order…',
        message: '',
        tone: 'info',
        action: 'none',
      };
    case 'paying':
      return { title: 'Waiting for the cashier…', message: '', tone: 'info', action: 'none' };
    case 'confirming':
      return {
        title: 'Confirming payment…',
        message: 'Checking with WeChat Pay that the money arrived.',
        tone: 'info',
        action: 'none',
      };
    case 'paid':
      return {
        title: 'Paid',
        message: 'Thank you! Your order is confirmed.',
        tone: 'success',
        action: 'view-order',
      };
    case 'unconfirmed':
      return {
        title: 'Still confirming',
        message:
          'WeChat Pay has not confirmed this payment yet. This usually takes a few seconds; if you paid, you will not be charged twice.',
        tone: 'warning',
        action: 'recheck',
      };
    case 'cancelled':
      return {
        title: 'Payment cancelled',
        message: 'Your order is kept: you can pay for it until it expires.',
        tone: 'warning',
        action: 'pay-again',
      };
    case 'failed':
      return {
        title: 'Payment failed',
        message: state.reason,
        tone: 'error',
        action: payableOrder(state) ? 'pay-again' : state.order ? 'none' : 'pay',
      };
    case 'closed':
      return {
        title: 'Order closed',
        message: 'This order can no longer be paid.',
        tone: 'error',
        action: 'none',
      };
  }
}

/** The panel for a payment state. */
export function paymentView(state: PaymentState): PaymentView {
  const copy = copyFor(state);
  const order = 'order' in state ? state.order : undefined;
  return {
    ...copy,
    phase: state.phase,
    busy: isBusy(state),
    hasOrder: order !== undefined,
    orderId: order?.id ?? '',
    actionText: ACTION_TEXT[copy.action],
  };
}
