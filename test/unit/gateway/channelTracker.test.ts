// The SDK's exactly-once / in-order rules on one channel: duplicates by position, gaps by the
// `prev` link, and the replay→live handover.
import { describe, expect, it } from 'vitest';
import { ChannelTracker } from '../../../gateway/client/channelTracker.js';
import type { Delivery } from '../../../gateway/client/protocol.js';

const T = 'tm.lane.critical';
function d(offset: number, prev: number, channel = 'risk:ACC-1', partition = 0): Delivery {
  return {
    channel: channel as Delivery['channel'],
    type: 'MARGIN_CALL',
    priority: 'CRITICAL',
    position: { topic: T, partition, offset },
    prev,
    event: {} as Delivery['event'],
  };
}

describe('ChannelTracker', () => {
  it('delivers in order and drops duplicates by position', () => {
    const t = new ChannelTracker('risk:ACC-1', { [`${T}/0`]: 10 });
    expect(t.offerLive(d(9, -1))).toBe('duplicate');
    expect(t.offerLive(d(10, 3))).toBe('deliver');
    expect(t.offerLive(d(12, 10))).toBe('deliver');
    expect(t.offerLive(d(12, 10))).toBe('duplicate');
    expect(t.snapshot()).toEqual({ [`${T}/0`]: 13 });
  });

  it('detects a missed delivery through prev and holds later ones until the resume completes', () => {
    const t = new ChannelTracker('risk:ACC-1', { [`${T}/0`]: 10 });
    expect(t.offerLive(d(10, -1))).toBe('deliver');
    // prev 15 ≥ cursor 11: the record at 15 never arrived.
    expect(t.offerLive(d(20, 15))).toBe('gap');
    expect(t.resuming).toBe(true);
    expect(t.offerLive(d(21, 20))).toBe('held');
    // The replay brings 15 and 20; 20 is then a duplicate of the held one.
    expect(t.offerReplayed(d(15, -1))).toBe('deliver');
    expect(t.offerReplayed(d(20, 15))).toBe('deliver');
    const { deliveries, gap } = t.completeResume({ [`${T}/0`]: 21 });
    expect(gap).toBe(false);
    expect(deliveries.map((x) => x.position.offset)).toEqual([21]);
    expect(t.snapshot()).toEqual({ [`${T}/0`]: 22 });
  });

  it('hands over from replay to live without duplicates or reordering', () => {
    const t = new ChannelTracker('risk:ACC-1', { [`${T}/0`]: 0, [`${T}/1`]: 0 });
    t.beginResume();
    // Live records arrive while the replay runs; some overlap it.
    for (const x of [d(5, 3, undefined, 0), d(6, 5, undefined, 0), d(2, 1, undefined, 1)])
      expect(t.offerLive(x)).toBe('held');
    const replayed = [d(1, -1), d(3, 1), d(5, 3), d(1, -1, undefined, 1), d(2, 1, undefined, 1)].map((x) =>
      t.offerReplayed(x),
    );
    expect(replayed).toEqual(['deliver', 'deliver', 'deliver', 'deliver', 'deliver']);
    const { deliveries } = t.completeResume({ [`${T}/0`]: 6, [`${T}/1`]: 3 });
    expect(deliveries.map((x) => `${x.position.partition}@${x.position.offset}`)).toEqual(['0@6']);
  });

  it('restarts the resume when a held delivery shows another gap', () => {
    const t = new ChannelTracker('risk:ACC-1', { [`${T}/0`]: 0 });
    t.beginResume();
    t.offerLive(d(50, 40));
    const { deliveries, gap } = t.completeResume({ [`${T}/0`]: 30 });
    expect(deliveries).toEqual([]);
    expect(gap).toBe(true);
    expect(t.resuming).toBe(true);
  });

  it('never reports gaps on conflatable market channels', () => {
    const t = new ChannelTracker('market:AAPL', { [`${T}/0`]: 0 });
    expect(t.offerLive(d(10, 7, 'market:AAPL'))).toBe('deliver');
    expect(t.offerLive(d(30, 25, 'market:AAPL'))).toBe('deliver');
  });

  it('never moves the cursor backwards and forgets held deliveries on abort', () => {
    const t = new ChannelTracker('risk:ACC-1', { [`${T}/0`]: 10 });
    t.advanceTo({ [`${T}/0`]: 5, [`${T}/1`]: 7 });
    expect(t.snapshot()).toEqual({ [`${T}/0`]: 10, [`${T}/1`]: 7 });
    t.beginResume();
    t.offerLive(d(11, -1));
    t.abortResume();
    expect(t.resuming).toBe(false);
    expect(t.completeResume(undefined).deliveries).toEqual([]);
  });
});
