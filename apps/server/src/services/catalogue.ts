import type { ProductDoc } from '../stores/product-model.js';

/**
 * The demo catalogue, inserted on first start (existing products are never overwritten).
 * Prices are integer fen (docs/pitfalls.md #13).
 */
export const SEED_PRODUCTS: ProductDoc[] = [
  {
    _id: 'jasmine-tea',
    name: 'Jasmine tea',
    description: 'A pot of jasmine green tea',
    priceFen: 990,
    sortOrder: 1,
    active: true,
  },
  {
    _id: 'pour-over-coffee',
    name: 'Pour-over coffee',
    description: 'Single-origin, brewed to order',
    priceFen: 1800,
    sortOrder: 2,
    active: true,
  },
  {
    _id: 'mooncake-box',
    name: 'Mooncake gift box',
    description: 'Six lotus-seed mooncakes',
    priceFen: 12800,
    sortOrder: 3,
    active: true,
  },
  {
    _id: 'fen-sticker',
    name: 'Fen sticker',
    description: 'Costs one fen: the smallest real payment',
    priceFen: 1,
    sortOrder: 4,
    active: true,
  },
];
