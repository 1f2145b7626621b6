// Reads a V8 `.cpuprofile` (node --cpu-prof) and says where the time went: self time per function
// and per area (our folders, each npm package, Node internals, GC, native code), as a share of
// the non-idle samples. Used to name the runtime's biggest bottleneck in the report.

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProfileReport } from './report-model.js';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** The area a frame belongs to: `ours: runtime/`, `avsc`, `node internals`, `GC`… */
export function areaOf(url: string, functionName: string, root: string): string {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'native (program, incl. librdkafka calls)';
  if (url.startsWith('node:') || (url === '' && functionName !== '')) return 'node internals / builtins';
  const pkg = url.match(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (pkg) return pkg[1]!;
  if (url.startsWith('file://')) {
    const rel = relative(root, fileURLToPath(url));
    const top = rel.split('/')[0];
    return top && !rel.startsWith('..') ? `ours: ${top}/` : 'other';
  }
  return 'other';
}

export function summarizeProfile(profile: CpuProfile, file: string, root: string, topN = 15): ProfileReport {
  // Self time per node: sum of the sampling intervals that hit it (hit counts when absent).
  const self = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    for (let i = 0; i < profile.samples.length; i++) {
      const id = profile.samples[i]!;
      self.set(id, (self.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i + 1] ?? profile.timeDeltas[i]!));
    }
  } else for (const n of profile.nodes) self.set(n.id, n.hitCount ?? 0);
  const byFunction = new Map<string, { functionName: string; location: string; time: number }>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const t = self.get(n.id) ?? 0;
    const { functionName, url, lineNumber } = n.callFrame;
    if (t === 0 || functionName === '(idle)') continue;
    total += t;
    const where = url.startsWith('file://') ? relative(root, fileURLToPath(url)) : url || '(native)';
    const location = `${where}${url ? `:${lineNumber + 1}` : ''}`;
    const key = `${functionName}@${location}`;
    const f = byFunction.get(key) ?? { functionName: functionName || '(anonymous)', location, time: 0 };
    f.time += t;
    byFunction.set(key, f);
    const area = areaOf(url, functionName, root);
    byArea.set(area, (byArea.get(area) ?? 0) + t);
  }
  const pct = (t: number) => Math.round((1000 * t) / Math.max(1, total)) / 10;
  return {
    file,
    top: [...byFunction.values()]
      .sort((a, b) => b.time - a.time)
      .slice(0, topN)
      .map((f) => ({ functionName: f.functionName, location: f.location, selfPercent: pct(f.time) })),
    byArea: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, t]) => ({ area, selfPercent: pct(t) })),
  };
}
