/** Which notifications a fault applies to; empty matches all. */
export interface NotificationMatch {
  /** One out_trade_no or several. */
  outTradeNo?: string | string[];
  outTradeNoPrefix?: string;
  /** Only payment or only refund notifications. */
  kind?: 'payment' | 'refund';
}

/** Fault injection, set with `PUT /__sandbox/faults` (which replaces the whole set). */
export interface Faults {
  /** Extra milliseconds before answering, per path prefix (`"/pay/"`, `"/sns/jscode2session"`, `"/"`). */
  latency?: Record<string, number>;
  /**
   * Answer `result_code=FAIL, err_code=SYSTEMERROR` (or `errCode`, e.g. NOTENOUGH on
   * `/secapi/pay/refund`) on these pay paths with probability `rate`; on the JSON APIs
   * (`/sns/…`, `/cgi-bin/…`) the answer is `{errcode: -1, errmsg: "system error"}`
   * (default 1). With `after: true` the request takes effect first (the order is created, the
   * refund accepted) and only the reply is lost — what a client's retry must cope with.
   */
  systemError?: { paths: string[]; rate?: number; after?: boolean; errCode?: string };
  /** Drop every delivery attempt of matching notifications (reconciliation must repair them). */
  dropNotifications?: boolean | NotificationMatch;
  /** Drop the first `count` attempts of each matching notification (then WeChat's schedule goes on). */
  dropFirstAttempts?: number | ({ count: number } & NotificationMatch);
  /** Send `count` extra copies with every attempt; `concurrent` (default true) sends them all at once. */
  duplicateNotifications?: number | ({ count: number; concurrent?: boolean } & NotificationMatch);
  /** Out-of-order delivery: each send waits a random 0…jitterMs (real ms) more. */
  notifyJitterMs?: number;
  /**
   * Bills that differ from the sandbox's own records (for reconciliation tests): rows named by
   * out_trade_no (the payment row) or out_refund_no (the refund row) in `omit` are left out of
   * trade and fund-flow bills; `amountFen` prints another amount (total_fee / refund_fee) in the
   * bill only. The summary rows add up what is printed.
   */
  billRows?: BillRowsFault;
}

export interface BillRowsFault {
  omit?: string[];
  amountFen?: Record<string, number>;
}

const FAULT_KEYS = new Set([
  'latency',
  'systemError',
  'dropNotifications',
  'dropFirstAttempts',
  'duplicateNotifications',
  'notifyJitterMs',
  'billRows',
]);
const MATCH_KEYS = ['outTradeNo', 'outTradeNoPrefix', 'kind'];

/** Checks a faults object from the control API; returns it typed, or every problem at once. */
export function parseFaults(input: unknown): { faults: Faults } | { problems: string[] } {
  const problems: string[] = [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { problems: ['faults must be a JSON object'] };
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw))
    if (!FAULT_KEYS.has(key)) problems.push(`unknown fault "${key}"`);
  const isMs = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 600_000;
  const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100;

  if (raw.latency !== undefined) {
    const latency = raw.latency;
    if (latency === null || typeof latency !== 'object' || Array.isArray(latency)) {
      problems.push('latency must be an object {pathPrefix: ms}');
    } else {
      for (const [prefix, ms] of Object.entries(latency)) {
        if (!prefix.startsWith('/')) problems.push(`latency: "${prefix}" must start with /`);
        if (!isMs(ms)) problems.push(`latency["${prefix}"] must be 0–600000 ms`);
      }
    }
  }
  if (raw.systemError !== undefined) {
    const se = raw.systemError as Record<string, unknown> | null;
    if (
      se === null ||
      typeof se !== 'object' ||
      !Array.isArray(se.paths) ||
      se.paths.length === 0
    ) {
      problems.push('systemError must be {paths: ["/pay/…"], rate?, after?, errCode?}');
    } else {
      if (!se.paths.every((p) => typeof p === 'string' && p.startsWith('/'))) {
        problems.push('systemError.paths must be paths starting with /');
      }
      if (se.rate !== undefined && !(typeof se.rate === 'number' && se.rate >= 0 && se.rate <= 1)) {
        problems.push('systemError.rate must be 0–1');
      }
      if (se.after !== undefined && typeof se.after !== 'boolean')
        problems.push('systemError.after must be a boolean');
      if (
        se.errCode !== undefined &&
        !(typeof se.errCode === 'string' && /^[A-Z_]+$/.test(se.errCode))
      ) {
        problems.push('systemError.errCode must be an err_code such as SYSTEMERROR or NOTENOUGH');
      }
      const extra = Object.keys(se).filter(
        (k) => !['paths', 'rate', 'after', 'errCode'].includes(k),
      );
      if (extra.length) problems.push(`systemError: unknown ${extra.join(', ')}`);
    }
  }
  const checkMatch = (name: string, value: Record<string, unknown>, own: string[]) => {
    for (const key of Object.keys(value)) {
      if (!MATCH_KEYS.includes(key) && !own.includes(key))
        problems.push(`${name}: unknown "${key}"`);
    }
    const no = value.outTradeNo;
    if (
      no !== undefined &&
      typeof no !== 'string' &&
      !(Array.isArray(no) && no.every((n) => typeof n === 'string'))
    ) {
      problems.push(`${name}.outTradeNo must be a string or a list of strings`);
    }
    if (value.outTradeNoPrefix !== undefined && typeof value.outTradeNoPrefix !== 'string') {
      problems.push(`${name}.outTradeNoPrefix must be a string`);
    }
    if (value.kind !== undefined && value.kind !== 'payment' && value.kind !== 'refund') {
      problems.push(`${name}.kind must be "payment" or "refund"`);
    }
  };
  const drop = raw.dropNotifications;
  if (drop !== undefined && typeof drop !== 'boolean') {
    if (drop === null || typeof drop !== 'object')
      problems.push('dropNotifications must be true or a match object');
    else checkMatch('dropNotifications', drop as Record<string, unknown>, []);
  }
  for (const name of ['dropFirstAttempts', 'duplicateNotifications'] as const) {
    const value = raw[name];
    if (value === undefined || isCount(value)) continue;
    if (
      value === null ||
      typeof value !== 'object' ||
      !isCount((value as Record<string, unknown>).count)
    ) {
      problems.push(`${name} must be a count 0–100 or {count, …match}`);
    } else {
      checkMatch(
        name,
        value as Record<string, unknown>,
        name === 'duplicateNotifications' ? ['count', 'concurrent'] : ['count'],
      );
    }
  }
  if (raw.notifyJitterMs !== undefined && !isMs(raw.notifyJitterMs))
    problems.push('notifyJitterMs must be 0–600000');
  if (raw.billRows !== undefined) problems.push(...billRowsProblems(raw.billRows));
  return problems.length > 0 ? { problems } : { faults: raw as Faults };
}

function billRowsProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return ['billRows must be {omit?: [no, …], amountFen?: {no: fen}}'];
  const problems: string[] = [];
  const { omit, amountFen, ...extra } = value as Record<string, unknown>;
  if (Object.keys(extra).length)
    problems.push(`billRows: unknown ${Object.keys(extra).join(', ')}`);
  if (omit !== undefined && !(Array.isArray(omit) && omit.every((n) => typeof n === 'string')))
    problems.push('billRows.omit must be a list of out_trade_no / out_refund_no');
  if (amountFen !== undefined) {
    if (amountFen === null || typeof amountFen !== 'object' || Array.isArray(amountFen))
      problems.push('billRows.amountFen must be an object {no: fen}');
    else
      for (const [no, fen] of Object.entries(amountFen))
        if (!(Number.isSafeInteger(fen) && (fen as number) >= 0))
          problems.push(`billRows.amountFen["${no}"] must be an integer fen ≥ 0`);
  }
  return problems;
}

/** What a notification looks like to the fault matchers. */
export interface NotificationSubject {
  kind: 'payment' | 'refund';
  outTradeNo: string;
}

function matches(match: NotificationMatch | true, subject: NotificationSubject): boolean {
  if (match === true) return true;
  if (match.kind && match.kind !== subject.kind) return false;
  if (
    match.outTradeNoPrefix !== undefined &&
    !subject.outTradeNo.startsWith(match.outTradeNoPrefix)
  )
    return false;
  if (match.outTradeNo !== undefined) {
    const list = Array.isArray(match.outTradeNo) ? match.outTradeNo : [match.outTradeNo];
    if (!list.includes(subject.outTradeNo)) return false;
  }
  return true;
}

/** The current fault set and the questions the sandbox asks it. */
export class FaultState {
  #faults: Faults = {};

  constructor(private readonly random: () => number = Math.random) {}

  get current(): Faults {
    return this.#faults;
  }

  set(faults: Faults): void {
    this.#faults = faults;
  }

  clear(): void {
    this.#faults = {};
  }

  /** Added latency for a request path: the longest matching prefix wins. */
  latencyFor(path: string): number {
    let best = -1;
    let ms = 0;
    for (const [prefix, value] of Object.entries(this.#faults.latency ?? {})) {
      if (path.startsWith(prefix) && prefix.length > best) {
        best = prefix.length;
        ms = value;
      }
    }
    return ms;
  }

  /** Whether this pay request gets an injected error, and when. */
  systemErrorFor(path: string): { after: boolean; errCode: string } | undefined {
    const se = this.#faults.systemError;
    if (!se || !se.paths.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`)))
      return undefined;
    if (this.random() >= (se.rate ?? 1)) return undefined;
    return { after: se.after ?? false, errCode: se.errCode ?? 'SYSTEMERROR' };
  }

  dropsAll(subject: NotificationSubject): boolean {
    const drop = this.#faults.dropNotifications;
    return drop !== undefined && drop !== false && matches(drop, subject);
  }

  /** How many first attempts of this notification are dropped. */
  droppedFirstAttempts(subject: NotificationSubject): number {
    const value = this.#faults.dropFirstAttempts;
    if (value === undefined) return 0;
    if (typeof value === 'number') return value;
    return matches(value, subject) ? value.count : 0;
  }

  duplicates(subject: NotificationSubject): { count: number; concurrent: boolean } {
    const value = this.#faults.duplicateNotifications;
    if (value === undefined) return { count: 0, concurrent: true };
    if (typeof value === 'number') return { count: value, concurrent: true };
    return matches(value, subject)
      ? { count: value.count, concurrent: value.concurrent ?? true }
      : { count: 0, concurrent: true };
  }

  /** How a bill row keyed by out_trade_no / out_refund_no is printed: left out, or its amount. */
  billRow(key: string, amountFen: number): { omit: true } | { omit: false; amountFen: number } {
    const fault = this.#faults.billRows;
    if (fault?.omit?.includes(key)) return { omit: true };
    return { omit: false, amountFen: fault?.amountFen?.[key] ?? amountFen };
  }

  jitterMs(): number {
    const max = this.#faults.notifyJitterMs ?? 0;
    return max > 0 ? Math.floor(this.random() * max) : 0;
  }
}
