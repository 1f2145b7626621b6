// The end-to-end benchmark's arithmetic, pure: joins what the publisher sent (id, send time,
// channel), what landed on the lanes (the probe: position, id, broker append time) and what the
// clients received (position, receive time, client) into per-lane, per-source latency histograms
// for the whole path and its hops, and counts losses at each hop:
//
//   end to end     client receive − publisher send          (per delivery)
//   publish→lane   broker append time on the lane − send    (per lane record: topology + Kafka)
//   lane→client    client receive − broker append time      (per delivery: gateway + Socket.IO)
//
// Lost on the way to the lane: a required record (plan.ts `expectedRecords`) the probe never saw.
// Lost on the way to clients: for each expected record on the lane, each subscriber of its channel
// that received no copy of it (any position carrying its id counts: a re-processed record is a
// duplicate, not a second event).

import * as hdr from 'hdr-histogram-js';
import { familyOf, PRIORITIES, type Priority } from '../../schemas/catalog.js';
import type { LaneRecord } from './lane-probe.js';
import { positionKey } from './lane-probe.js';
import { DELIVERY_FIELDS, type ExpectedRecord } from './plan.js';

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Microsecond histogram (1 µs … 10 min, 3 digits), summarised in ms with 0.1 ms resolution. */
export class MsHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });

  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.h.recordValue(Math.min(600_000_000, Math.max(1, Math.round(ms * 1000))));
  }

  summary(): Percentiles | undefined {
    if (this.h.totalCount === 0) return undefined;
    const ms = (us: number) => Math.round(us / 100) / 10;
    return {
      count: this.h.totalCount,
      p50: ms(this.h.getValueAtPercentile(50)),
      p99: ms(this.h.getValueAtPercentile(99)),
      p999: ms(this.h.getValueAtPercentile(99.9)),
      max: ms(this.h.maxValue),
    };
  }
}

/** Where a lane's events come from: which topology derives them and from which family. */
export type Source =
  | 'risk alerts'
  | 'orders'
  | 'market data'
  | 'portfolio'
  | 'agents'
  | 'system'
  | 'notifications';

export function sourceOf(r: Pick<ExpectedRecord, 'type' | 'via'>): Source {
  if (r.via === 'risk') return 'risk alerts';
  if (r.via === 'portfolio') return 'portfolio';
  switch (familyOf(r.type)) {
    case 'OrderEvent':
      return 'orders';
    case 'MarketDataEvent':
      return 'market data';
    case 'AgentEvent':
      return 'agents';
    case 'SystemEvent':
      return 'system';
    default:
      return 'notifications';
  }
}

export interface RowResult {
  lane: Priority;
  /** Undefined for the lane's total row. */
  source?: Source;
  endToEnd?: Percentiles;
  publishToLane?: Percentiles;
  laneToClient?: Percentiles;
  /** Records expected on the lane (required ones) and found there. */
  expected: number;
  onLane: number;
  lostBeforeLane: number;
  /** Deliveries due (records on the lane × subscribers of their channel) and received. */
  due: number;
  delivered: number;
  lostBeforeClient: number;
  duplicates: number;
}

class Row {
  readonly endToEnd = new MsHistogram();
  readonly publishToLane = new MsHistogram();
  readonly laneToClient = new MsHistogram();
  expected = 0;
  onLane = 0;
  due = 0;
  delivered = 0;
  duplicates = 0;

  constructor(
    readonly lane: Priority,
    readonly source?: Source,
  ) {}

  result(): RowResult {
    return {
      lane: this.lane,
      ...(this.source ? { source: this.source } : {}),
      endToEnd: this.endToEnd.summary(),
      publishToLane: this.publishToLane.summary(),
      laneToClient: this.laneToClient.summary(),
      expected: this.expected,
      onLane: this.onLane,
      lostBeforeLane: this.expected - this.onLane,
      due: this.due,
      delivered: this.delivered,
      lostBeforeClient: this.due - this.delivered,
      duplicates: this.duplicates,
    };
  }
}

export interface AnalysisInput {
  expected: ReadonlyMap<string, ExpectedRecord>;
  laneRecords: Iterable<LaneRecord>;
  /** Client delivery records, `DELIVERY_FIELDS` numbers each (see plan.ts). */
  deliveries: readonly Float64Array[];
  subscribers: ReadonlyMap<string, number>;
}

export interface AnalysisResult {
  /** One total row per lane, then one row per source of that lane. */
  rows: RowResult[];
  /** Lane records with no expected id (warm-up events, optional alerts' siblings, other runs). */
  unexpectedLaneRecords: number;
  /** Deliveries whose position the probe never saw (should be 0). */
  unmatchedDeliveries: number;
}

export function analyse(input: AnalysisInput): AnalysisResult {
  const rows = new Map<string, Row>();
  const rowsOf = (r: ExpectedRecord): [Row, Row] => {
    const source = sourceOf(r);
    const total = rows.get(r.lane) ?? new Row(r.lane);
    rows.set(r.lane, total);
    const bySource = rows.get(`${r.lane}/${source}`) ?? new Row(r.lane, source);
    rows.set(`${r.lane}/${source}`, bySource);
    return [total, bySource];
  };
  for (const r of input.expected.values()) if (r.required) for (const row of rowsOf(r)) row.expected++;

  // First lane record of each expected id; every position, for the deliveries' join.
  const firstOnLane = new Map<string, LaneRecord>();
  const atPosition = new Map<string, LaneRecord>();
  let unexpectedLaneRecords = 0;
  for (const rec of input.laneRecords) {
    atPosition.set(positionKey(rec.lane, rec.partition, rec.offset), rec);
    const exp = rec.id === undefined ? undefined : input.expected.get(rec.id);
    if (!exp) {
      unexpectedLaneRecords++;
      continue;
    }
    const first = firstOnLane.get(exp.id);
    if (first && first.appended <= rec.appended) continue;
    firstOnLane.set(exp.id, rec);
  }
  for (const [id, rec] of firstOnLane) {
    const exp = input.expected.get(id)!;
    for (const row of rowsOf(exp)) {
      if (exp.required) row.onLane++;
      row.publishToLane.record(rec.appended - exp.sent);
      row.due += input.subscribers.get(exp.channel) ?? 0;
    }
  }

  const seen = new Set<string>();
  let unmatchedDeliveries = 0;
  for (const chunk of input.deliveries) {
    for (let i = 0; i + DELIVERY_FIELDS <= chunk.length; i += DELIVERY_FIELDS) {
      const rec = atPosition.get(positionKey(chunk[i]!, chunk[i + 1]!, chunk[i + 2]!));
      const received = chunk[i + 3]!;
      const client = chunk[i + 4]!;
      if (!rec) {
        unmatchedDeliveries++;
        continue;
      }
      const exp = rec.id === undefined ? undefined : input.expected.get(rec.id);
      if (!exp) continue;
      const first = !seen.has(`${exp.id}/${client}`);
      seen.add(`${exp.id}/${client}`);
      for (const row of rowsOf(exp)) {
        if (!first) {
          row.duplicates++;
          continue;
        }
        if (firstOnLane.has(exp.id)) row.delivered++;
        row.endToEnd.record(received - exp.sent);
        row.laneToClient.record(received - rec.appended);
      }
    }
  }

  const order = (r: Row) => PRIORITIES.indexOf(r.lane) * 100 + (r.source ? 1 : 0);
  return {
    rows: [...rows.values()].sort((a, b) => order(a) - order(b)).map((r) => r.result()),
    unexpectedLaneRecords,
    unmatchedDeliveries,
  };
}
