import { Schema } from 'mongoose';

/** A named lease held by one process until `expiresAt` (MongoDB fallback when Redis is absent). */
export interface LeaseDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export const leaseSchema = new Schema<LeaseDoc>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'leases', versionKey: false, id: false },
);
