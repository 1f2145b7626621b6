// Load clients for the `centrifuge` peer of the gateway benchmark (forked by gateway-load.mjs
// --peer centrifuge): the same shape and IPC as gateway-load-clients.mjs (the harness in
// load-clients.mjs) — an HS256 JWT each, one market:SYM channel and the user's orders: channel —
// speaking Centrifuge's JSON protocol (v2) directly over `ws`, as the Socket.IO clients use plain
// socket.io-client: no SDK bookkeeping in the measurement.

import WebSocket from 'ws';
import { loadOptions, runLoadClients } from './load-clients.mjs';

const { url, symbols } = loadOptions();

await runLoadClients({
  async connect(n, token, received, opened) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    opened(ws);
    const replies = new Map();
    let nextId = 1;
    const call = (command) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error(`no reply to ${Object.keys(command)[0]}`)), 60_000);
        replies.set(id, (reply) => {
          clearTimeout(timer);
          if (reply.error) reject(new Error(`${Object.keys(command)[0]}: ${JSON.stringify(reply.error)}`));
          else resolve(reply);
        });
        ws.send(JSON.stringify({ id, ...command }));
      });
    ws.on('message', (raw) => {
      // One frame may carry several newline-separated replies and pushes.
      for (const line of raw.toString().split('\n')) {
        if (!line) continue;
        const msg = JSON.parse(line);
        if (msg.id) replies.get(msg.id)?.(msg);
        else if (msg.push?.pub) received(msg.push.pub.data?.event?.header?.timestamp);
        else if (!msg.push) ws.send('{}'); // the server's ping: answer with a pong
      }
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await call({ connect: { token, name: 'bench' } });
    await call({ subscribe: { channel: `market:SYM${n % symbols}` } });
    await call({ subscribe: { channel: `orders:ACC-${n}` } });
  },
  isOpen: (ws) => ws.readyState === WebSocket.OPEN,
  close: (ws) => ws.close(),
});
