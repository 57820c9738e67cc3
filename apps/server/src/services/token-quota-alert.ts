import type { Alert } from './alert-webhook.js';
import { beijingTime } from './anomaly-alerts.js';
import type { TokenQuotaKind } from '@fen/contracts';

const KIND_LABELS: Record<TokenQuotaKind, string> = {
  access_token: '接口调用凭证 access_token',
  jsapi_ticket: 'JS-SDK 票据 jsapi_ticket',
};

/**
 * The alert pushed when WeChat answers 45009 to a token fetch: zh-CN text an operator can act on
 * (what stopped, what still works, how to resume), the same facts as fields. No token, no secret.
 */
export function tokenQuotaAlert(appId: string, kind: TokenQuotaKind, at: Date): Alert {
  const text = [
    `【Fen 接口配额】${KIND_LABELS[kind]} 今日调用次数已达上限（45009）`,
    `AppID：${appId}`,
    `发现时间：${beijingTime(at)}（北京时间）`,
    '影响：今日不再向微信获取新的凭证，缓存中的凭证在有效期内继续使用；北京时间 0 点后自动恢复。',
    `立即恢复：POST /admin/token-quota/${appId}/reset（调用微信 clear_quota，每月 10 次）`,
  ].join('\n');
  return {
    text,
    fields: { event: 'token-quota-exhausted', appId, kind, at: at.toISOString() },
  };
}
