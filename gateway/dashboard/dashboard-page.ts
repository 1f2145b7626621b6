// The dashboard page: one self-contained HTML document (no build step). It polls
// `/dashboard/state` every second for rates, per-lane latency against the lane budgets, lag and
// gateway figures; draws each topology with Mermaid; and tails live events of a channel through
// the gateway itself (Socket.IO, with the token given in the page or its `?token=` query).

export function dashboardHtml(title = 'TradeMaster Event Bus'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title} — dashboard</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #0f172a; color: #e2e8f0; }
  header { padding: 12px 20px; background: #1e293b; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; padding: 16px 20px; }
  section { background: #1e293b; border-radius: 8px; padding: 12px 16px; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 14px; margin: 0 0 8px; color: #94a3b8; text-transform: uppercase; letter-spacing: .05em; }
  table { width: 100%; border-collapse: collapse; }
  td, th { text-align: right; padding: 3px 6px; border-bottom: 1px solid #334155; }
  td:first-child, th:first-child { text-align: left; }
  .over { color: #f87171; font-weight: 600; }
  .ok { color: #4ade80; }
  .big { font-size: 22px; font-weight: 600; }
  .mermaid { background: #f8fafc; border-radius: 6px; padding: 8px; color: #0f172a; overflow: auto; }
  #tail { font-family: ui-monospace, monospace; font-size: 12px; max-height: 260px; overflow: auto; }
  #tail div { border-bottom: 1px solid #334155; padding: 2px 0; }
  .CRITICAL { color: #f87171; } .HIGH { color: #fbbf24; } .STANDARD { color: #60a5fa; } .BACKGROUND { color: #94a3b8; }
  input { background: #0f172a; color: #e2e8f0; border: 1px solid #475569; padding: 4px 6px; border-radius: 4px; }
  button { background: #2563eb; color: white; border: 0; padding: 5px 10px; border-radius: 4px; cursor: pointer; }
</style>
</head>
<body>
<header><h1>${title}</h1><span id="status">connecting…</span></header>
<main>
  <section><h2>Throughput</h2>
    <div>in <span class="big" id="in">0</span> rec/s · out <span class="big" id="out">0</span> rec/s</div>
    <div>dead-lettered <span id="dlq">0</span></div>
  </section>
  <section><h2>Gateway</h2>
    <div>connections <span class="big" id="connections">0</span> · subscriptions <span id="subscriptions">0</span></div>
    <div>deliveries <span class="big" id="deliveries">0</span>/s · refusals <span id="refusals">0</span></div>
  </section>
  <section><h2>Lanes (end-to-end, last second)</h2>
    <table id="lanes"><thead><tr><th>lane</th><th>processed/s</th><th>p50 ms</th><th>p99 ms</th><th>budget</th><th>delivered/s</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Consumer lag</h2>
    <table id="lag"><thead><tr><th>group / topic</th><th>lag</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide"><h2>Topologies</h2><div id="topologies"></div></section>
  <section class="wide"><h2>Live events</h2>
    <form id="tailForm">token <input id="token" size="40"> channel <input id="channel" value="market:AAPL"> <button>tail</button> <span id="tailStatus"></span></form>
    <div id="tail"></div>
  </section>
</main>
<script src="/dashboard/mermaid.js"></script>
<script src="/dashboard/socket.io.js"></script>
<script>
  const $ = (id) => document.getElementById(id);
  const drawn = new Set();
  mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' });
  async function drawTopologies(topologies) {
    for (const t of topologies) {
      if (drawn.has(t.applicationId)) continue;
      drawn.add(t.applicationId);
      const box = document.createElement('div');
      box.innerHTML = '<h3>' + t.applicationId + '</h3>';
      const graph = document.createElement('div');
      graph.className = 'mermaid';
      graph.dataset.topology = t.applicationId;
      box.appendChild(graph);
      $('topologies').appendChild(box);
      const { svg } = await mermaid.render('g' + drawn.size, t.mermaid);
      graph.innerHTML = svg;
    }
  }
  function row(cells, cls) { return '<tr>' + cells.map((c, i) => '<td' + (cls && cls[i] ? ' class="' + cls[i] + '"' : '') + '>' + c + '</td>').join('') + '</tr>'; }
  async function poll() {
    try {
      const s = await (await fetch('/dashboard/state')).json();
      $('status').textContent = 'updated ' + new Date(s.at).toLocaleTimeString();
      $('in').textContent = s.recordsInPerSec; $('out').textContent = s.recordsOutPerSec; $('dlq').textContent = s.deadLettered;
      $('connections').textContent = s.gateway.connections; $('subscriptions').textContent = s.gateway.subscriptions;
      $('deliveries').textContent = s.gateway.deliveriesPerSec; $('refusals').textContent = s.gateway.refusals;
      $('lanes').tBodies[0].innerHTML = Object.entries(s.lanes).map(([lane, l]) =>
        row([lane, l.processedPerSec, l.p50Ms ?? '–', l.p99Ms ?? '–', l.budgetMs, l.deliveredPerSec],
            [lane, '', '', l.p99Ms != null && l.p99Ms > l.budgetMs ? 'over' : 'ok', '', ''])).join('');
      $('lag').tBodies[0].innerHTML = s.lag.map((l) => row([l.group + ' / ' + l.topic, l.lag])).join('') || row(['–', '–']);
      await drawTopologies(s.topologies);
    } catch (e) { $('status').textContent = 'state unavailable: ' + e.message; }
  }
  let socket;
  $('token').value = new URLSearchParams(location.search).get('token') || '';
  $('tailForm').addEventListener('submit', (e) => {
    e.preventDefault();
    if (socket) socket.close();
    socket = io({ transports: ['websocket'], auth: { token: $('token').value } });
    const channel = $('channel').value;
    socket.on('connect', () => socket.emit('subscribe', { channel }, (ack) => {
      $('tailStatus').textContent = ack.ok ? 'subscribed to ' + channel : 'refused: ' + ack.code + ' ' + ack.reason;
    }));
    socket.on('connect_error', (err) => { $('tailStatus').textContent = 'connection refused: ' + err.message; });
    socket.onAny((name, d) => {
      if (!d || !d.event) return;
      const line = document.createElement('div');
      line.className = d.priority;
      line.textContent = new Date(d.event.header.timestamp).toLocaleTimeString() + ' ' + d.channel + ' ' + name + ' @' + d.position.partition + ':' + d.position.offset;
      $('tail').prepend(line);
      while ($('tail').childElementCount > 100) $('tail').lastChild.remove();
    });
  });
  if ($('token').value) $('tailForm').requestSubmit();
  poll(); setInterval(poll, 1000);
</script>
</body>
</html>`;
}
