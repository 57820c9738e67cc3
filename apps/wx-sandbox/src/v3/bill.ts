import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { SandboxCore } from '../core.js';
import { billDay } from '../pay/bill-day.js';
import type { BillDay } from '../pay/bill-day.js';
import { TRADE_BILL_TYPES, tradeBillText } from '../pay/bill.js';
import type { TradeBillType } from '../pay/bill.js';
import { FUND_ACCOUNTS, fundFlowText } from '../pay/fund-flow.js';
import type { V3Request } from './pipeline.js';
import { ok, paramError, v3Error } from './reply.js';
import type { V3Outcome } from './reply.js';
import { v3State } from './state.js';

/** How long a download_url works (sandbox time): current pages say 5 minutes, older ones 30 s. */
const DOWNLOAD_URL_TTL_MS = 5 * 60_000;

/**
 * `GET /v3/bill/tradebill?bill_date=YYYY-MM-DD&bill_type=&tar_type=` [docs/merchant-ops.md, Bills]:
 * the same text as APIv2's downloadbill (every appid of the merchant), behind a `download_url`.
 * No bill → 400 NO_STATEMENT_EXIST; before the ready hour → 400 STATEMENT_CREATING.
 */
export function tradeBill(request: V3Request, core: SandboxCore): V3Outcome {
  const { bill_date: billDate, bill_type: billType = 'ALL', tar_type: tarType } = request.query;
  if (billType !== undefined && !TRADE_BILL_TYPES.includes(billType as TradeBillType))
    return paramError('bill_type', '仅支持ALL、SUCCESS、REFUND', 'query');
  return billLink(request, core, billDate, tarType, (day) =>
    tradeBillText(core, {
      mchId: request.caller.merchant.mchId,
      appId: '',
      day,
      billType: billType as TradeBillType,
    }),
  );
}

/**
 * `GET /v3/bill/fundflowbill?bill_date=YYYY-MM-DD&account_type=BASIC|OPERATION|FEES&tar_type=`:
 * the fund-flow bill (same text as APIv2's downloadfundflow), behind a `download_url`.
 */
export function fundFlowBill(request: V3Request, core: SandboxCore): V3Outcome {
  const {
    bill_date: billDate,
    account_type: accountType = 'BASIC',
    tar_type: tarType,
  } = request.query;
  const account = FUND_ACCOUNTS.find((a) => a.toUpperCase() === accountType);
  if (account === undefined)
    return paramError('account_type', '仅支持BASIC、OPERATION、FEES', 'query');
  return billLink(request, core, billDate, tarType, (day) =>
    fundFlowText(core, request.caller.merchant.mchId, day, account),
  );
}

/**
 * Checks the date and tar_type, makes the file and answers `{hash_type, hash_value,
 * download_url}`: the hash is the SHA1 of the uncompressed text, even for a GZIP file.
 */
function billLink(
  request: V3Request,
  core: SandboxCore,
  billDate: string | undefined,
  tarType: string | undefined,
  make: (day: BillDay & { kind: 'ready' }) => string | undefined,
): V3Outcome {
  if (!billDate) return paramError('bill_date', '为必填参数', 'query');
  if (tarType !== undefined && tarType !== 'GZIP')
    return paramError('tar_type', '仅支持GZIP', 'query');
  const day = /^\d{4}-\d{2}-\d{2}$/.test(billDate) ? billDay(core, billDate) : undefined;
  if (day === undefined || day.kind === 'invalid')
    return v3Error(400, 'INVALID_REQUEST', 'bill_date格式应为YYYY-MM-DD', {
      field: 'bill_date',
      location: 'query',
    });
  if (day.kind === 'creating') return v3Error(400, 'STATEMENT_CREATING', '账单生成中');
  const text = day.kind === 'ready' ? make(day) : undefined;
  if (text === undefined) return v3Error(400, 'NO_STATEMENT_EXIST', '请求的账单文件不存在');
  const gzip = tarType === 'GZIP';
  const plain = Buffer.from(text, 'utf8');
  const token = randomBytes(24).toString('base64url');
  v3State(core).bills.set(token, {
    mchId: request.caller.merchant.mchId,
    body: gzip ? gzipSync(plain) : plain,
    contentType: gzip ? 'application/x-gzip' : 'text/plain; charset=utf-8',
    expiresAt: core.clock.nowMs() + DOWNLOAD_URL_TTL_MS,
  });
  return ok({
    hash_type: 'SHA1',
    hash_value: createHash('sha1').update(plain).digest('hex'),
    download_url: `${request.origin}/v3/billdownload/file?token=${token}${gzip ? '&tartype=gzip' : ''}`,
  });
}

/**
 * `GET /v3/billdownload/file?token=` (signed request; the reply is not signed): the file, for the
 * merchant that asked for it. An expired link: 400 INVALID_REQUEST as WeChat words it.
 */
export function billFile(request: V3Request, core: SandboxCore): V3Outcome {
  const file = v3State(core).bills.get(request.query.token ?? '');
  if (!file || file.mchId !== request.caller.merchant.mchId)
    return v3Error(404, 'RESOURCE_NOT_EXISTS', '下载链接不存在');
  if (core.clock.nowMs() >= file.expiresAt)
    return v3Error(400, 'INVALID_REQUEST', '下载链接过期,请重新请求文件下载');
  return { kind: 'raw', body: file.body, contentType: file.contentType };
}
