/**
 * What a stored payment event's `fields` say happened, for people (the admin timeline): a refund
 * notification's refund status, a payment notification's result. Events keep WeChat's fields as
 * received (APIv2) or under the same names (APIv3, `v3-mapping.ts`), whenever they were stored.
 */
export function reportedOutcome(fields: Record<string, string>): string {
  return fields.refund_status ?? fields.result_code ?? fields.trade_state ?? '';
}
