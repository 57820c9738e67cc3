import type { Order } from '@fen/contracts';
import type { PaymentFlow } from '../../services/payment-flow';
import { payableOrder } from '../../services/payment-state';
import type { PaymentState } from '../../services/payment-state';
import { runtime } from '../../services/runtime';
import { definePage } from '../../utils/define-page';
import { describeError, isClientError } from '../../utils/errors';
import type { LoadStatus } from '../../views/load-status';
import { orderDetail } from '../../views/order-view';
import type { OrderDetailView } from '../../views/order-view';
import { paymentView } from '../../views/payment-view';

interface OrderDetailInstance {
  /** The order as the server last sent it. */
  order?: Order;
  /** A payment started from this page (re-paying a PENDING order). */
  flow?: PaymentFlow;
}

/** One order: status, amount, times, items and timeline; pay or cancel it while PENDING. */
definePage<OrderDetailInstance>()({
  data: {
    status: 'loading' as LoadStatus,
    error: '',
    orderId: '',
    order: null as OrderDetailView | null,
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
    show(order: Order) {
      this.order = order;
      this.setData({ order: orderDetail(order) });
    },
  },
});
