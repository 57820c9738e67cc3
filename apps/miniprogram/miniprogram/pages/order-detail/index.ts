import type { Order } from '@fen/contracts';
import type { PaymentFlow } from '../../services/payment-flow';
import { payableOrder } from '../../services/payment-state';
import type { PaymentState } from '../../services/payment-state';
import type { ReceiptResult } from '../../services/platform';
import type { ReceiptConfirmation } from '../../services/receipt-confirmation';
import { runtime } from '../../services/runtime';
import { copyText } from '../../utils/clipboard';
import { definePage } from '../../utils/define-page';
import { describeError, isClientError } from '../../utils/errors';
import type { LoadStatus } from '../../views/load-status';
import { orderDetail } from '../../views/order-view';
import type { OrderDetailView } from '../../views/order-view';
import { fulfilmentView } from '../../views/fulfilment-view';
import type { FulfilmentView } from '../../views/fulfilment-view';
import { paymentView } from '../../views/payment-view';
import { RECEIPT_UNSUPPORTED_MODAL, receiptFeedback } from '../../views/receipt-view';

interface OrderDetailInstance {
  /** The order as the server last sent it. */
  order?: Order;
  /** A payment started from this page (re-paying a PENDING order). */
  flow?: PaymentFlow;
  /** WeChat's confirm-receipt component, opened from this page. */
  receipt?: ReceiptConfirmation;
}

/** One order: status, amount, times, items and timeline; pay or cancel it while PENDING; its
 *  shipping once paid, and 确认收货 while shipped. */
definePage<OrderDetailInstance>()({
  data: {
    status: 'loading' as LoadStatus,
    error: '',
    orderId: '',
    order: null as OrderDetailView | null,
    fulfilment: null as FulfilmentView | null,
    payment: paymentView({ phase: 'idle' }),
    /** A cancel or status check in flight. */
    working: false,
    notice: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ orderId: query.id ?? '' });
      return this.load();
    },
    onShow() {
      // Back from the confirm-receipt component (it hid this page while open).
      this.receipt?.pageShown();
    },
    onUnload() {
      this.flow?.dispose();
    },
    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh());
    },
    async load() {
      this.setData({ status: 'loading', error: '' });
      try {
        this.show(await runtime().api.getOrder(this.data.orderId));
        this.setData({ status: 'ready' });
      } catch (error) {
        const gone = isClientError(error, 'NOT_FOUND');
        this.setData({ status: gone ? 'empty' : 'error', error: describeError(error) });
      }
    },
    /** Asks the server to check with WeChat (sync=1): repairs a missed notification. */
    async refresh() {
      if (this.data.working || this.data.payment.busy) return;
      this.setData({ working: true, notice: '' });
      try {
        this.show(await runtime().api.getOrder(this.data.orderId, { sync: true }));
      } catch (error) {
        this.setData({ notice: describeError(error) });
      } finally {
        this.setData({ working: false });
      }
    },
    pay(): Promise<PaymentState> | undefined {
      if (this.order?.status !== 'PENDING' || this.data.working) return undefined;
      if (!this.flow) {
        this.flow = runtime().createPaymentFlow((state) => {
          if ('order' in state && state.order) this.show(state.order);
          this.setData({ payment: paymentView(state), notice: '' });
        });
      }
      if (this.flow.state.phase === 'unconfirmed') return this.flow.recheck();
      return this.flow.pay(payableOrder(this.flow.state) ?? this.order);
    },
    async cancel() {
      if (!this.order || this.data.working || this.data.payment.busy) return;
      const { confirm } = await wx.showModal({
        title: 'Cancel this order?',
        content: 'It can no longer be paid once cancelled.',
        confirmText: 'Cancel order',
        cancelText: 'Keep it',
      });
      if (!confirm) return;
      this.setData({ working: true, notice: '' });
      try {
        this.show(await runtime().api.cancelOrder(this.order.id));
        this.setData({ payment: paymentView({ phase: 'idle' }) });
      } catch (error) {
        // Paid meanwhile, for instance: show what the order is now.
        this.setData({ notice: describeError(error) });
        await runtime()
          .api.getOrder(this.order.id, { sync: true })
          .then((order) => this.show(order))
          .catch(() => undefined);
      } finally {
        this.setData({ working: false });
      }
    },
    /** 确认收货: opens WeChat's component; receiptReturned follows once it closes. */
    confirmReceipt(): Promise<void> | undefined {
      if (!this.order || !this.data.fulfilment?.canConfirmReceipt || this.data.working) return;
      if (!this.receipt) {
        this.receipt = runtime().createReceiptConfirmation((result) => {
          void this.receiptReturned(result);
        });
      }
      return this.receipt.start(this.order);
    },
    /** Reloads the order (the server's word on the receipt), then says how it went. */
    async receiptReturned(result: ReceiptResult) {
      if (result.outcome === 'unsupported') {
        await wx.showModal(RECEIPT_UNSUPPORTED_MODAL);
        return;
      }
      this.setData({ working: true, notice: '' });
      let notice = '';
      try {
        this.show(await runtime().api.getOrder(this.data.orderId));
      } catch (error) {
        notice = describeError(error);
      } finally {
        this.setData({ working: false });
      }
      const feedback = receiptFeedback(result, this.order);
      this.setData({ notice: feedback.notice || notice });
      if (feedback.toast) wx.showToast(feedback.toast);
    },
    copyTrackingNo(
      event: WechatMiniprogram.BaseEvent<Record<string, never>, { trackingNo?: string }>,
    ) {
      const trackingNo = event.currentTarget.dataset.trackingNo;
      return trackingNo ? copyText(trackingNo) : undefined;
    },
    show(order: Order) {
      this.order = order;
      this.setData({ order: orderDetail(order), fulfilment: fulfilmentView(order) });
    },
  },
});
