import { Schema } from 'mongoose';

/** A catalogue entry; `_id` is the stable product id the API uses. Prices in integer fen. */
export interface ProductDoc {
  _id: string;
  name: string;
  description: string;
  priceFen: number;
  imageUrl?: string;
  sortOrder: number;
  active: boolean;
}

export const productSchema = new Schema<ProductDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, required: true },
    priceFen: {
      type: Number,
      required: true,
      min: 1,
      validate: { validator: Number.isSafeInteger, message: 'priceFen must be an integer' },
    },
    imageUrl: { type: String },
    sortOrder: { type: Number, required: true, default: 0 },
    active: { type: Boolean, required: true, default: true },
  },
  { collection: 'products', versionKey: false, id: false },
);
