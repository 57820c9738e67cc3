import type { Models } from './database.js';
import type { ProductDoc } from './product-model.js';

export function createProductStore(Product: Models['Product']) {
  return {
    /** Inserts the products that do not exist yet; existing ones are left as they are. */
    async seed(products: ProductDoc[]): Promise<void> {
      for (const product of products) {
        await Product.updateOne(
          { _id: product._id },
          { $setOnInsert: product },
          { upsert: true },
        ).catch((err: unknown) => {
          // Two processes seeding at once: the other one inserted it, which is all we wanted.
          if ((err as { code?: unknown }).code !== 11000) throw err;
        });
      }
    },

    listActive(): Promise<ProductDoc[]> {
      return Product.find({ active: true }).sort({ sortOrder: 1, _id: 1 }).lean<ProductDoc[]>();
    },

    findActiveByIds(ids: string[]): Promise<ProductDoc[]> {
      return Product.find({ _id: { $in: ids }, active: true }).lean<ProductDoc[]>();
    },
  };
}

export type ProductStore = ReturnType<typeof createProductStore>;
