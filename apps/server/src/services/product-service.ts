import type { Product } from '@fen/contracts';
import type { ProductDoc } from '../stores/product-model.js';
import type { ProductStore } from '../stores/product-store.js';
import { SEED_PRODUCTS } from './catalogue.js';

export function toApiProduct(doc: ProductDoc): Product {
  return {
    id: doc._id,
    name: doc.name,
    description: doc.description,
    priceFen: doc.priceFen,
    ...(doc.imageUrl ? { imageUrl: doc.imageUrl } : {}),
  };
}

export function createProductService(products: ProductStore) {
  return {
    /** Idempotent: safe on every start and from several processes at once. */
    seed: () => products.seed(SEED_PRODUCTS),
    async list(): Promise<Product[]> {
      return (await products.listActive()).map(toApiProduct);
    },
  };
}

export type ProductService = ReturnType<typeof createProductService>;
