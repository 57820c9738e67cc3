import type { Product } from '@fen/contracts';
import { formatFen, multiplyFen } from '../utils/format';

/** A product as the list and checkout show it. */
export interface ProductCard {
  id: string;
  name: string;
  description: string;
  priceFen: number;
  priceText: string;
  imageUrl: string;
}

export function productCard(product: Product): ProductCard {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    priceFen: product.priceFen,
    priceText: formatFen(product.priceFen),
    imageUrl: product.imageUrl ?? '',
  };
}

/** The most of one product a checkout takes. */
export const MAX_QUANTITY = 99;

/** A quantity kept within 1…MAX_QUANTITY. */
export function clampQuantity(quantity: number): number {
  if (!Number.isFinite(quantity)) return 1;
  return Math.min(MAX_QUANTITY, Math.max(1, Math.trunc(quantity)));
}

/** The checkout total as text, from integer fen. */
export function totalText(priceFen: number, quantity: number): string {
  return formatFen(multiplyFen(priceFen, quantity));
}
