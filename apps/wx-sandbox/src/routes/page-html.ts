/**
 * The payer's page at `/`: plain HTML and JS (no build), talking to the control API. It lists
 * orders, lets a person pay / cancel / fail one for lack of funds (or scan a NATIVE order's
 * code_url as the test user named in the login form), shows each order's notification
 * deliveries, and makes wx.login codes for named test users.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fen WeChat sandbox</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
  .muted { color: #777; } table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e5e5e5; vertical-align: top; }
  th { background: #f6f6f6; font-weight: 600; } code { font-size: 12px; }
  button { font: inherit; padding: .2rem .6rem; margin: 0 .2rem .2rem 0; border-radius: 4px; border: 1px solid #bbb; background: #fff; cursor: pointer; }
  button.pay { background: #07c160; border-color: #07c160; color: #fff; }
  .state { font-weight: 600; } .NOTPAY { color: #b7791f; } .SUCCESS { color: #07c160; } .CLOSED { color: #888; } .REFUND { color: #3b6fd8; }
  .log { font-size: 12px; margin: .3rem 0 0; } .log td { padding: .15rem .4rem; }
  .SUCCESS-r { color: #07c160; } .FAIL-r, .TIMEOUT-r, .CONNECTION_ERROR-r { color: #c53030; } .DROPPED-r { color: #888; }
  form { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; } input { font: inherit; padding: .2rem .4rem; }
  #message { min-height: 1.2rem; color: #3b6fd8; }
</style>
</head>
<body>
<h1>Fen WeChat sandbox</h1>
<div class="muted">A local stand-in for WeChat Pay and the mini-program login APIs. You are the payer. Sandbox time: <span id="now"></span></div>
<div id="message"></div>

<h2>wx.login code for a test user</h2>
<form id="login">
  <label>appid <input name="appid" size="20" required></label>
  <label>user <input name="user" value="alice" size="12" required></label>
  <button type="submit">Get code</button>
  <span id="code" class="muted"></span>
</form>

<h2>Orders <span class="muted" id="filter"></span></h2>
<table>
  <thead><tr><th>out_trade_no</th><th>type</th><th>amount</th><th>body</th><th>state</th><th>created</th><th>actions</th></tr></thead>
  <tbody id="orders"><tr><td colspan="7" class="muted">loading…</td></tr></tbody>
</table>

<script>
const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const onlyPrepay = params.get('prepay_id');
if (onlyPrepay) $('#filter').textContent = '(prepay_id ' + onlyPrepay + ')';
const open = new Set();

function el(tag, props, children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children || []) node.append(child);
  return node;
}
const yuan = (fen) => '¥' + (fen / 100).toFixed(2);
const time = (iso) => (iso ? new Date(iso).toLocaleString() : '');

async function api(path, body, method) {
  const res = await fetch('/__sandbox' + path, {
    method: method || (body ? 'POST' : 'GET'),
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error ? json.error.code + ': ' + json.error.message : res.status);
  return json;
}

async function act(order, outcome) {
  try {
    const r = await api('/pay', { prepay_id: order.prepay_id, outcome });
    $('#message').textContent = order.out_trade_no + ' → ' + r.trade_state + (r.transaction_id ? ' (transaction ' + r.transaction_id + ')' : '');
    open.add(order.out_trade_no);
  } catch (e) {
    $('#message').textContent = String(e.message || e);
  }
  refresh();
}

// A NATIVE order's code_url, scanned by the test user named in the login form (default alice).
async function scan(order) {
  const user = $('#login [name=user]').value || 'alice';
  try {
    const r = await api('/scan', { code_url: order.code_url, user });
    $('#message').textContent = order.out_trade_no + ' scanned by ' + user + ' → ' + r.trade_state + (r.transaction_id ? ' (transaction ' + r.transaction_id + ')' : '');
    open.add(order.out_trade_no);
  } catch (e) {
    $('#message').textContent = String(e.message || e);
  }
  refresh();
}

async function deliveries(order, cell) {
  const { notifications } = await api('/notifications?out_trade_no=' + encodeURIComponent(order.out_trade_no));
  const rows = [];
  for (const n of notifications) {
    for (const a of n.attempts) {
      rows.push(el('tr', {}, [
        el('td', { textContent: n.kind }),
        el('td', { textContent: '#' + a.attempt + (a.copy ? ' copy ' + a.copy : '') }),
        el('td', { textContent: time(a.at) }),
        el('td', { textContent: 'after ' + a.scheduled_delay_seconds + ' s' }),
        el('td', { textContent: a.result, className: a.result + '-r' }),
        el('td', { textContent: a.http_status ? 'HTTP ' + a.http_status : (a.error || '') }),
        el('td', {}, [el('code', { textContent: (a.reply || '').slice(0, 120) })]),
      ]));
    }
    if (n.state !== 'PENDING') rows.push(el('tr', {}, [el('td', { colSpan: 7, className: 'muted', textContent: n.kind + ' notification ' + n.state })]));
  }
  cell.replaceChildren(rows.length ? el('table', { className: 'log' }, rows) : el('div', { className: 'muted log', textContent: 'no notification yet' }));
}

async function refresh() {
  try {
    const { now, orders } = await api('/orders');
    $('#now').textContent = time(now);
    const shown = orders.filter((o) => !onlyPrepay || o.prepay_id === onlyPrepay);
    const rows = [];
    for (const o of shown) {
      const actions = [];
      if (o.trade_state === 'NOTPAY') {
        actions.push(el('button', { className: 'pay', textContent: 'Pay ' + yuan(o.total_fee), onclick: () => act(o, 'success') }));
        actions.push(el('button', { textContent: 'Cancel', onclick: () => act(o, 'cancel') }));
        actions.push(el('button', { textContent: 'Insufficient funds', onclick: () => act(o, 'insufficient_funds') }));
        if (o.trade_type === 'NATIVE' && o.code_url) {
          actions.push(el('button', { className: 'scan', textContent: 'Scan QR as test user', title: o.code_url, onclick: () => scan(o) }));
        }
      }
      actions.push(el('button', { textContent: open.has(o.out_trade_no) ? 'Hide log' : 'Notifications', onclick: () => {
        open.has(o.out_trade_no) ? open.delete(o.out_trade_no) : open.add(o.out_trade_no);
        refresh();
      } }));
      const refunded = o.refunds.map((r) => 'refund ' + yuan(r.refund_fee) + ' ' + r.refund_status).join(', ');
      rows.push(el('tr', {}, [
        el('td', {}, [el('code', { textContent: o.out_trade_no })]),
        el('td', { textContent: o.trade_type }),
        el('td', { textContent: yuan(o.total_fee) }),
        el('td', { textContent: o.body }),
        el('td', {}, [el('span', { className: 'state ' + o.trade_state, textContent: o.trade_state }), el('div', { className: 'muted', textContent: refunded })]),
        el('td', { textContent: time(o.created_at) }),
        el('td', {}, actions),
      ]));
      if (open.has(o.out_trade_no)) {
        const cell = el('td', { colSpan: 7 });
        rows.push(el('tr', {}, [cell]));
        deliveries(o, cell);
      }
    }
    $('#orders').replaceChildren(...(rows.length ? rows : [el('tr', {}, [el('td', { colSpan: 7, className: 'muted', textContent: 'No orders yet: call /pay/unifiedorder.' })])]));
  } catch (e) {
    $('#message').textContent = 'sandbox unreachable: ' + (e.message || e);
  }
}

$('#login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const r = await api('/login-code', { appid: form.get('appid'), user: form.get('user') });
    $('#code').textContent = 'code ' + r.code + ' → openid ' + r.openid + ' (single use, 5 min)';
  } catch (e) {
    $('#code').textContent = String(e.message || e);
  }
});

api('/apps').then((r) => { $('#login [name=appid]').value = r.apps[0] || ''; }).catch(() => {});
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
