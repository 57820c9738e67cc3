/**
 * `GET /__sandbox/jsbridge.js`: a stand-in for the `WeixinJSBridge` that WeChat's built-in
 * browser gives an official account's pages. Plain ES2017, no build step. A merchant's page
 * includes it in sandbox mode only; everything it does goes through the sandbox's control API
 * (CORS-open), on the origin it was loaded from:
 *
 * - `invoke('getBrandWCPayRequest', params, cb)`: `POST /__sandbox/jsapi-pay/check` verifies the
 *   params as WeChat's client would; a refusal calls back `:fail` with `err_desc`. Otherwise an
 *   in-page cashier (`#fen-sandbox-cashier` with `.pay`, `.cancel`, `.insufficient-funds`) lets
 *   the payer act through `POST /__sandbox/pay`, then calls back `get_brand_wcpay_request:ok`,
 *   `:cancel` or `:fail`, as WeChat does. The callback is a hint: the merchant must still wait for
 *   the notification or query the order.
 * - `WeixinJSBridgeReady` is fired on `document` once the bridge exists.
 */
export const JSBRIDGE_JS = String.raw`/* Fen WeChat sandbox: WeixinJSBridge stand-in (sandbox mode only). */
(function () {
  'use strict';
  if (window.WeixinJSBridge && window.WeixinJSBridge.__fenSandbox) return;

  // The sandbox's own origin, from this script's src: the merchant's page is on another one.
  var self = document.currentScript;
  if (!self) {
    var all = document.querySelectorAll('script[src*="/__sandbox/jsbridge.js"]');
    self = all[all.length - 1];
  }
  var SANDBOX = self && self.src ? new URL(self.src, location.href).origin : location.origin;
  var PAY_FIELDS = ['appId', 'timeStamp', 'nonceStr', 'package', 'signType', 'paySign'];
  var busy = false;

  async function control(path, body) {
    var res = await fetch(SANDBOX + '/__sandbox' + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    var json = await res.json().catch(function () { return {}; });
    if (!res.ok) {
      var e = json.error || {};
      var err = new Error(e.message || 'sandbox answered HTTP ' + res.status);
      err.code = e.code;
      throw err;
    }
    return json;
  }

  function yuan(fen) {
    return '¥' + Math.floor(fen / 100) + '.' + String(fen % 100).padStart(2, '0');
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    // Styles through the CSSOM: the merchant's page may forbid style attributes (CSP), and
    // WeChat's own cashier is not part of the page at all.
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'style') node.style.cssText = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The cashier WeChat would draw over the page; resolves with what the payer chose.
  function cashier(order) {
    return new Promise(function (resolve) {
      var overlay = el('div', {
        id: 'fen-sandbox-cashier',
        role: 'dialog',
        'aria-label': 'WeChat Pay (sandbox)',
        style: 'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.45);' +
          'display:flex;align-items:flex-end;justify-content:center;font:15px/1.5 system-ui,sans-serif',
      });
      var sheet = el('div', {
        class: 'sheet',
        style: 'background:#fff;color:#222;width:100%;max-width:420px;border-radius:12px 12px 0 0;' +
          'padding:1.2rem;box-sizing:border-box;text-align:center',
      });
      sheet.append(
        el('div', { class: 'title', style: 'color:#777;font-size:13px' }, 'WeChat Pay · Fen sandbox'),
        el('div', { class: 'body', style: 'margin-top:.4rem' }, order.body),
        el('div', { class: 'amount', style: 'font-size:2rem;font-weight:600;margin:.3rem 0 .8rem' },
          yuan(order.total_fee)),
      );
      var buttons = [
        ['pay', 'Pay ' + yuan(order.total_fee), 'success', 'background:#07c160;border-color:#07c160;color:#fff'],
        ['insufficient-funds', 'Insufficient funds', 'insufficient_funds', ''],
        ['cancel', 'Cancel', 'cancel', ''],
      ];
      buttons.forEach(function (b) {
        var button = el('button', {
          type: 'button',
          class: b[0],
          style: 'display:block;width:100%;font:inherit;margin:.4rem 0;padding:.6rem;border-radius:6px;' +
            // Its own colours: the merchant page's button styles must not blank it out.
            'border:1px solid #ccc;background:#fff;color:#222;cursor:pointer;' + b[3],
        }, b[1]);
        button.addEventListener('click', function () {
          overlay.remove();
          resolve(b[2]);
        });
        sheet.append(button);
      });
      overlay.append(sheet);
      document.body.append(overlay);
    });
  }

  async function getBrandWCPayRequest(params) {
    var fields = {};
    PAY_FIELDS.forEach(function (k) { fields[k] = params ? params[k] : undefined; });
    var order;
    try {
      order = await control('/jsapi-pay/check', fields);
    } catch (e) {
      return { err_msg: 'get_brand_wcpay_request:fail', err_desc: e.message, err_code: e.code };
    }
    var outcome = await cashier(order);
    try {
      await control('/pay', { prepay_id: order.prepay_id, outcome: outcome });
    } catch (e) {
      return { err_msg: 'get_brand_wcpay_request:fail', err_desc: e.message, err_code: e.code };
    }
    if (outcome === 'success') return { err_msg: 'get_brand_wcpay_request:ok' };
    if (outcome === 'cancel') return { err_msg: 'get_brand_wcpay_request:cancel' };
    return { err_msg: 'get_brand_wcpay_request:fail', err_desc: '余额不足 (insufficient funds)' };
  }

  function invoke(name, params, callback) {
    var done = typeof callback === 'function' ? callback : function () {};
    if (name !== 'getBrandWCPayRequest') {
      setTimeout(function () { done({ err_msg: 'system:function_not_exist' }); }, 0);
      return;
    }
    if (busy) {
      setTimeout(function () {
        done({ err_msg: 'get_brand_wcpay_request:fail', err_desc: 'a payment is already in progress' });
      }, 0);
      return;
    }
    busy = true;
    getBrandWCPayRequest(params).then(function (result) {
      busy = false;
      done(result);
    });
  }

  window.WeixinJSBridge = {
    __fenSandbox: true,
    invoke: invoke,
    call: function (name) { invoke(name, {}, function () {}); },
    on: function () {},
  };

  function ready() {
    document.dispatchEvent(new Event('WeixinJSBridgeReady'));
  }
  // Pages either call at once when WeixinJSBridge exists or wait for this event: fire it after the
  // rest of the page's scripts have had the chance to listen.
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else setTimeout(ready, 0);
})();
`;
