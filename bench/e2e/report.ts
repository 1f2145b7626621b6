// The end-to-end benchmark's Markdown: one table of every lane (its total row against SPEC §3's
// budget, then one row per source of its events), a line per lane saying whether its p99 is within
// budget and, when not, which hop spends what, and the context that explains the figures (offered
// and published rate, CPU of each process, the gateway's own lag and event-loop delay, load).

import { PRIORITIES, PRIORITY_BUDGET_MS } from '../../schemas/catalog.js';
import type { AnalysisResult, Percentiles, RowResult } from './analysis.js';

const fmt = (
  p: Percentiles | undefined,
  keys: readonly ('p50' | 'p99' | 'p999')[] = ['p50', 'p99', 'p999'],
) => (p ? keys.map((k) => p[k]).join(' / ') : '—');

function row(r: RowResult): string {
  const name = r.source ? `  ${r.source}` : `**${r.lane}** (≤ ${PRIORITY_BUDGET_MS[r.lane]} ms)`;
  const p99 = r.endToEnd?.p99;
  const verdict = r.source || p99 === undefined ? '' : p99 <= PRIORITY_BUDGET_MS[r.lane] ? 'yes' : '**no**';
  return [
    name,
    r.onLane,
    fmt(r.endToEnd),
    verdict,
    fmt(r.publishToLane, ['p50', 'p99']),
    fmt(r.laneToClient, ['p50', 'p99']),
    `${r.delivered} / ${r.due}`,
    r.lostBeforeLane,
    r.lostBeforeClient,
  ].join(' | ');
}

/**
 * Per lane: within budget, or which hop spends what. `conflated`: market updates the gateway
 * conflated (its metric), which may account for market data missing at clients — the gateway
 * conflates market data by design when it or a client is behind, and nothing else.
 */
export function verdicts(result: AnalysisResult, conflated = 0): string[] {
  return PRIORITIES.flatMap((lane) => {
    const total = result.rows.find((r) => r.lane === lane && !r.source);
    if (!total?.endToEnd) return [`- ${lane}: no deliveries measured`];
    const budget = PRIORITY_BUDGET_MS[lane];
    const { p99 } = total.endToEnd;
    const hops = `publish→lane p99 ${total.publishToLane?.p99 ?? '—'} ms, lane→client p99 ${total.laneToClient?.p99 ?? '—'} ms`;
    const lost = total.lostBeforeLane + total.lostBeforeClient;
    const market = result.rows.find((r) => r.lane === lane && r.source === 'market data');
    const onlyConflatable =
      total.lostBeforeLane === 0 &&
      total.lostBeforeClient > 0 &&
      market?.lostBeforeClient === total.lostBeforeClient &&
      total.lostBeforeClient <= conflated;
    const loss =
      lost === 0
        ? 'nothing lost'
        : onlyConflatable
          ? `${total.lostBeforeClient} market-data deliveries not made, within the ${conflated} market updates the gateway conflated (by design when behind); nothing else missing`
          : `${total.lostBeforeLane} records missing on the lane, ${total.lostBeforeClient} deliveries missing at clients (after the drain)`;
    if (p99 <= budget) return [`- ${lane}: p99 ${p99} ms within ${budget} ms (${hops}); ${loss}`];
    const worst = result.rows
      .filter((r) => r.lane === lane && r.source && r.endToEnd)
      .sort((a, b) => (b.endToEnd?.p99 ?? 0) - (a.endToEnd?.p99 ?? 0))[0];
    const a = total.publishToLane?.p99 ?? 0;
    const b = total.laneToClient?.p99 ?? 0;
    const spender =
      a >= b
        ? 'publish→lane (publisher + topology on the runtime + Kafka)'
        : 'lane→client (gateway + Socket.IO)';
    return [
      `- ${lane}: p99 ${p99} ms OVER ${budget} ms — ${hops}; the larger hop is ${spender}` +
        (worst?.source ? `; slowest source: ${worst.source} (p99 ${worst.endToEnd?.p99} ms)` : '') +
        `; ${loss}`,
    ];
  });
}

export function markdownTable(result: AnalysisResult): string {
  return [
    '| lane (budget) / source | on lane | end to end p50 / p99 / p99.9 ms | p99 within budget | publish→lane p50 / p99 | lane→client p50 / p99 | delivered / due | missing on lane | missing at clients |',
    '|---|---|---|---|---|---|---|---|---|',
    ...result.rows.map((r) => `| ${row(r)} |`),
  ].join('\n');
}
