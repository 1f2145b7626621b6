// The browser client example: one plain HTML page, no bundler. It loads the Socket.IO client's own
// browser build and speaks the gateway protocol the typed SDK (`gateway/client`) speaks: the dev
// token from `?token=` on the handshake, `subscribe` with acknowledgements, deliveries under the
// catalog's event names, a cursor per channel, and `resume` with those cursors after a reconnect.
// On first connect it also resumes the user's own channels from the start of the retained history,
// so orders, portfolio and risk alerts raised before the page opened are shown.
// It shows the user's orders, portfolio and risk alerts and a market ticker.

import { EVENT_TYPES } from '../../schemas/catalog.js';

export interface TraderPageOptions {
  /** Symbols of the market ticker (`market:<symbol>`). */
  readonly symbols: readonly string[];
  /** Accounts a risk manager watches (`risk:<account>`); a trader watches the one in its token. */
  readonly accounts: readonly string[];
  /** URL of socket.io-client's browser build. @default '/dashboard/socket.io.js' */
  readonly socketIoUrl?: string;
}

const STYLE = `
body{font:14px system-ui,sans-serif;margin:0;background:#0f1419;color:#e6e6e6}
header{padding:10px 16px;background:#1b2430;display:flex;gap:16px;align-items:baseline}
h1{font-size:18px;margin:0} h2{font-size:14px;margin:0 0 6px;color:#9ecbff}
main{display:grid;grid-template-columns:1fr 1fr;gap:12px;padding:12px}
section{background:#161d26;border-radius:6px;padding:10px;min-height:120px;overflow:hidden}
ul{list-style:none;margin:0;padding:0;max-height:260px;overflow:auto;font:12px ui-monospace,monospace}
li{padding:2px 0;border-bottom:1px solid #222c38} .CRITICAL{color:#ff6b6b;font-weight:600}
table{font:12px ui-monospace,monospace;border-collapse:collapse;width:100%} td{padding:2px 6px}
.up{color:#5fd38d} .down{color:#ff8080} #status.ok{color:#5fd38d} #status.err{color:#ff6b6b}`;

/** The page script (plain ES2020, runs as is in the browser). */
function pageScript(o: TraderPageOptions): string {
  return `
const EVENT_TYPES = ${JSON.stringify(EVENT_TYPES)};
const SYMBOLS = ${JSON.stringify(o.symbols)};
const ACCOUNTS = ${JSON.stringify(o.accounts)};
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('token');
const status = (text, cls) => { $('status').textContent = text; $('status').className = cls || ''; };
if (!token) { status('add ?token=<dev token> to the URL (printed by npm start)', 'err'); throw new Error('no token'); }
const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
const roles = claims.roles || [];
$('who').textContent = claims.sub + ' (' + roles.join(', ') + (claims.account ? ', ' + claims.account : '') + ')';
const channels = SYMBOLS.map((s) => 'market:' + s);
if (claims.account) channels.push('orders:' + claims.account, 'risk:' + claims.account);
if (roles.includes('trader')) channels.push('portfolio:' + claims.sub);
if (roles.includes('risk-manager')) for (const a of ACCOUNTS) channels.push('risk:' + a);
const counts = { market: 0, orders: 0, portfolio: 0, risk: 0 };
const cursors = new Map(); // channel -> { 'topic/partition': next offset }
const seen = new Set(); // deliveries shown (channel@topic/partition@offset), bounded
const num = (v) => (typeof v === 'number' ? v : Number(v));
const dec = (v) => { const [i, f = ''] = v.split('.'); const t = f.replace(/0+$/, ''); return t.length < 2 ? i + '.' + (t + '00').slice(0, 2) : i + '.' + t; };
const fmt = (v) => (v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : /^-?\\d+\\.\\d+$/.test(String(v)) ? dec(String(v)) : String(v));
const flat = (p) => { const k = p && Object.keys(p); return k && k.length === 1 && typeof p[k[0]] === 'object' && p[k[0]] ? p[k[0]] : p || {}; };
function prepend(list, text, cls) {
  const li = document.createElement('li'); li.textContent = text; if (cls) li.className = cls;
  list.prepend(li); while (list.children.length > 200) list.lastChild.remove();
}
const prices = new Map();
function onDelivery(d) {
  const key = d.position.topic + '/' + d.position.partition;
  const cursor = cursors.get(d.channel) || {};
  const id = d.channel + '@' + key + '@' + d.position.offset;
  if (seen.has(id)) return; // seen (history, replay and live overlap)
  seen.add(id); if (seen.size > 20000) seen.delete(seen.values().next().value);
  if (cursor[key] === undefined || d.position.offset >= cursor[key]) cursor[key] = d.position.offset + 1;
  cursors.set(d.channel, cursor);
  const kind = d.channel.split(':')[0];
  if (counts[kind] !== undefined) { counts[kind]++; $('count-' + kind).textContent = counts[kind]; }
  const p = flat(d.event.payload); const h = d.event.header;
  const time = new Date(h.timestamp).toLocaleTimeString();
  if (kind === 'market') {
    const sym = h.symbol || d.channel.slice(7); const px = p.last ?? p.price ?? p.bid;
    if (px == null) return;
    const before = prices.get(sym); prices.set(sym, num(px));
    let row = document.querySelector('tr[data-symbol="' + sym + '"]');
    if (!row) { row = $('ticker').insertRow(); row.dataset.symbol = sym; row.insertCell().textContent = sym; row.insertCell(); row.insertCell(); }
    row.cells[1].textContent = fmt(px); row.cells[1].className = before === undefined ? '' : num(px) >= before ? 'up' : 'down';
    row.cells[2].textContent = d.type + ' ' + time;
  } else if (kind === 'orders') {
    prepend($('orders'), time + ' ' + d.type + ' ' + fmt(p.orderId) + ' ' + fmt(p.side) + ' ' + fmt(p.quantity ?? p.filledQuantity) + ' ' + fmt(h.symbol ?? p.symbol) + ' @ ' + fmt(p.price ?? p.fillPrice ?? p.limitPrice), d.priority);
  } else if (kind === 'portfolio') {
    prepend($('portfolio'), time + ' ' + d.type + ' ' + fmt(p.symbol ?? h.symbol) + ' ' + Object.entries(p).filter(([k, v]) => /pnl|quantity|position|value|balance/i.test(k) && typeof v !== 'object').map(([k, v]) => k + '=' + fmt(v)).join(' '));
  } else if (kind === 'risk') {
    prepend($('risk'), time + ' ' + d.priority + ' ' + d.type + ' ' + fmt(h.accountId) + ' ' + Object.entries(p).filter(([, v]) => typeof v !== 'object').slice(0, 5).map(([k, v]) => k + '=' + fmt(v)).join(' '), d.priority);
  }
}
const socket = io({ transports: ['websocket'], auth: { token } });
for (const t of EVENT_TYPES) socket.on(t, onDelivery);
socket.on('replay', (batch) => batch.deliveries.forEach(onDelivery));
socket.on('resume:required', () => resumeAll());
socket.on('session:closed', (n) => status('closed: ' + n.code + ' ' + n.reason, 'err'));
socket.on('connect_error', (e) => status('refused: ' + e.message, 'err'));
socket.on('disconnect', () => status('reconnecting…', 'err'));
const request = (event, payload) => socket.timeout(10000).emitWithAck(event, payload);
async function resumeAll() {
  const held = [...cursors].map(([channel, cursor]) => ({ channel, cursor }));
  if (held.length) await request('resume', { channels: held });
}
socket.on('connect', async () => {
  status('connected', 'ok');
  if (cursors.size) return resumeAll();
  const refused = [];
  const history = [];
  for (const channel of channels) {
    const ack = await request('subscribe', { channel });
    if (ack.ok) cursors.set(channel, { ...ack.cursor, ...(cursors.get(channel) || {}) });
    else refused.push(channel + ': ' + ack.code);
    // The user's own orders, portfolio and risk alerts: shown from the start of the retained
    // history too (a resume from offset 0 of each lane partition), not only from now.
    if (ack.ok && !channel.startsWith('market:'))
      history.push({ channel, cursor: Object.fromEntries(Object.keys(ack.cursor).map((k) => [k, 0])) });
  }
  if (history.length) await request('resume', { channels: history });
  status('connected, ' + cursors.size + ' channels' + (refused.length ? ' (refused ' + refused.join(', ') + ')' : ''), 'ok');
});`;
}

/**
 * The example page's HTML, script inline.
 *
 * @example
 * res.end(traderPageHtml({ symbols: demo.symbols, accounts: demo.directory.accounts.map((a) => a.accountId) }));
 */
export function traderPageHtml(options: TraderPageOptions): string {
  const panel = (id: string, title: string, body: string) =>
    `<section><h2>${title} <span id="count-${id}">0</span></h2>${body}</section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TradeMaster — trader</title><style>${STYLE}</style></head>
<body><header><h1>TradeMaster</h1><span id="who"></span><span id="status">connecting…</span>
<a href="/dashboard" style="color:#9ecbff">dashboard</a></header>
<main>
${panel('market', 'Market', '<table id="ticker"></table>')}
${panel('orders', 'Orders', '<ul id="orders"></ul>')}
${panel('portfolio', 'Portfolio', '<ul id="portfolio"></ul>')}
${panel('risk', 'Risk alerts', '<ul id="risk"></ul>')}
</main>
<script src="${options.socketIoUrl ?? '/dashboard/socket.io.js'}"></script>
<script>${pageScript(options).replace(/<\/script/gi, '<\\/script')}</script>
</body></html>`;
}
