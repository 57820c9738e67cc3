import type { PaymentFlow } from '../../services/payment-flow';
import { payableOrder } from '../../services/payment-state';
import type { PaymentState } from '../../services/payment-state';
import { runtime } from '../../services/runtime';
import { definePage } from '../../utils/define-page';
import { describeError } from '../../utils/errors';
import { newIdempotencyKey } from '../../utils/ids';
import type { LoadStatus } from '../../views/load-status';
import { paymentView } from '../../views/payment-view';
import { MAX_QUANTITY, clampQuantity, productCard, totalText } from '../../views/product-view';
import type { ProductCard } from '../../views/product-view';

interface CheckoutInstance {
  /** The purchase in progress; made at the first tap on Pay. */
  flow?: PaymentFlow;
  /** One Idempotency-Key per quantity tried, so a repeated Pay gets the same order. */
  intent?: { quantity: number; key: string };
}

/** One product: choose a quantity, see the total, pay. */
definePage<CheckoutInstance>()({
  data: {
    status: 'loading' as LoadStatus,
    error: '',
    productId: '',
    product: null as ProductCard | null,
    quantity: 1,
    maxQuantity: MAX_QUANTITY,
    totalText: '',
    payment: paymentView({ phase: 'idle' }),
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ productId: query.id ?? '' });
      return this.load();
    },
    onUnload() {
      this.flow?.dispose();
    },
    async load() {
      this.setData({ status: 'loading', error: '' });
      try {
        const found = (await runtime().api.listProducts()).find(
          (p) => p.id === this.data.productId,
        );
        if (!found) {
          this.setData({ status: 'empty', product: null });
          return;
        }
        const product = productCard(found);
        this.setData({
          status: 'ready',
          product,
          totalText: totalText(product.priceFen, this.data.quantity),
        });
      } catch (error) {
        this.setData({ status: 'error', error: describeError(error) });
      }
    },
    decrease() {
      this.setQuantity(this.data.quantity - 1);
    },
    increase() {
      this.setQuantity(this.data.quantity + 1);
    },
    setQuantity(wanted: number) {
      const { product, payment } = this.data;
      // Once an order exists its amount is fixed; it is paid (or cancelled) as it is.
      if (!product || payment.busy || payment.hasOrder) return;
      const quantity = clampQuantity(wanted);
      this.setData({ quantity, totalText: totalText(product.priceFen, quantity) });
    },
    /** Pay, Pay again, Check again or View order: whatever the panel offers. */
    act() {
      const { action } = this.data.payment;
      if (action === 'view-order') return this.viewOrder();
      if (action === 'recheck') return this.flow?.recheck();
      if (action === 'pay' || action === 'pay-again') return this.pay();
      return undefined;
    },
    pay(): Promise<PaymentState> | undefined {
      const { product, quantity } = this.data;
      if (!product) return undefined;
      if (!this.flow) {
        this.flow = runtime().createPaymentFlow((state) =>
          this.setData({ payment: paymentView(state) }),
        );
      }
      const again = payableOrder(this.flow.state);
      if (again) return this.flow.pay(again);
      if (this.intent?.quantity !== quantity) {
        this.intent = { quantity, key: newIdempotencyKey() };
      }
      return this.flow.buy([{ productId: product.id, quantity }], this.intent.key);
    },
    viewOrder() {
      const { orderId } = this.data.payment;
      if (orderId)
        wx.redirectTo({ url: `/pages/order-detail/index?id=${encodeURIComponent(orderId)}` });
    },
  },
});
