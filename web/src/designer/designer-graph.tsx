import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Connection,
  type Edge,
  type Node,
  type NodeProps,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { Graph, StateInfo, Transition } from './model';
import { useI18n, useMessages } from '../i18n/index';
import { designerMessages } from './messages';

export interface Heat {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  oldestAt: string | null;
}
interface StateData extends Record<string, unknown> {
  info: StateInfo;
  problems: string[];
  heat: Heat | null;
  heatLevel: number | null;
  heatText: string | null;
  start: boolean;
}
type StateNode = Node<StateData, 'state'>;

/** One state: its name, the role of its task, its live counts and its first problem. */
const StateBox = memo(function StateBox({ data }: NodeProps<StateNode>) {
  const { info, problems, heatText } = data;
  return (
    <>
      <Handle type="target" position={Position.Top} />
      <div className="pn-name">{info.name}</div>
      {info.role && <div className="pn-role">{info.role}</div>}
      {heatText && (
        <div className="pn-heat" data-testid={`heat-${info.name}`}>
          {heatText}
        </div>
      )}
      {problems.length > 0 && (
        <div className="pn-problem" data-testid={`problem-${info.name}`}>
          ⚠ {problems[0]}
          {problems.length > 1 ? ` (+${problems.length - 1})` : ''}
        </div>
      )}
      <Handle type="source" position={Position.Bottom} />
    </>
  );
});
const nodeTypes = { state: StateBox };

/** Layers by distance from the start state; states nothing reaches go last. */
function positions(g: Graph): Map<string, { x: number; y: number }> {
  const next = new Map<string, string[]>();
  for (const t of g.transitions) next.set(t.from, [...(next.get(t.from) ?? []), t.to]);
  const names = new Set(g.states.map((s) => s.name));
  const depth = new Map<string, number>();
  const start = g.start && names.has(g.start) ? g.start : g.states[0]?.name;
  const queue = start ? [start] : [];
  if (start) depth.set(start, 0);
  while (queue.length) {
    const s = queue.shift()!;
    for (const t of next.get(s) ?? [])
      if (!depth.has(t) && names.has(t)) {
        depth.set(t, depth.get(s)! + 1);
        queue.push(t);
      }
  }
  const maxDepth = Math.max(0, ...depth.values());
  const perLayer = new Map<number, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const s of g.states) {
    const d = depth.get(s.name) ?? maxDepth + 1;
    const i = perLayer.get(d) ?? 0;
    perLayer.set(d, i + 1);
    out.set(s.name, { x: i * 200, y: d * 115 });
  }
  return out;
}

export interface DesignerGraphProps {
  graph: Graph;
  problems: Map<string, string[]>;
  heat: Map<string, Heat> | null;
  heatText: (h: Heat) => string;
  editable: boolean;
  selected: { node?: string; edge?: string };
  label: string;
  onSelect: (s: { node?: string; edge?: string }) => void;
  onConnect: (from: string, to: string) => void;
  onDeleteStates: (names: string[]) => void;
  onDeleteTransitions: (t: Transition[]) => void;
}

/** The process graph: nodes are states, edges transitions; editable when the user may write. */
export default function DesignerGraph(p: DesignerGraphProps) {
  return (
    <ReactFlowProvider>
      <Flow {...p} />
    </ReactFlowProvider>
  );
}

function Flow(p: DesignerGraphProps) {
  const flow = useReactFlow();
  const t = useMessages(designerMessages);
  const aria = useMemo(
    () => ({
      'node.a11yDescription.default': t('designer.a11y.node'),
      'node.a11yDescription.keyboardDisabled': t('designer.a11y.node'),
      'edge.a11yDescription.default': t('designer.a11y.edge'),
      'controls.ariaLabel': t('designer.a11y.controls'),
      'controls.zoomIn.ariaLabel': t('designer.a11y.zoomIn'),
      'controls.zoomOut.ariaLabel': t('designer.a11y.zoomOut'),
      'controls.fitView.ariaLabel': t('designer.a11y.fitView'),
    }),
    [t],
  );
  const laid = useMemo(() => positions(p.graph), [p.graph]);
  const maxCount = useMemo(() => Math.max(1, ...[...(p.heat?.values() ?? [])].map((h) => h.count)), [p.heat]);
  const [nodes, setNodes, onNodesChange] = useNodesState<StateNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);

  useEffect(() => {
    setNodes((prev) => {
      // A state keeps the place the user dragged it to; new states get the layered place.
      const moved = new Map(prev.map((n) => [n.id, n.position]));
      // Selection belongs to the graph (click, keyboard); the parent only listens to it.
      const picked = new Set(prev.filter((n) => n.selected).map((n) => n.id));
      return p.graph.states.map((s) => {
        const problems = p.problems.get(s.name) ?? [];
        const h = p.heat?.get(s.name) ?? null;
        const level = h && h.count > 0 ? Math.min(1, h.count / maxCount) : null;
        return {
          id: s.name,
          type: 'state' as const,
          position: moved.get(s.name) ?? laid.get(s.name)!,
          selected: picked.has(s.name),
          data: {
            info: s,
            problems,
            heat: h,
            heatLevel: level,
            heatText: h ? p.heatText(h) : null,
            start: s.name === p.graph.start,
          },
          className: `pnode pnode-${s.kind}${problems.length ? ' pnode-error' : ''}${h ? ' pnode-heat' : ''}`,
          style:
            level !== null
              ? { background: `hsl(${Math.round(45 - 45 * level)} 92% ${Math.round(90 - 22 * level)}%)` }
              : {},
          ariaLabel: [s.name, s.role, h ? p.heatText(h) : null, ...problems].filter(Boolean).join(' — '),
          deletable: p.editable,
          connectable: p.editable,
        };
      });
    });
  }, [p.graph, p.problems, p.heat, p.heatText, p.editable, laid, maxCount, setNodes]);

  useEffect(() => {
    setEdges((prev) => {
      const picked = new Set(prev.filter((e) => e.selected).map((e) => e.id));
      return p.graph.transitions.map((t) => {
        const label = t.kind === 'on' ? t.event! : (t.when ?? '');
        return {
          id: t.id,
          source: t.from,
          target: t.to,
          selected: picked.has(t.id),
          label: label.length > 28 ? `${label.slice(0, 27)}…` : label,
          markerEnd: { type: MarkerType.ArrowClosed },
          style: { strokeWidth: 1.4, ...(t.kind === 'always' ? { strokeDasharray: '4 3' } : {}) },
          labelStyle: { fontSize: 10 },
          deletable: p.editable,
          ariaLabel: `${t.from} → ${t.to}${label ? `: ${label}` : ''}`,
        };
      });
    });
  }, [p.graph, p.editable, setEdges]);

  // A state added, removed or renamed: show the whole graph again once it is measured.
  const ids = p.graph.states.map((s) => s.name).join('|');
  const firstIds = useRef(ids);
  useEffect(() => {
    if (ids === firstIds.current) return;
    firstIds.current = ids;
    const timer = setTimeout(() => {
      void flow.fitView({ duration: 150 });
    }, 60);
    return () => clearTimeout(timer);
  }, [ids, flow]);

  // xyflow calls this from an effect whenever its identity changes: keep it stable.
  const latest = useRef(p);
  latest.current = p;
  const onSelectionChange = useCallback(({ nodes: ns, edges: es }: OnSelectionChangeParams) => {
    const node = ns[0]?.id;
    const edge = node ? undefined : es[0]?.id;
    const { selected, onSelect } = latest.current;
    if (node !== selected.node || edge !== selected.edge)
      onSelect({ ...(node ? { node } : {}), ...(edge ? { edge } : {}) });
  }, []);
  const onConnect = (c: Connection) => {
    if (c.source && c.target) p.onConnect(c.source, c.target);
  };
  const onDelete = ({ nodes: ns, edges: es }: { nodes: Node[]; edges: Edge[] }) => {
    if (ns.length) {
      p.onDeleteStates(ns.map((n) => n.id));
      return;
    }
    const byId = new Map(p.graph.transitions.map((t) => [t.id, t]));
    p.onDeleteTransitions(es.map((e) => byId.get(e.id)).filter((t): t is Transition => Boolean(t)));
  };

  return (
    <div className="process-graph designer-graph" role="group" aria-label={p.label}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onSelectionChange={onSelectionChange}
        onConnect={onConnect}
        onDelete={onDelete}
        nodesConnectable={p.editable}
        nodesDraggable
        elementsSelectable
        deleteKeyCode={p.editable ? ['Delete', 'Backspace'] : null}
        fitView
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={aria}
      >
        <Background />
        <Controls showInteractive={false} position="top-right" />
      </ReactFlow>
    </div>
  );
}
