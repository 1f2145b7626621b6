import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../gateway/config.js';
import { createSocketServer } from '../../../gateway/server.js';

const config = parseGatewayConfig({
  connection: {
    kafka: { brokers: 'kafka:9092' },
    registry: { url: 'http://registry:8081/apis/ccompat/v7' },
    redis: { url: 'redis://redis:6379' },
  },
  auth: { jwt: { secret: 'a-secret-of-at-least-thirty-two-chars!', issuer: 'https://idp', audience: 'gw' } },
});

describe('socket server options', () => {
  it('keeps websocket compression off, so a broadcast is framed once for every socket', () => {
    const http = createServer();
    const io = createSocketServer(http, config, undefined);
    try {
      // engine.io hands the adapter's pre-encoded frame to each socket only without deflate.
      expect((io.engine as unknown as { opts: { perMessageDeflate: unknown } }).opts.perMessageDeflate).toBe(
        false,
      );
    } finally {
      io.close();
      http.close();
    }
  });
});
