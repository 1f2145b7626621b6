// The gateway's Redis links on the real Redis: the adapter's publishes of one event-loop turn (a
// lane batch's SPUBLISHes) leave in one socket write — one write per broadcast was the gateway's
// largest CPU cost end to end — and every one of them still arrives, in order.

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import { createRedisLinks, type RedisLinks } from '../../../gateway/redisLinks.js';
import { redisUrl } from './support/harness.js';

const opened: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const o of opened) await o.close();
});

describe('Redis links', () => {
  it("sends one turn's publishes in one write, and each arrives in order", async () => {
    const links: RedisLinks = await createRedisLinks(redisUrl, 'it-links', silentLogger());
    opened.push(links);
    const listener = new Redis(redisUrl);
    opened.push({ close: () => listener.quit() });
    const channel = `it-links-${Date.now()}`;
    const got: string[] = [];
    const all = new Promise<void>((resolve) =>
      listener.on('smessage', (_ch: string, m: string) => {
        got.push(m);
        if (got.length === 100) resolve();
      }),
    );
    await listener.ssubscribe(channel);

    const stream = (links.pub as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
    const write = stream.write;
    let writes = 0;
    stream.write = function (this: unknown, ...a: unknown[]) {
      writes++;
      return write.apply(this, a);
    };
    const sent = Array.from({ length: 100 }, (_, i) => links.pub.spublish(channel, `m${i}`));
    await Promise.all(sent);
    stream.write = write;
    expect(writes).toBe(1);
    await all;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  });
});
