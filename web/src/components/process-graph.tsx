import { useMemo } from 'react';
import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { parse } from 'yaml';
import { useI18n } from '../i18n/index';

interface StateDef { always?: unknown; on?: Record<string, unknown>; terminal?: boolean; exception?: unknown; task?: { kind?: string; role?: string } }
interface Definition { start?: string; states?: Record<string, StateDef> }

/** Targets of one transition value: "state", {to, when}, or a list of those. */
function targets(v: unknown): { to: string; when?: string }[] {
  if (typeof v === 'string') return [{ to: v }];
  if (Array.isArray(v)) return v.flatMap(targets);
  if (v && typeof v === 'object' && typeof (v as { to?: unknown }).to === 'string') {
    const o = v as { to: string; when?: unknown };
    return [{ to: o.to, ...(typeof o.when === 'string' ? { when: o.when } : {}) }];
  }
  return [];
}

/** States laid out in layers by distance from the start state; transitions as labelled edges. */
export function layout(def: Definition): { nodes: Node[]; edges: Edge[] } {
  const states = def.states ?? {};
  const names = Object.keys(states);
  const edges: Edge[] = [];
  const next = new Map<string, string[]>();
  for (const [name, st] of Object.entries(states)) {
    const out: { to: string; label: string }[] = [];
    for (const tr of targets(st.always)) out.push({ to: tr.to, label: tr.when ?? '' });
    for (const [event, v] of Object.entries(st.on ?? {})) for (const tr of targets(v)) out.push({ to: tr.to, label: event });
    next.set(name, out.map((o) => o.to));
    out.forEach((o, i) => edges.push({
      id: `${name}-${o.to}-${i}`, source: name, target: o.to, label: o.label.length > 28 ? `${o.label.slice(0, 27)}…` : o.label,
      markerEnd: { type: MarkerType.ArrowClosed }, style: { strokeWidth: 1.4 }, labelStyle: { fontSize: 10 },
    }));
  }
  const depth = new Map<string, number>();
  const start = def.start && states[def.start] ? def.start : names[0];
  const queue = start ? [start] : [];
  if (start) depth.set(start, 0);
  while (queue.length) {
    const s = queue.shift()!;
    for (const t of next.get(s) ?? []) if (!depth.has(t) && states[t]) { depth.set(t, depth.get(s)! + 1); queue.push(t); }
  }
  const maxDepth = Math.max(0, ...depth.values());
  for (const n of names) if (!depth.has(n)) depth.set(n, maxDepth + 1);
  const perLayer = new Map<number, number>();
  const nodes: Node[] = names.map((n) => {
    const d = depth.get(n)!;
    const i = perLayer.get(d) ?? 0;
    perLayer.set(d, i + 1);
    const st = states[n]!;
    const kind = st.terminal ? 'terminal' : st.exception ? 'exception' : st.task ? 'task' : n === start ? 'start' : 'state';
    return {
      id: n, position: { x: i * 210, y: d * 110 }, data: { label: st.task?.role ? `${n}\n(${st.task.role})` : n },
      className: `pnode pnode-${kind}`, connectable: false,
    };
  });
  return { nodes, edges };
}

export default function ProcessGraph({ source }: { source: string }) {
  const { t } = useI18n();
  const graph = useMemo(() => {
    try { return layout(parse(source) as Definition); } catch { return null; }
  }, [source]);
  if (!graph) return <p className="form-error">{t('processes.unreadable')}</p>;
  return (
    <div className="process-graph" role="img" aria-label={t('processes.graphLabel', { count: graph.nodes.length })}>
      <ReactFlow nodes={graph.nodes} edges={graph.edges} fitView nodesDraggable={false} nodesConnectable={false} proOptions={{ hideAttribution: true }} minZoom={0.2}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
