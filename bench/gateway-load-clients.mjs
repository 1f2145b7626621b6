// Load clients for the gateway benchmark, in their own process (forked by gateway-load.mjs): Socket.IO
// connections (one user each, separate engine per connection), each subscribed to one market
// symbol and its own account's orders channel; the harness (load/load-clients.mjs) opens them and
// measures deliveries and end-to-end latency while the parent says the measurement window is open.
// Plain socket.io-client: no SDK bookkeeping in the measurement.

import { io } from 'socket.io-client';
import { loadOptions, runLoadClients } from './load/load-clients.mjs';

const { url, symbols } = loadOptions();

await runLoadClients({
  async connect(n, token, received, opened) {
    const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
    opened(s);
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
    s.onAny((_event, d) => received(d?.event?.header?.timestamp));
    const market = await s.timeout(60_000).emitWithAck('subscribe', { channel: `market:SYM${n % symbols}` });
    const orders = await s.timeout(60_000).emitWithAck('subscribe', { channel: `orders:ACC-${n}` });
    if (!market.ok || !orders.ok) throw new Error(`subscribe refused: ${JSON.stringify([market, orders])}`);
  },
  isOpen: (s) => s.connected,
  close: (s) => s.disconnect(),
});
