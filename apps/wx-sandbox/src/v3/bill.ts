import { createHash, randomBytes } from 'node:crypto';
import type { SandboxCore } from '../core.js';
import { downloadBill } from '../pay/bill.js';
import type { V3Request } from './pipeline.js';
import { ok, paramError, v3Error } from './reply.js';
import type { V3Outcome } from './reply.js';
import { v3State } from './state.js';

/** How long a download_url works (sandbox time); WeChat's last 30 s, this is kinder to debuggers. */
const DOWNLOAD_URL_TTL_MS = 5 * 60_000;

/**
 * `GET /v3/bill/tradebill?bill_date=YYYY-MM-DD&bill_type=&tar_type=` [docs/protocol.md §6]: same
 * bill text as APIv2's downloadbill (every appid of the merchant), kept behind a one-merchant
 * `download_url` with its SHA1. No bill yet → 400 NO_STATEMENT_EXIST / STATEMENT_CREATING.
 */
export function tradeBill(request: V3Request, core: SandboxCore): V3Outcome {
  const { bill_date: billDate, bill_type: billType, tar_type: tarType } = request.query;
  if (!billDate) return paramError('bill_date', '为必填参数', 'query');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(billDate))
    return paramError('bill_date', '格式应为YYYY-MM-DD', 'query');
  if (billType !== undefined && !['ALL', 'SUCCESS', 'REFUND'].includes(billType))
    return paramError('bill_type', '仅支持ALL、SUCCESS、REFUND', 'query');
  if (tarType !== undefined && tarType !== 'GZIP')
    return paramError('tar_type', '仅支持GZIP', 'query');
  const merchant = request.caller.merchant;
  const outcome = downloadBill(
    {
      merchant,
      appId: '', // every appid of the merchant: APIv3 bills are per mchid
      signType: 'MD5',
      params: {
        bill_date: billDate.replace(/-/g, ''),
        ...(billType ? { bill_type: billType } : {}),
        ...(tarType ? { tar_type: tarType } : {}),
      },
    },
    core,
  );
  if (outcome.kind !== 'raw') {
    const message = outcome.kind === 'xml' ? outcome.fields.return_msg : '';
    if (message === 'No Bill Exist') return v3Error(400, 'NO_STATEMENT_EXIST', '账单文件不存在');
    if (message === 'Bill Creating') return v3Error(400, 'STATEMENT_CREATING', '账单生成中');
    return paramError('bill_date', `无效：${message ?? ''}`, 'query');
  }
  const body = Buffer.isBuffer(outcome.body) ? outcome.body : Buffer.from(outcome.body, 'utf8');
  const token = randomBytes(24).toString('base64url');
  v3State(core).bills.set(token, {
    mchId: merchant.mchId,
    body,
    contentType: outcome.contentType,
    expiresAt: core.clock.nowMs() + DOWNLOAD_URL_TTL_MS,
  });
  return ok({
    hash_type: 'SHA1',
    hash_value: createHash('sha1').update(body).digest('hex'),
    download_url: `${request.origin}/v3/billdownload/file?token=${token}`,
  });
}

/** `GET /v3/billdownload/file?token=`: the file, for the merchant that asked for it (signed request). */
export function billFile(request: V3Request, core: SandboxCore): V3Outcome {
  const bills = v3State(core).bills;
  const file = bills.get(request.query.token ?? '');
  if (
    !file ||
    file.mchId !== request.caller.merchant.mchId ||
    core.clock.nowMs() >= file.expiresAt
  ) {
    return v3Error(404, 'RESOURCE_NOT_EXISTS', '下载链接不存在或已过期');
  }
  return { kind: 'raw', body: file.body, contentType: file.contentType };
}
