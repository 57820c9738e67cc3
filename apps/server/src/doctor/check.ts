/** How one check ended: `skip` when it could not run because something before it failed. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of `fen doctor`: what was checked, how it ended, and (on a problem) what to do. */
export interface CheckResult {
  /** Short and stable, e.g. `AppSecret wx…`, so a reader (and a test) finds the line. */
  name: string;
  status: CheckStatus;
  /** What was seen; for `warn` / `fail` it ends with the fix. Never holds a secret. */
  message: string;
}

export const ok = (name: string, message: string): CheckResult => ({ name, status: 'ok', message });
export const warn = (name: string, message: string): CheckResult => ({
  name,
  status: 'warn',
  message,
});
export const fail = (name: string, message: string): CheckResult => ({
  name,
  status: 'fail',
  message,
});
export const skip = (name: string, message: string): CheckResult => ({
  name,
  status: 'skip',
  message,
});

const LABELS: Record<CheckStatus, string> = {
  ok: 'ok  ',
  warn: 'warn',
  fail: 'FAIL',
  skip: 'skip',
};

/** `FAIL  AppSecret wx…: AppSecret of wx… is wrong …` — one line, whatever the message holds. */
export function formatResult(result: CheckResult): string {
  return `${LABELS[result.status]}  ${result.name}: ${result.message.replace(/\s*\n\s*/g, ' ')}`;
}

/** The message of anything thrown, on one line. */
export const messageOf = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
