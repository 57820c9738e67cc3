import { JSDOM } from 'jsdom';

/**
 * The DOM miniprogram-simulate renders into. Under vitest's jsdom environment (this app's unit
 * project) it is already there; elsewhere (the e2e project runs in Node, where the real server,
 * mongoose and fetch live) a jsdom window is made and only the DOM names are put on the global
 * scope — Node's own fetch, AbortSignal and typed arrays stay as they are (its Event and
 * CustomEvent give way to jsdom's, which its elements require).
 * Import this before miniprogram-simulate.
 */
const DOM_GLOBALS = [
  'window',
  'document',
  'Node',
  'Element',
  'HTMLElement',
  'Text',
  // Node has its own Event and CustomEvent, which jsdom's elements refuse to dispatch.
  'Event',
  'CustomEvent',
  'TouchEvent',
  'MutationObserver',
] as const;

if (typeof (globalThis as { document?: unknown }).document === 'undefined') {
  const { window } = new JSDOM('<!doctype html><html><head></head><body></body></html>');
  const scope = globalThis as Record<string, unknown>;
  const dom = window as unknown as Record<string, unknown>;
  for (const name of DOM_GLOBALS) scope[name] = dom[name];
  scope.getComputedStyle = window.getComputedStyle.bind(window);
  scope.navigator ??= window.navigator;
}
