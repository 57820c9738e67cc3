import { runtime } from '../../services/runtime';
import { definePage } from '../../utils/define-page';
import { describeError } from '../../utils/errors';
import type { LoadStatus } from '../../views/load-status';
import { productCard } from '../../views/product-view';
import type { ProductCard } from '../../views/product-view';

/** The catalogue; a tap opens the product's checkout. */
definePage()({
  data: {
    status: 'loading' as LoadStatus,
    error: '',
    products: [] as ProductCard[],
  },
  methods: {
    onLoad() {
      return this.load();
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },
    async load() {
      this.setData({ status: 'loading', error: '' });
      try {
        const products = (await runtime().api.listProducts()).map(productCard);
        this.setData({ status: products.length > 0 ? 'ready' : 'empty', products });
      } catch (error) {
        this.setData({ status: 'error', error: describeError(error) });
      }
    },
    open(event: WechatMiniprogram.TouchEvent) {
      const id = String(event.currentTarget.dataset.id);
      wx.navigateTo({ url: `/pages/checkout/index?id=${encodeURIComponent(id)}` });
    },
  },
});
