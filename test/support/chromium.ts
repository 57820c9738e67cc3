import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * The system Chromium (Debian's `chromium`; `.ci/run` installs it), or `CHROMIUM_PATH`. Browsers
 * are never downloaded. Undefined when there is none.
 */
export function chromiumPath(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given) return given;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Browser tests run wherever Chromium is, and always in CI: there a missing Chromium is a
 * failure (the launch says so), never a silent skip.
 */
export const browserTestsRun = chromiumPath() !== undefined || process.env.CI === 'true';

export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    throw new Error(
      'no Chromium found: apt-get install chromium fonts-noto-cjk (the pages are zh-CN), or set CHROMIUM_PATH',
    );
  }
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Where test screenshots go (for the README and for a person to look at): `.fen/screenshots/`. */
export function screenshotPath(name: string): string {
  const dir = join(
    process.env.FEN_CACHE_DIR ?? join(import.meta.dirname, '../../.fen'),
    'screenshots',
  );
  mkdirSync(dir, { recursive: true });
  // The e2e-v3 project runs the same browser tests at the same time: keep its pictures apart.
  const version = process.env.FEN_WXPAY_API_VERSION === 'v3' ? 'v3-' : '';
  return join(dir, version + name);
}
