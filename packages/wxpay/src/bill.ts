import { wxPayError } from './errors.js';
import { fromXml } from './xml.js';

/** A downloadbill reply as data: the detail rows keyed by WeChat's own column names. */
export interface ParsedBill {
  /** The header row, e.g. `交易时间`, `公众账号ID`, …, `费率备注`. */
  header: string[];
  /** One record per detail row, column name → value, the backtick prefix removed. */
  rows: Array<Record<string, string>>;
  /** The summary (`总交易单数`, `应结订单总金额`, …) → value. */
  summary: Record<string, string>;
}

/** First column of the summary header: trade bills, fund-flow bills. */
const SUMMARY_FIRST_COLUMNS = ['总交易单数', '资金流水总笔数'];

/**
 * A downloadbill reply as it arrives (after unzipping): the bill on success; on failure WeChat's
 * unsigned XML, which becomes a `protocol` error — `BILL_NOT_FOUND` for "No Bill Exist", else
 * `RETURN_FAIL` — carrying `return_msg` ("Bill Creating", "invalid bill_type", …).
 */
export function parseBillReply(reply: string | Uint8Array): ParsedBill {
  const text = typeof reply === 'string' ? reply : Buffer.from(reply).toString('utf8');
  if (!text.trimStart().startsWith('<xml')) return parseBill(text);
  const fields = fromXml(text);
  const returnMsg = fields.return_msg ?? '';
  const code = returnMsg === 'No Bill Exist' ? 'BILL_NOT_FOUND' : 'RETURN_FAIL';
  throw wxPayError('protocol', code, `downloadbill: ${returnMsg || 'return_code=FAIL'}`, {
    returnMsg,
    reply: fields,
  });
}

/**
 * A downloadfundflow reply as it arrives (after unzipping): the bill on success; on failure
 * WeChat's unsigned XML, a `protocol` error — `BILL_NOT_FOUND` for "No Bill Exist" /
 * `NO_BILL_EXIST`, else `RETURN_FAIL` — carrying `return_msg` and `err_code` (`BILL_CREATING`,
 * `PARAM_ERROR`, …) when WeChat gives one.
 */
export function parseFundFlowReply(reply: string | Uint8Array): ParsedBill {
  const text = typeof reply === 'string' ? reply : Buffer.from(reply).toString('utf8');
  if (!text.trimStart().startsWith('<xml')) return parseBill(text);
  const fields = fromXml(text);
  const returnMsg = fields.return_msg ?? '';
  const errCode = fields.err_code ?? fields.error_code ?? '';
  const notFound = returnMsg === 'No Bill Exist' || errCode === 'NO_BILL_EXIST';
  throw wxPayError(
    'protocol',
    notFound ? 'BILL_NOT_FOUND' : 'RETURN_FAIL',
    `downloadfundflow: ${[returnMsg, errCode].filter(Boolean).join(' ') || 'return_code=FAIL'}`,
    { returnMsg, ...(errCode ? { errCode } : {}), reply: fields },
  );
}

/**
 * Parses the table downloadbill and downloadfundflow return [D-bill] (docs/protocol.md §3.6,
 * docs/merchant-ops.md): a header row (after a
 * UTF-8 BOM), detail rows whose every value starts with a backtick, then the summary header and
 * row. Values keep their exact text (amounts stay yuan strings: {@link billYuanToFen} converts).
 * A value may contain a comma (a product name like `茶杯, 大号`): values are split on
 * "comma + backtick", the separator WeChat's prefix makes unambiguous.
 */
export function parseBill(text: string): ParsedBill {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  const summaryAt = lines.findIndex((line) =>
    SUMMARY_FIRST_COLUMNS.some((first) => line.startsWith(`${first},`)),
  );
  if (lines.length < 3 || summaryAt < 1 || summaryAt + 1 >= lines.length) {
    throw wxPayError('protocol', 'BILL_MALFORMED', 'downloadbill: the reply is not a bill table');
  }
  const header = lines[0]!.split(',');
  const rows = lines.slice(1, summaryAt).map((line, index) => {
    const values = splitBillRow(line, index + 2);
    if (values.length !== header.length) {
      throw wxPayError(
        'protocol',
        'BILL_MALFORMED',
        `downloadbill: line ${index + 2} has ${values.length} values for ${header.length} columns`,
      );
    }
    return Object.fromEntries(header.map((name, i) => [name, values[i]!]));
  });
  const summaryColumns = lines[summaryAt]!.split(',');
  const summaryValues = splitBillRow(lines[summaryAt + 1]!, summaryAt + 2);
  if (summaryValues.length !== summaryColumns.length) {
    throw wxPayError('protocol', 'BILL_MALFORMED', 'downloadbill: the summary row does not fit');
  }
  const summary = Object.fromEntries(summaryColumns.map((name, i) => [name, summaryValues[i]!]));
  return { header, rows, summary };
}

function splitBillRow(line: string, lineNo: number): string[] {
  if (!line.startsWith('`')) {
    throw wxPayError(
      'protocol',
      'BILL_MALFORMED',
      `downloadbill: line ${lineNo} is not a data row`,
    );
  }
  return line.slice(1).split(',`');
}

/**
 * A bill amount (yuan, e.g. `19.90`, `-0.12000`) as integer fen, exactly: parsed as text, never
 * through a float. Digits past the fen must be zeros (fees are printed with five decimals).
 */
export function billYuanToFen(yuan: string): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(yuan);
  const decimals = match?.[3] ?? '';
  if (!match || /[^0]/.test(decimals.slice(2))) {
    throw wxPayError(
      'protocol',
      'BILL_MALFORMED',
      `downloadbill: ${JSON.stringify(yuan)} is not a fen amount`,
    );
  }
  const fen = Number(match[2]) * 100 + Number(decimals.slice(0, 2).padEnd(2, '0'));
  return match[1] === '-' && fen !== 0 ? -fen : fen;
}
