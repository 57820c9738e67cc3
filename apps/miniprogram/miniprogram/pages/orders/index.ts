import { runtime } from '../../services/runtime';
import { definePage } from '../../utils/define-page';
import { describeError } from '../../utils/errors';
import type { LoadStatus } from '../../views/load-status';
import { orderSummary } from '../../views/order-view';
import type { OrderSummaryView } from '../../views/order-view';

/** The buyer's orders, newest first; reloaded whenever the tab shows. */
definePage()({
  data: {
    status: 'loading' as LoadStatus,
    error: '',
    orders: [] as OrderSummaryView[],
  },
  methods: {
    onShow() {
      return this.load();
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },
    async load() {
      // Keep the list on screen while refreshing it; the spinner is for the first load only.
      if (this.data.orders.length === 0) this.setData({ status: 'loading', error: '' });
      try {
        const orders = (await runtime().api.listOrders()).map(orderSummary);
        this.setData({ status: orders.length > 0 ? 'ready' : 'empty', error: '', orders });
      } catch (error) {
        this.setData({ status: 'error', error: describeError(error) });
      }
    },
    open(event: WechatMiniprogram.TouchEvent) {
      const id = String(event.currentTarget.dataset.id);
      wx.navigateTo({ url: `/pages/order-detail/index?id=${encodeURIComponent(id)}` });
    },
  },
});
