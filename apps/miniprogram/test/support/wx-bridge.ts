import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The `wx` global for tests: `wx.request` is real HTTP (node:http), storage is a Map, and the
 * WeChat UI (action sheet, modal, cashier, navigation) is played by the test through the hooks
 * below. Only what the app uses is bridged; anything else throws, so a new dependency on `wx`
 * shows up in the tests instead of passing silently.
 */
export interface WxBridge {
  /** Every wx.request the app made, in order. */
  readonly requests: RecordedRequest[];
  /** Every object the app passed to wx.requestPayment, as passed. */
  readonly payments: Array<Record<string, unknown>>;
  /** Every navigation (`navigateTo /pages/…`). */
  readonly navigations: string[];
  readonly storage: Map<string, unknown>;
  /** Every object the app passed to wx.openBusinessView, as passed. */
  readonly businessViews: Array<Record<string, unknown>>;
  /** Every toast shown (`{title, icon}`). */
  readonly toasts: Array<{ title: string; icon?: string }>;
  /** Every modal shown (`{title, content}`). */
  readonly modals: Array<{ title: string; content?: string }>;
  /** What the clipboard holds (wx.setClipboardData). */
  clipboard: string;
  /** `wx.canIUse`: whether this WeChat has the API (all true unless a test says otherwise). */
  canIUse: (schema: string) => boolean;
  /** `wx.openBusinessView`: what the opened component answers to `success` (resolve) or
   *  `fail` (reject with the errMsg). */
  businessView: (options: Record<string, unknown>) => Promise<{ extraData?: unknown }>;
  /** `wx.login` (wechat mode): the code WeChat would give. */
  login: () => Promise<string>;
  /** `wx.requestPayment` (wechat mode): what WeChat's cashier does with the params; resolve
   *  an errMsg ending in `:ok` for success, anything else for a failure. */
  requestPayment: (params: Record<string, unknown>) => Promise<{ errMsg: string }>;
  /** `wx.showActionSheet`: the index the person taps, or `'dismiss'`. */
  actionSheet: (itemList: string[]) => number | 'dismiss';
  /** `wx.showModal`: whether the person confirms. */
  modal: (title: string) => boolean;
  /** Removes the bridge. */
  uninstall(): void;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Callbacks = {
  success?: (result: unknown) => void;
  fail?: (error: { errMsg: string }) => void;
  complete?: (result: unknown) => void;
};

/** Calls back like a wx API: the callbacks when given, else a promise. */
function answer<T>(options: Callbacks, work: () => Promise<T>): Promise<T> | undefined {
  const promise = work();
  if (!options.success && !options.fail && !options.complete) return promise;
  promise.then(
    (result) => {
      options.success?.(result);
      options.complete?.(result);
    },
    (error: unknown) => {
      const failure = { errMsg: error instanceof Error ? error.message : String(error) };
      options.fail?.(failure);
      options.complete?.(failure);
    },
  );
  return undefined;
}

interface RequestOptions extends Callbacks {
  url: string;
  method?: string;
  data?: unknown;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: string;
}

/** wx.request over real HTTP: JSON in and out, any status a success, no answer a failure. */
function realRequest(options: RequestOptions, log: RecordedRequest[]) {
  return new Promise<{ statusCode: number; data: unknown; header: Record<string, unknown> }>(
    (resolve, reject) => {
      const method = (options.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...options.header,
      };
      const hasBody = options.data !== undefined && method !== 'GET';
      const body = hasBody
        ? typeof options.data === 'string'
          ? options.data
          : JSON.stringify(options.data)
        : undefined;
      log.push({ method, url: options.url, headers, body: options.data });
      const url = new URL(options.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, { method, headers, timeout: options.timeout ?? 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let data: unknown = text;
          if (options.dataType !== 'text') {
            try {
              data = JSON.parse(text);
            } catch {
              // WeChat hands over the text when it is not JSON.
            }
          }
          resolve({ statusCode: res.statusCode ?? 0, data, header: res.headers });
        });
        res.on('error', (error) => reject(new Error(`request:fail ${error.message}`)));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => reject(new Error(`request:fail ${error.message}`)));
      req.end(body);
    },
  );
}

/** Installs the bridge as the global `wx` (replacing miniprogram-simulate's stubs). */
export function installWx(): WxBridge {
  const previous = (globalThis as { wx?: unknown }).wx;
  const bridge: WxBridge = {
    requests: [],
    payments: [],
    navigations: [],
    storage: new Map(),
    login: () => Promise.reject(new Error('login:fail no wx.login code set up in this test')),
    requestPayment: () => Promise.reject(new Error('requestPayment:fail no payer in this test')),
    actionSheet: () => {
      throw new Error('no action sheet choice set up in this test');
    },
    modal: () => true,
    businessViews: [],
    toasts: [],
    modals: [],
    clipboard: '',
    canIUse: () => true,
    businessView: () =>
      Promise.reject(new Error('openBusinessView:fail no component set up in this test')),
    uninstall: () => {
      (globalThis as { wx?: unknown }).wx = previous;
    },
  };
  const navigate = (kind: string) => (options: Callbacks & { url: string }) =>
    answer(options, async () => {
      bridge.navigations.push(`${kind} ${options.url}`);
      return { errMsg: `${kind}:ok` };
    });
  const api: Record<string, unknown> = {
    request: (options: RequestOptions) => {
      realRequest(options, bridge.requests).then(
        (res) => {
          options.success?.({ ...res, errMsg: 'request:ok' });
          options.complete?.(res);
        },
        (error: Error) => {
          options.fail?.({ errMsg: error.message });
          options.complete?.({ errMsg: error.message });
        },
      );
      return { abort() {} };
    },
    login: (options: Callbacks) =>
      answer(options, async () => ({ code: await bridge.login(), errMsg: 'login:ok' })),
    requestPayment: (options: Callbacks & Record<string, unknown>) => {
      bridge.payments.push({ ...options });
      return answer(options, async () => {
        const { errMsg } = await bridge.requestPayment(options);
        if (!errMsg.endsWith(':ok')) throw new Error(errMsg);
        return { errMsg };
      });
    },
    showActionSheet: (options: Callbacks & { itemList: string[] }) =>
      answer(options, async () => {
        const choice = bridge.actionSheet(options.itemList);
        if (choice === 'dismiss') throw new Error('showActionSheet:fail cancel');
        return { tapIndex: choice, errMsg: 'showActionSheet:ok' };
      }),
    showModal: (options: Callbacks & { title?: string; content?: string }) =>
      answer(options, async () => {
        bridge.modals.push({ title: options.title ?? '', content: options.content });
        const confirm = bridge.modal(options.title ?? '');
        return { confirm, cancel: !confirm, errMsg: 'showModal:ok' };
      }),
    canIUse: (schema: string) => bridge.canIUse(schema),
    openBusinessView: (options: Callbacks & Record<string, unknown>) => {
      bridge.businessViews.push({ ...options });
      return answer(options, async () => ({
        errMsg: 'openBusinessView:ok',
        ...(await bridge.businessView(options)),
      }));
    },
    setClipboardData: (options: Callbacks & { data: string }) =>
      answer(options, async () => {
        bridge.clipboard = options.data;
        return { errMsg: 'setClipboardData:ok' };
      }),
    showToast: (options: Callbacks & { title: string; icon?: string }) =>
      answer(options, async () => {
        bridge.toasts.push({ title: options.title, icon: options.icon });
        return { errMsg: 'showToast:ok' };
      }),
    stopPullDownRefresh: (options: Callbacks = {}) =>
      answer(options, async () => ({ errMsg: 'stopPullDownRefresh:ok' })),
    navigateTo: navigate('navigateTo'),
    redirectTo: navigate('redirectTo'),
    getStorageSync: (key: string) => (bridge.storage.has(key) ? bridge.storage.get(key) : ''),
    setStorageSync: (key: string, value: unknown) => {
      // WeChat stores a copy, not the object.
      bridge.storage.set(key, JSON.parse(JSON.stringify(value)));
    },
  };
  (globalThis as { wx?: unknown }).wx = new Proxy(api, {
    get(target, name) {
      if (typeof name === 'string' && !(name in target)) {
        throw new Error(`wx.${name} is not bridged in tests: add it to test/support/wx-bridge.ts`);
      }
      return target[name as string];
    },
  });
  return bridge;
}
