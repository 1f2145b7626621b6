// `describe()` and `describeMermaid()`: the compiled topology as Kafka Streams-style text
// (sub-topologies; Source / Processor / Sink lines; `-->` successors and `<--` predecessors;
// stores per processor) and as a Mermaid flowchart with topics and stores as their own shapes.

import type { GraphNode } from './graph/node.js';
import { SinkNode } from './graph/sinkNode.js';

/** What describe needs of a compiled topology. */
export interface DescribedTopology {
  readonly subtopologies: {
    readonly id: number;
    readonly nodes: readonly GraphNode[];
    readonly topicsOf: (node: GraphNode) => string[];
  }[];
}

const names = (nodes: readonly GraphNode[]): string =>
  nodes.length === 0 ? 'none' : [...new Set(nodes.map((n) => n.name))].sort().join(', ');

/**
 * Kafka Streams' `TopologyDescription` text.
 *
 * @example
 * Topologies:
 *    Sub-topology: 0
 *     Source: SOURCE-0000000000 (topics: [tm.orders])
 *       --> FILTER-0000000001
 *     Processor: FILTER-0000000001 (stores: [])
 *       --> SINK-0000000002
 *       <-- SOURCE-0000000000
 *     Sink: SINK-0000000002 (topic: tm.lane.high)
 *       <-- FILTER-0000000001
 */
export function describeText(topology: DescribedTopology): string {
  const lines = ['Topologies:'];
  for (const sub of topology.subtopologies) {
    lines.push(`   Sub-topology: ${sub.id}`);
    for (const n of sub.nodes) {
      const topics = sub.topicsOf(n);
      if (n.role === 'source') {
        lines.push(
          `    Source: ${n.name} (topics: [${topics.join(', ')}])`,
          `      --> ${names(n.children)}`,
        );
      } else if (n instanceof SinkNode) {
        const target =
          n.target.kind === 'topic'
            ? `topic: ${topics[0]}`
            : `extractor: ${n.target.label}, topics: [${topics.join(', ')}]`;
        lines.push(`    Sink: ${n.name} (${target})`, `      <-- ${names(n.parents)}`);
      } else {
        lines.push(
          `    Processor: ${n.name} (stores: [${n.storeNames.join(', ')}])`,
          `      --> ${names(n.children)}`,
          `      <-- ${names(n.parents)}`,
        );
      }
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

const quote = (s: string) => s.replaceAll('"', '#quot;');

/**
 * A Mermaid flowchart: one subgraph per sub-topology, topics as stadiums, stores as cylinders.
 *
 * @example
 * flowchart LR
 *   subgraph sub0["Sub-topology 0"]
 *     n0[/"SOURCE-0000000000"/]
 *   end
 *   t0(["tm.orders"]) --> n0
 */
export function describeMermaid(topology: DescribedTopology): string {
  const lines = ['flowchart LR'];
  const topicIds = new Map<string, string>();
  const storeIds = new Map<string, string>();
  const edges: string[] = [];
  const topicId = (t: string) => {
    if (!topicIds.has(t)) topicIds.set(t, `t${topicIds.size}`);
    return topicIds.get(t) as string;
  };
  for (const sub of topology.subtopologies) {
    lines.push(`  subgraph sub${sub.id}["Sub-topology ${sub.id}"]`);
    for (const n of sub.nodes) {
      const label = quote(n.name);
      const shape =
        n.role === 'source' ? `[/"${label}"/]` : n.role === 'sink' ? `[\\"${label}"\\]` : `["${label}"]`;
      lines.push(`    n${n.id}${shape}`);
      for (const c of n.children) edges.push(`  n${n.id} --> n${c.id}`);
      if (n.role === 'source') for (const t of sub.topicsOf(n)) edges.push(`  ${topicId(t)} --> n${n.id}`);
      if (n.role === 'sink') for (const t of sub.topicsOf(n)) edges.push(`  n${n.id} --> ${topicId(t)}`);
      for (const s of n.storeNames) {
        if (!storeIds.has(s)) storeIds.set(s, `s${storeIds.size}`);
        edges.push(`  n${n.id} -.- ${storeIds.get(s)}`);
      }
    }
    lines.push('  end');
  }
  for (const [t, id] of topicIds) lines.push(`  ${id}(["${quote(t)}"])`);
  for (const [s, id] of storeIds) lines.push(`  ${id}[("${quote(s)}")]`);
  return `${[...lines, ...edges].join('\n')}\n`;
}
