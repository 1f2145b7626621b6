// Graph queries the build passes share: the sources upstream of a node (within its
// sub-topology), the split into sub-topologies (connected by parent edges and shared stores, cut
// at repartition topics), and cycles through topics.

import type { GraphNode } from './node.js';
import { SinkNode } from './sinkNode.js';
import { SourceNode } from './sourceNode.js';

/** The source nodes a node's records come from (following parents, not topics). */
export function upstreamSources(node: GraphNode): SourceNode[] {
  const found = new Set<SourceNode>();
  const seen = new Set<GraphNode>();
  const visit = (n: GraphNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n instanceof SourceNode) found.add(n);
    for (const p of n.parents) visit(p);
  };
  visit(node);
  return [...found].sort((a, b) => a.id - b.id);
}

/** Sub-topologies: groups of nodes connected by parent edges or a shared store, ordered by first node. */
export function groupSubtopologies(nodes: readonly GraphNode[]): GraphNode[][] {
  const parent = new Map<GraphNode, GraphNode>();
  const find = (n: GraphNode): GraphNode => {
    let root = n;
    while (parent.get(root) !== root) root = parent.get(root) as GraphNode;
    parent.set(n, root);
    return root;
  };
  const union = (a: GraphNode, b: GraphNode) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra.id < rb.id ? rb : ra, ra.id < rb.id ? ra : rb);
  };
  for (const n of nodes) parent.set(n, n);
  const storeOwner = new Map<string, GraphNode>();
  for (const n of nodes) for (const s of n.stores) storeOwner.set(s.name, n);
  for (const n of nodes) {
    for (const p of n.parents) union(n, p);
    for (const s of n.connectedStores) {
      const owner = storeOwner.get(s);
      if (owner) union(n, owner);
    }
  }
  const groups = new Map<GraphNode, GraphNode[]>();
  for (const n of nodes) {
    const root = find(n);
    const group = groups.get(root) ?? [];
    group.push(n);
    groups.set(root, group);
  }
  return [...groups.values()]
    .map((g) => g.sort((a, b) => a.id - b.id))
    .sort((a, b) => (a[0] as GraphNode).id - (b[0] as GraphNode).id);
}

/** An edge of the cycle search: to a child, or through a topic to a source reading it. */
interface Step {
  readonly to: GraphNode;
  readonly topic?: string;
}

function steps(node: GraphNode, readers: Map<string, SourceNode[]>): Step[] {
  const out: Step[] = node.children.map((to) => ({ to }));
  if (node instanceof SinkNode) {
    for (const t of node.topicRefs) {
      const key = `${t.internal ? 'internal:' : ''}${t.name}`;
      for (const to of readers.get(key) ?? []) out.push({ to, topic: t.name });
    }
  }
  return out;
}

/** A cycle as text (`A → B → topic 'x' → A`), or undefined when the graph has none. */
export function findCycle(nodes: readonly GraphNode[]): { path: string; first: GraphNode } | undefined {
  const readers = new Map<string, SourceNode[]>();
  for (const n of nodes) {
    if (!(n instanceof SourceNode)) continue;
    for (const t of n.topics) {
      const key = `${t.internal ? 'internal:' : ''}${t.name}`;
      readers.set(key, [...(readers.get(key) ?? []), n]);
    }
  }
  const state = new Map<GraphNode, 'open' | 'done'>();
  const trail: { node: GraphNode; via?: string }[] = [];
  let start: GraphNode | undefined;
  const visit = (node: GraphNode, via?: string): string | undefined => {
    state.set(node, 'open');
    trail.push({ node, via });
    for (const step of steps(node, readers)) {
      const s = state.get(step.to);
      if (s === 'open') {
        const from = trail.findIndex((t) => t.node === step.to);
        const loop = [...trail.slice(from), { node: step.to, via: step.topic }];
        start = step.to;
        return loop
          .map((t, i) => (i > 0 && t.via ? `topic '${t.via}' → ${t.node.name}` : t.node.name))
          .join(' → ');
      }
      if (s === undefined) {
        const found = visit(step.to, step.topic);
        if (found) return found;
      }
    }
    trail.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const n of nodes) {
    if (state.has(n)) continue;
    const path = visit(n);
    if (path) return { path, first: start ?? n };
  }
  return undefined;
}
