// Loss-free resume: a client sends its cursor per channel, and the gateway replays from Kafka what
// it missed before live delivery continues, or answers RESUME_GAP (behind retention, further behind
// than `replay.maxRecords`, or the read timed out). Requests that arrive together are coalesced:
// one pass over each partition range serves every waiting client, each record decoded once, so a
// mass reconnect after an instance failure costs one read, not one per client.
//
// The caller joins the channel's room before calling `resume`, and the watermarks used as the end
// of the replay are read after that: anything below them is replayed, anything above them is
// produced later and arrives live. The SDK drops what it receives both ways.
//
// A record in the range that can never be decoded (the live fan-out dead-lettered it) is not
// skipped silently: the valid records around it are replayed and the answer is RESUME_GAP listing
// it (`lost`), for the channel its headers and key name — or, when they only name a channel kind,
// for every channel of that kind being resumed over it, marked `exact: false`.

import { type BusError, errorMessage, isBusError, SerdeError } from '../../core/errors.js';
import { HEADERS } from '../../core/headers.js';
import type { Logger } from '../../core/logger.js';
import { RetriesExhaustedError, retry } from '../../core/retry.js';
import type { Priority } from '../../schemas/catalog.js';
import type { ChannelRouter } from '../channels/routing.js';
import { type Channel, isConflatable } from '../client/channels.js';
import {
  type ChannelCursor,
  cursorKey,
  type Delivery,
  type LostRecord,
  type ResumeResult,
} from '../client/protocol.js';
import { decodeEvent, type EventDecoder } from '../decoder.js';
import { laneHeader } from '../delivery/laneSource.js';
import type { GatewayMetrics } from '../metrics.js';
import type { HistoryMessage, HistoryReader, ReadRange } from './historyReader.js';

export interface ResumeServiceOptions {
  reader: HistoryReader;
  decoder: EventDecoder;
  router: ChannelRouter;
  metrics: GatewayMetrics;
  logger: Logger;
  laneTopics: Record<Priority, string>;
  maxRecords: number;
  timeoutMs: number;
  chunkSize: number;
  /** Replay only the latest event per type on market channels. */
  conflateMarketData: boolean;
}

/** Where replayed deliveries go: the socket that asked. */
export interface ReplayTarget {
  readonly connected: boolean;
  sendReplay(channel: Channel, deliveries: Delivery[]): void;
}

interface Pending {
  target: ReplayTarget;
  channel: Channel;
  ranges: Map<string, ReadRange>;
  end: ChannelCursor;
  out: Delivery[];
  latest: Map<string, Delivery> | undefined;
  prev: Map<string, number>;
  replayed: number;
  lost: LostRecord[];
  done: (r: ResumeResult) => void;
}

export class ResumeService {
  private queue: Pending[] = [];
  private running = false;
  private readonly laneOfTopic = new Map<string, Priority>();

  constructor(private readonly o: ResumeServiceOptions) {
    for (const [lane, topic] of Object.entries(o.laneTopics)) this.laneOfTopic.set(topic, lane as Priority);
  }

  /** Every lane partition that can carry `channel`, with its current end, read after `notBefore`. */
  async endCursor(channel: string, notBefore: number): Promise<ChannelCursor> {
    const cursor: ChannelCursor = {};
    for (const lane of this.o.router.lanesOf(channel)) {
      const topic = this.o.laneTopics[lane];
      for (const partition of await this.o.reader.partitions(topic)) {
        cursor[cursorKey(topic, partition)] = (
          await this.o.reader.watermarks(topic, partition, notBefore)
        ).high;
      }
    }
    return cursor;
  }

  /** Replays `channel` from `cursor` to `target`; resolves once every replayed delivery was sent. */
  async resume(
    target: ReplayTarget,
    channel: Channel,
    cursor: ChannelCursor,
    joinedAt: number,
  ): Promise<ResumeResult> {
    const ranges = new Map<string, ReadRange>();
    const end: ChannelCursor = {};
    let behind = 0;
    try {
      for (const lane of this.o.router.lanesOf(channel)) {
        const topic = this.o.laneTopics[lane];
        for (const partition of await this.o.reader.partitions(topic)) {
          const key = cursorKey(topic, partition);
          const { low, high } = await this.o.reader.watermarks(topic, partition, joinedAt);
          end[key] = high;
          // A partition missing from the cursor appeared after the client subscribed: read it all.
          const from = cursor[key] ?? low;
          if (from < low)
            return this.gap(channel, end, `records of ${key} before offset ${low} are past retention`);
          if (from > high)
            return this.gap(channel, end, `cursor ${key}@${from} is beyond the end of the log (${high})`);
          behind += high - from;
          if (high > from) ranges.set(key, { topic, partition, from, to: high });
        }
      }
    } catch (err) {
      return this.gap(channel, end, `replay unavailable: ${errorMessage(err)}`);
    }
    this.o.logger.debug({ channel, behind, ranges: [...ranges.values()] }, 'resume planned');
    if (behind > this.o.maxRecords) {
      return this.gap(
        channel,
        end,
        `${behind} records behind, more than replay.maxRecords (${this.o.maxRecords})`,
      );
    }
    this.o.metrics.replays++;
    if (ranges.size === 0) return { channel, ok: true, replayed: 0, cursor: end };
    return new Promise((done) => {
      this.queue.push({
        target,
        channel,
        ranges,
        end,
        out: [],
        latest: this.o.conflateMarketData && isConflatable(channel) ? new Map() : undefined,
        prev: new Map(),
        replayed: 0,
        lost: [],
        done,
      });
      void this.drain();
    });
  }

  private gap(channel: string, end: ChannelCursor, reason: string): ResumeResult {
    this.o.metrics.resumeGaps++;
    return { channel, ok: false, code: 'RESUME_GAP', reason, cursor: end };
  }

  /** Runs coalesced passes until no request waits. */
  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.pass(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async pass(batch: Pending[]): Promise<void> {
    const union = new Map<string, ReadRange>();
    const byChannel = new Map<string, Pending[]>();
    for (const p of batch) {
      byChannel.set(p.channel, [...(byChannel.get(p.channel) ?? []), p]);
      for (const [key, r] of p.ranges) {
        const u = union.get(key);
        union.set(key, u ? { ...u, from: Math.min(u.from, r.from), to: Math.max(u.to, r.to) } : { ...r });
      }
    }
    const deadline = Date.now() + this.o.timeoutMs;
    try {
      await this.o.reader.read([...union.values()], deadline, (messages) =>
        this.route(messages, byChannel, deadline),
      );
    } catch (err) {
      this.o.logger.warn({ err, requests: batch.length }, 'replay failed');
      for (const p of batch) p.done(this.gap(p.channel, p.end, `replay failed: ${errorMessage(err)}`));
      return;
    }
    for (const p of batch) {
      if (p.latest) p.out.push(...p.latest.values());
      this.flush(p);
      this.o.metrics.replayedRecords += p.replayed;
      if (p.lost.length > 0) p.done(this.lostGap(p));
      else p.done({ channel: p.channel, ok: true, replayed: p.replayed, cursor: p.end });
    }
  }

  private lostGap(p: Pending): ResumeResult {
    this.o.metrics.resumeGaps++;
    const first = p.lost[0]!;
    const where = `${cursorKey(first.position.topic, first.position.partition)}@${first.position.offset}`;
    return {
      channel: p.channel,
      ok: false,
      code: 'RESUME_GAP',
      reason: `${p.lost.length} record(s) ${first.exact ? 'of this channel' : 'that may belong to this channel'} could not be decoded and were dead-lettered by the gateway (first: ${where}, ${first.code}); the others were replayed`,
      cursor: p.end,
      replayed: p.replayed,
      lost: p.lost,
    };
  }

  /**
   * Decodes a replayed record. A registry outage is retried until the replay's deadline, then
   * fails the pass (RESUME_GAP "replay failed"); a record that can never decode comes back as the
   * error, to be reported as lost.
   */
  private async decode(m: HistoryMessage & { value: Buffer }, deadline: number) {
    const ctx = { topic: m.topic, partition: m.partition, offset: m.offset };
    try {
      return await retry(() => decodeEvent(this.o.decoder, m.value, ctx), {
        retries: Number.POSITIVE_INFINITY,
        maxElapsedMs: Math.max(0, deadline - Date.now()),
        initialDelayMs: 100,
        maxDelayMs: 2_000,
        isRetriable: (e) => isBusError(e) && e.retriable,
      });
    } catch (err) {
      if (err instanceof RetriesExhaustedError || (isBusError(err) && err.retriable)) throw err;
      return isBusError(err)
        ? err
        : new SerdeError('SERDE_DECODE', errorMessage(err), { cause: err, context: ctx });
    }
  }

  /** Reports an undecodable record to the requests its headers and key say it may belong to. */
  private noteLost(m: HistoryMessage, error: BusError, byChannel: Map<string, Pending[]>): void {
    const type = m.headers ? laneHeader(m.headers, HEADERS.eventType)?.toString('utf8') : undefined;
    const key = m.key == null ? undefined : m.key.toString();
    const route = this.o.router.routeOfUndecodable(type, key);
    const exact = 'channel' in route;
    const prefix = 'channel' in route ? undefined : route.kind ? `${route.kind}:` : '';
    const tp = cursorKey(m.topic, m.partition);
    for (const [channel, waiting] of byChannel) {
      if (exact ? channel !== route.channel : !channel.startsWith(prefix!)) continue;
      for (const p of waiting) {
        const range = p.ranges.get(tp);
        if (!range || m.offset < range.from || m.offset >= range.to) continue;
        p.lost.push({
          position: { topic: m.topic, partition: m.partition, offset: m.offset },
          code: error.code,
          reason: errorMessage(error),
          exact,
        });
        // The next replayed delivery links to the lost record, as the live one does.
        p.prev.set(tp, m.offset);
      }
    }
  }

  private async route(
    messages: HistoryMessage[],
    byChannel: Map<string, Pending[]>,
    deadline: number,
  ): Promise<void> {
    for (const m of messages) {
      if (!m.value) continue;
      const event = await this.decode(m as HistoryMessage & { value: Buffer }, deadline);
      if (event instanceof Error) {
        this.noteLost(m, event, byChannel);
        continue;
      }
      const channel = this.o.router.channelOf(event);
      const waiting = channel ? byChannel.get(channel) : undefined;
      if (!channel || !waiting) continue;
      const key = cursorKey(m.topic, m.partition);
      const priority = this.laneOfTopic.get(m.topic) ?? event.header.priority;
      for (const p of waiting) {
        const range = p.ranges.get(key);
        if (!range || m.offset < range.from || m.offset >= range.to || !p.target.connected) continue;
        const d: Delivery = {
          channel,
          type: event.header.eventType,
          priority,
          position: { topic: m.topic, partition: m.partition, offset: m.offset },
          prev: p.prev.get(key) ?? -1,
          event,
        };
        p.prev.set(key, m.offset);
        p.replayed++;
        if (p.latest) {
          // Market data: only the latest of each event type matters to a client catching up.
          p.latest.delete(d.type);
          p.latest.set(d.type, d);
        } else {
          p.out.push(d);
          if (p.out.length >= this.o.chunkSize) this.flush(p);
        }
      }
    }
  }

  private flush(p: Pending): void {
    if (p.out.length === 0) return;
    if (p.target.connected) p.target.sendReplay(p.channel, p.out);
    p.out = [];
  }
}
