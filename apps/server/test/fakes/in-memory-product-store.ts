import type { ProductDoc } from '../../src/stores/product-model.js';
import type { ProductStore } from '../../src/stores/product-store.js';
import { copy } from './copy.js';

/** The catalogue in memory: seeding adds only new products; the active ones are listed in order. */
export function createInMemoryProductStore(): ProductStore {
  const products = new Map<string, ProductDoc>();
  const active = () => [...products.values()].filter((product) => product.active);

  return {
    async seed(seeded) {
      for (const product of seeded) {
        if (!products.has(product._id)) products.set(product._id, copy(product));
      }
    },

    async listActive() {
      return copy(
        active().sort(
          (a, b) => a.sortOrder - b.sortOrder || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0),
        ),
      );
    },

    async findActiveByIds(ids) {
      return copy(active().filter((product) => ids.includes(product._id)));
    },
  };
}
