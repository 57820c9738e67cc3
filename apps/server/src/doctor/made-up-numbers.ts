import { randomBytes } from 'node:crypto';

/**
 * An out_trade_no / out_refund_no no merchant system made (`fendoctor` + 20 hex): WeChat can only
 * answer that it does not exist, so asking about it — even asking to refund it — changes nothing.
 */
export const madeUpNumber = (): string => `fendoctor${randomBytes(10).toString('hex')}`;
