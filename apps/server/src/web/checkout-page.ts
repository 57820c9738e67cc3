/**
 * The web checkout: one plain page (no build step, no framework) that sells the catalogue
 * through the web channels — JSAPI pay inside WeChat (official-account OAuth, then
 * `WeixinJSBridge`), Native QR on a desktop, H5 pay in a mobile browser. Like the mini-program
 * it never believes the client side: an order is paid when the server says PAID. Which channels
 * it offers, and how each pays, comes from the channel table (`services/pay-channels.ts`).
 */

import { webCheckoutChannels } from '../services/pay-channels.js';

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #f6f7f9; }
  main { max-width: 30rem; margin: 0 auto; padding: 1.5rem 1rem; }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  nav a { margin-right: .8rem; color: #576b95; }
  nav a.current { font-weight: 600; color: #1a1a1a; text-decoration: none; }
  ul { list-style: none; padding: 0; }
  li { display: flex; align-items: center; justify-content: space-between; background: #fff;
       border-radius: 8px; padding: .7rem 1rem; margin: .5rem 0; }
  li input { width: 3.5rem; font-size: 1rem; }
  .price { color: #666; margin-left: .5rem; }
  #total { font-size: 1.2rem; margin: 1rem 0; }
  button { font-size: 1rem; padding: .6rem 1.4rem; border: 0; border-radius: 6px;
           background: #07c160; color: #fff; cursor: pointer; }
  button:disabled { background: #9bd8b5; cursor: default; }
  #payment { margin-top: 1.2rem; background: #fff; border-radius: 8px; padding: 1rem; }
  #payment:empty { display: none; }
  #payment svg { width: 12rem; height: 12rem; display: block; margin: .5rem 0; }
  .paid { color: #07c160; font-weight: 600; }
  .failed { color: #c0392b; }
`;

/**
 * The page's script. `CHANNELS` (defined before it) is the channel table's web part: each
 * channel the page offers, how its client pays (`bridge`, `qr`, `redirect`) and the login it
 * needs (`oauth`: the official account's; `guest`: none).
 */
const SCRIPT = String.raw`
const params = new URLSearchParams(location.search);
const byClient = (client) => CHANNELS.find((c) => c.client === client);
const spec = CHANNELS.find((c) => c.channel === params.get('c')) || defaultChannel();
const channel = spec.channel;
const tokenKey = spec.login === 'oauth' ? 'fen.token.oa' : 'fen.token.guest';
const $ = (selector) => document.querySelector(selector);
const quantities = new Map();
let products = [];

/** Inside WeChat its bridge; in a mobile browser a redirect; on a desktop a QR code. */
function defaultChannel() {
  const ua = navigator.userAgent;
  if (/MicroMessenger/i.test(ua)) return byClient('bridge');
  return byClient(/Mobi|Android|iPhone/i.test(ua) ? 'redirect' : 'qr');
}

/** Integer fen as yuan, without floating point. */
function yuan(fen) {
  return '¥' + Math.trunc(fen / 100) + '.' + String(fen % 100).padStart(2, '0');
}

function say(text, className) {
  const status = $('#status');
  status.textContent = text;
  status.className = className || '';
}

/** The session: from the OAuth callback's fragment, this tab's storage, or a new guest one. */
async function session() {
  const fromLogin = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromLogin) {
    sessionStorage.setItem(tokenKey, fromLogin);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = sessionStorage.getItem(tokenKey);
  if (token) return token;
  if (spec.login === 'oauth') {
    location.href = '/oa/login?redirect=' + encodeURIComponent('/checkout?c=' + channel);
    return new Promise(() => {});
  }
  const guest = await call('POST', '/api/guest-session', undefined, {}, false);
  sessionStorage.setItem(tokenKey, guest.token);
  return guest.token;
}

async function call(method, path, body, headers, authed = true) {
  const all = Object.assign({}, headers);
  if (authed) all.authorization = 'Bearer ' + (await session());
  if (body !== undefined) all['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (res.status === 401 && authed) {
    sessionStorage.removeItem(tokenKey);
    return call(method, path, body, headers, authed);
  }
  if (!res.ok) throw new Error(json.error ? json.error.message : 'HTTP ' + res.status);
  return json;
}

function render() {
  const list = $('#products');
  list.replaceChildren(...products.map((product) => {
    const item = document.createElement('li');
    item.dataset.product = product.id;
    const name = document.createElement('span');
    name.textContent = product.name;
    const price = document.createElement('span');
    price.className = 'price';
    price.textContent = yuan(product.priceFen);
    name.append(price);
    const quantity = document.createElement('input');
    quantity.type = 'number';
    quantity.min = '0';
    quantity.max = '99';
    quantity.value = String(quantities.get(product.id) || 0);
    quantity.setAttribute('aria-label', 'Quantity of ' + product.name);
    quantity.addEventListener('input', () => {
      quantities.set(product.id, Math.max(0, Math.min(99, Math.trunc(Number(quantity.value)) || 0)));
      showTotal();
    });
    item.append(name, quantity);
    return item;
  }));
  showTotal();
}

function cart() {
  return [...quantities].filter(([, n]) => n > 0).map(([productId, quantity]) => ({ productId, quantity }));
}

function showTotal() {
  const total = cart().reduce((sum, line) => sum + products.find((p) => p.id === line.productId).priceFen * line.quantity, 0);
  $('#total').textContent = 'Total ' + yuan(total);
  $('#pay').disabled = total === 0;
}

/** Asks the server (which asks WeChat) until the order is PAID or closed, for a bounded time. */
async function confirm(orderId) {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const { order } = await call('GET', '/api/orders/' + encodeURIComponent(orderId) + '?sync=1');
    if (order.status === 'PAID') {
      $('#payment').replaceChildren();
      say('Paid ' + yuan(order.totalFen) + ' — order ' + order.outTradeNo, 'paid');
      $('#pay').disabled = false;
      return;
    }
    if (order.status === 'CLOSED') return say('The order was closed.', 'failed');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  say('Still confirming the payment… reload to check again.');
}

function bridge() {
  if (typeof WeixinJSBridge !== 'undefined') return Promise.resolve(WeixinJSBridge);
  return new Promise((resolve) =>
    document.addEventListener('WeixinJSBridgeReady', () => resolve(WeixinJSBridge), { once: true }),
  );
}

async function payInWeChat(order, payParams) {
  const jsBridge = await bridge();
  jsBridge.invoke('getBrandWCPayRequest', payParams, (res) => {
    // The client's "ok" is only a hint: the server decides once WeChat tells it.
    if (res.err_msg === 'get_brand_wcpay_request:ok') {
      say('Confirming the payment…');
      confirm(order.id);
    } else if (res.err_msg === 'get_brand_wcpay_request:cancel') {
      say('Payment cancelled. The order is kept: pay again when ready.');
      $('#pay').disabled = false;
    } else {
      say('Payment failed: ' + (res.err_desc || res.err_msg), 'failed');
      $('#pay').disabled = false;
    }
  });
}

function showQr(order, payment) {
  const box = $('#payment');
  box.innerHTML = payment.qrSvg; // the server's own SVG of the code_url
  const caption = document.createElement('p');
  caption.textContent = 'Scan with WeChat to pay ' + yuan(order.totalFen);
  caption.dataset.codeUrl = payment.codeUrl;
  box.append(caption);
  say('Waiting for the payment…');
  confirm(order.id);
}

async function pay() {
  $('#pay').disabled = true;
  say('Placing the order…');
  try {
    const { order, payment } = await call('POST', '/api/orders', { items: cart(), channel }, {
      'idempotency-key': 'web-' + crypto.randomUUID(),
    });
    if (spec.client === 'bridge') return payInWeChat(order, payment.payParams);
    if (spec.client === 'qr') return showQr(order, payment);
    const back = location.origin + '/checkout?c=' + channel + '&order=' + encodeURIComponent(order.id);
    location.href = payment.mwebUrl + '&redirect_url=' + encodeURIComponent(back);
  } catch (error) {
    say('Could not start the payment: ' + error.message, 'failed');
    $('#pay').disabled = false;
  }
}

async function main() {
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.channel === channel) link.className = 'current';
  }
  $('#pay').addEventListener('click', pay);
  try {
    products = (await call('GET', '/api/products')).products;
    render();
    say('');
    if (spec.client === 'bridge') {
      // What this page passes to wx.config when the JS-SDK is loaded.
      const config = await call('GET', '/api/oa/jssdk-config?url=' + encodeURIComponent(location.href.split('#')[0]));
      if (window.wx && wx.config) wx.config(Object.assign({ jsApiList: ['chooseWXPay'] }, config));
    }
    if (params.get('order')) {
      say('Confirming the payment…');
      await confirm(params.get('order'));
    }
  } catch (error) {
    say('Something went wrong: ' + error.message, 'failed');
  }
}

main();
`;

/** Text safe inside HTML (and inside a double-quoted attribute). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page; `nonce` is the response's CSP nonce, on each of its script and style elements. */
export function checkoutPage(options: { sandboxUrl?: string | undefined; nonce: string }): string {
  const nonce = escapeHtml(options.nonce);
  const channels = webCheckoutChannels();
  const links = channels
    .map(
      ({ channel, label }) =>
        `  <a href="/checkout?c=${channel}" data-channel="${channel}">${escapeHtml(label)}</a>`,
    )
    .join('\n');
  const bridge = options.sandboxUrl
    ? `<script nonce="${nonce}" src="${escapeHtml(options.sandboxUrl)}/__sandbox/jsbridge.js"></script>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fen checkout</title>
<style nonce="${nonce}">${STYLE}</style>
${bridge}
</head>
<body>
<main>
<h1>Fen shop</h1>
<nav>Pay with:
${links}
</nav>
<ul id="products"><li>Loading…</li></ul>
<div id="total"></div>
<button id="pay" disabled>Pay</button>
<p id="status" role="status"></p>
<section id="payment" aria-live="polite"></section>
</main>
<script nonce="${nonce}">const CHANNELS = ${JSON.stringify(channels).replace(/</g, '\\u003c')};
${SCRIPT}</script>
</body>
</html>`;
}

/** The OAuth callback could not log in: say why, and offer a fresh start. */
export function loginFailedPage(message: string, nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Login failed</title><style nonce="${escapeHtml(nonce)}">${STYLE}</style></head>
<body><main><h1>Login failed</h1><p class="failed" id="reason">${escapeHtml(message)}</p>
<p><a href="/oa/login?redirect=%2Fcheckout%3Fc%3Djsapi">Log in again</a></p></main></body></html>`;
}
