import { join } from 'node:path';
import './dom.js';
import simulate from 'miniprogram-simulate';
import { MINIPROGRAM_ROOT } from './app.js';

/** A rendered page (miniprogram-simulate's component wrapper). */
export type RenderedPage = ReturnType<typeof simulate.render>;

/**
 * Loads a page the way DevTools does — its compiled index.js calling `Component`, its .wxml,
 * .wxss and .json with their usingComponents — renders it and attaches it to the DOM.
 * Lifetimes WeChat would call (onLoad, onShow) are then the test's to call.
 */
export function renderPage(name: string): RenderedPage {
  const id = simulate.load(join(MINIPROGRAM_ROOT, 'pages', name, 'index'), {
    compiler: 'simulate',
    rootPath: MINIPROGRAM_ROOT,
  });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  return page;
}

/** Waits until `check` returns something truthy (the page re-rendered), or fails naming `what`. */
export async function until<T>(
  check: () => T,
  what: string,
  timeoutMs = 3000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The text of the first element matching `selector`, or undefined when there is none. */
export function textOf(page: RenderedPage, selector: string): string | undefined {
  return page.querySelector(selector)?.dom?.textContent?.replace(/\s+/g, ' ').trim();
}

/** The texts of every element matching `selector`. */
export function textsOf(page: RenderedPage, selector: string): string[] {
  return page
    .querySelectorAll(selector)
    .map((node) => (node.dom?.textContent ?? '').replace(/\s+/g, ' ').trim());
}

/** Taps the first element matching `selector` (it must be on screen) and lets the handler run
 *  (the simulator delivers events asynchronously, as WeChat does). */
export async function tap(page: RenderedPage, selector: string): Promise<void> {
  const node = page.querySelector(selector);
  if (!node) throw new Error(`nothing to tap: ${selector} is not rendered`);
  node.dispatchEvent('tap');
  await simulate.sleep(0);
}
