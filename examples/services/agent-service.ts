// The agent orchestrator: trading agents (strategies running unattended) report their lifecycle,
// finished tasks and performance alerts. Each agent moves through a plausible state machine —
// it starts, runs, degrades or pauses for a while and recovers — so a dashboard shows agents whose
// status makes sense over time rather than random flicker.

import { type AgentStatus, type EventOf, ratio } from '../../schemas/index.js';
import { newEvent } from '../events.js';
import { PacedProducer, type PacedProducerOptions } from './paced-producer.js';
import { SeededRandom } from './random.js';

const SOURCE = 'agent-orchestrator';

/** A trading agent and the strategy it runs. */
export interface AgentSpec {
  /** @example 'agent-momentum-01' */
  readonly agentId: string;
  /** @example 'momentum-us-equities-v3' */
  readonly strategyId: string;
}

export const DEMO_AGENTS: readonly AgentSpec[] = [
  { agentId: 'agent-momentum-01', strategyId: 'momentum-us-equities-v3' },
  { agentId: 'agent-meanrev-02', strategyId: 'mean-reversion-etf-v1' },
  { agentId: 'agent-rebalance-03', strategyId: 'portfolio-rebalance-v2' },
];

/** Where each status may go next (STOPPED and FAILED agents are restarted). */
const NEXT_STATUS: Record<AgentStatus, readonly AgentStatus[]> = {
  STARTING: ['RUNNING'],
  RUNNING: ['DEGRADED', 'PAUSED', 'RUNNING'],
  DEGRADED: ['RUNNING', 'FAILED'],
  PAUSED: ['RUNNING', 'STOPPED'],
  STOPPED: ['STARTING'],
  FAILED: ['STARTING'],
};

const REASONS: Partial<Record<AgentStatus, string>> = {
  DEGRADED: 'market data latency above 250 ms for 30 s',
  PAUSED: 'paused by the desk ahead of a macro release',
  FAILED: 'strategy process exited after repeated broker timeouts',
  STOPPED: 'stopped for the end of its trading window',
};

type AgentEventKind = 'AGENT_STATUS_CHANGE' | 'TASK_COMPLETION' | 'PERFORMANCE_ALERT';

/** The agents' state and the next event any of them reports. */
export class AgentSimulator {
  private readonly status = new Map<string, AgentStatus>();
  private taskSeq = 1;

  constructor(
    private readonly random: SeededRandom,
    private readonly agents: readonly AgentSpec[] = DEMO_AGENTS,
  ) {
    for (const a of agents) this.status.set(a.agentId, 'STARTING');
  }

  next(now: number): EventOf<AgentEventKind> {
    const agent = this.random.pick(this.agents);
    const status = this.status.get(agent.agentId) ?? 'STARTING';
    const kind: AgentEventKind =
      status !== 'RUNNING'
        ? 'AGENT_STATUS_CHANGE'
        : this.random.weighted([
            ['TASK_COMPLETION', 70],
            ['AGENT_STATUS_CHANGE', 15],
            ['PERFORMANCE_ALERT', 15],
          ] as const);
    const opts = { source: SOURCE, timestamp: now };
    if (kind === 'AGENT_STATUS_CHANGE') {
      const next = this.random.pick(NEXT_STATUS[status]);
      this.status.set(agent.agentId, next);
      const reason = REASONS[next] ?? null;
      return newEvent(
        'AGENT_STATUS_CHANGE',
        agent.agentId,
        { strategyId: agent.strategyId, previousStatus: status, status: next, reason },
        opts,
      );
    }
    if (kind === 'TASK_COMPLETION') {
      const outcome = this.random.weighted([
        ['SUCCEEDED', 85],
        ['FAILED', 8],
        ['TIMED_OUT', 4],
        ['CANCELLED', 3],
      ] as const);
      const taskType = this.random.pick(['rebalance', 'signal-scan', 'hedge', 'twap-slice']);
      return newEvent(
        'TASK_COMPLETION',
        agent.agentId,
        {
          taskId: `task-${taskType}-${this.taskSeq++}`,
          taskType,
          outcome,
          startedAt: now - this.random.int(500, 60_000),
          completedAt: now,
          ordersPlaced: outcome === 'SUCCEEDED' ? this.random.int(0, 25) : 0,
          errorMessage: outcome === 'FAILED' ? 'venue rejected 3 of 5 child orders' : null,
        },
        opts,
      );
    }
    const metric = this.random.pick(['MAX_DRAWDOWN', 'SLIPPAGE', 'WIN_RATE', 'DECISION_LATENCY'] as const);
    const threshold = this.random.between(0.05, 0.5);
    const over = this.random.between(1.02, 1.4);
    return newEvent(
      'PERFORMANCE_ALERT',
      agent.agentId,
      {
        strategyId: agent.strategyId,
        metric,
        observedValue: ratio(threshold * over),
        thresholdValue: ratio(threshold),
        windowMinutes: this.random.pick([15, 60, 390]),
        severity: over > 1.3 ? 'CRITICAL' : 'WARNING',
      },
      opts,
    );
  }
}

/**
 * The agent orchestrator as a running service.
 *
 * @example
 * const agents = createAgentService({ sink, rate: { ratePerSecond: 1 } });
 * agents.start();
 */
export function createAgentService(
  options: PacedProducerOptions & { readonly agents?: readonly AgentSpec[]; readonly seed?: number },
): PacedProducer {
  const simulator = new AgentSimulator(new SeededRandom(options.seed), options.agents);
  return new PacedProducer(SOURCE, options, (now) => simulator.next(now));
}
