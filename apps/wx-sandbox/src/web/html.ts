/** Text made safe to put between HTML tags or inside a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Integer fen as WeChat's cashier shows it: `¥19.90` (no floating point on the way). */
export function yuan(fen: number): string {
  return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#ededed;color:#222}
main{max-width:420px;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem}
h1{font-size:1.1rem;margin:0 0 1rem}.amount{font-size:2rem;font-weight:600;margin:.5rem 0}
.muted{color:#777;font-size:13px}button{font:inherit;display:block;width:100%;margin:.5rem 0;
padding:.6rem;border-radius:6px;border:1px solid #ccc;background:#fff;cursor:pointer}
button.pay,button.allow{background:#07c160;border-color:#07c160;color:#fff}
input{font:inherit;padding:.3rem .5rem;width:100%;box-sizing:border-box}
.error{color:#c53030}`;

/** A small page in the sandbox's own look (WeChat's pages differ; the flow is what matters). */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body>
</html>
`;
}

/**
 * WeChat's error page for a refused web request ("Oops! Something went wrong:(" with the message
 * and, when WeChat has one, the errcode). WeChat serves it with HTTP 200.
 */
export function errorPage(message: string, errcode?: number): string {
  return htmlPage(
    '微信 - 出错了',
    `<h1>Oops! Something went wrong:(</h1>
<p id="fen-sandbox-error" class="error">${escapeHtml(message)}${
      errcode === undefined ? '' : `，错误码：<span class="errcode">${errcode}</span>`
    }</p>`,
  );
}

/** An absolute http(s) URL, or undefined: where a sandbox page may send the browser. */
export function webUrl(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
