import type { Order } from '@fen/contracts';
import type { ReceiptResult } from '../services/platform';

/** What the page says after the confirm-receipt component closed and the order was reloaded. */
export interface ReceiptFeedback {
  /** A toast, or none. */
  toast?: { title: string; icon: 'success' | 'none' };
  /** A lasting note on the page, or ''. */
  notice: string;
}

/** The modal when this WeChat cannot open the confirm-receipt component. */
export const RECEIPT_UNSUPPORTED_MODAL = {
  title: '无法确认收货',
  content: '当前微信版本过低，不支持确认收货。请升级到最新版微信后重试。',
  showCancel: false,
  confirmText: '知道了',
};

const received = (order: Order | undefined) =>
  order?.fulfilment?.state === 'CONFIRMED' || order?.fulfilment?.state === 'SETTLED';

/**
 * The component's answer, with the order as the server now tells it: a success the server does
 * not show yet is still a success to the shopper (WeChat tells the server shortly after).
 */
export function receiptFeedback(result: ReceiptResult, order: Order | undefined): ReceiptFeedback {
  switch (result.outcome) {
    case 'success':
      return { toast: { title: '确认收货成功', icon: 'success' }, notice: '' };
    case 'cancel':
      return { toast: { title: '已取消', icon: 'none' }, notice: '' };
    case 'fail':
      return {
        toast: { title: '确认收货失败', icon: 'none' },
        notice: `确认收货未完成：${result.reason}`,
      };
    default:
      // Closed without a word: the server's order says whether receipt was confirmed.
      return received(order)
        ? { toast: { title: '确认收货成功', icon: 'success' }, notice: '' }
        : { notice: '' };
  }
}
