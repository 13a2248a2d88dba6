import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
import {
  Background,
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  getBezierPath,
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
  type EdgeProps,
  type Node,
  type NodeProps,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { Graph, StateInfo, Transition } from './model';
import { LABEL_MAX, layoutGraph, NODE_HEIGHT, NODE_WIDTH, pathThrough, type EdgeRoute, type Point } from './layout';
import { useMessages } from '../i18n/index';
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

/** What an edge says: the event, or the condition of an automatic transition, cut to fit. */
function edgeText(t: Transition): string {
  const label = t.kind === 'on' ? t.event! : (t.when ?? '');
  return label.length > LABEL_MAX ? `${label.slice(0, LABEL_MAX - 1)}…` : label;
}

type RoutedEdge = Edge<{ route: EdgeRoute | null }, 'routed'>;
const near = (a: Point | undefined, x: number, y: number) =>
  a !== undefined && Math.abs(a.x - x) <= NODE_WIDTH / 2 + 4 && Math.abs(a.y - y) <= NODE_HEIGHT;

/**
 * A transition drawn along the route the layout chose, its label where the layout kept room
 * for it; once the user drags a state away from its place, a plain curve between the handles.
 */
const RoutedEdgeView = memo(function RoutedEdgeView(p: EdgeProps<RoutedEdge>) {
  const route = p.data?.route ?? null;
  let path: string;
  let at: Point;
  if (route && near(route.points[0], p.sourceX, p.sourceY) && near(route.points.at(-1), p.targetX, p.targetY)) {
    path = pathThrough([{ x: p.sourceX, y: p.sourceY }, ...route.points.slice(1, -1), { x: p.targetX, y: p.targetY }]);
    at = route.label;
  } else {
    const [bezier, x, y] = getBezierPath(p);
    path = bezier;
    at = { x, y };
  }
  return (
    <>
      <BaseEdge id={p.id} path={path} markerEnd={p.markerEnd} style={p.style} interactionWidth={16} />
      {p.label && (
        <EdgeLabelRenderer>
          <div
            className={`edge-label nodrag nopan${p.selected ? ' selected' : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${at.x}px, ${at.y}px)` }}
          >
            {p.label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});
const edgeTypes = { routed: RoutedEdgeView };
/**
 * The first view never shrinks text below this: a large process opens readable and is panned
 * (or zoomed out with the controls) rather than shown whole in type nobody can read.
 */
const READABLE_ZOOM = 0.8;

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
  const layout = useMemo(() => {
    const texts = new Map(p.graph.transitions.map((t) => [t.id, edgeText(t)]));
    return layoutGraph(p.graph, (id) => texts.get(id) ?? '');
  }, [p.graph]);
  const laid = layout.nodes;
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
      return p.graph.transitions.map((t): RoutedEdge => {
        const label = edgeText(t);
        return {
          id: t.id,
          type: 'routed',
          source: t.from,
          target: t.to,
          selected: picked.has(t.id),
          label,
          data: { route: layout.edges.get(t.id) ?? null },
          markerEnd: { type: MarkerType.ArrowClosed },
          style: { strokeWidth: 1.4, ...(t.kind === 'always' ? { strokeDasharray: '4 3' } : {}) },
          deletable: p.editable,
          ariaLabel: `${t.from} → ${t.to}${t.kind === 'on' ? `: ${t.event}` : t.when ? `: ${t.when}` : ''}`,
        };
      });
    });
  }, [p.graph, p.editable, layout, setEdges]);

  // The first view: the whole graph when it fits readably; else the start state at the top, readable.
  const box = useRef<HTMLDivElement>(null);
  const openView = useCallback(() => {
    const el = box.current;
    const points = [...layout.nodes.values()];
    if (!el || !points.length) return;
    const width = Math.max(...points.map((pt) => pt.x)) - Math.min(...points.map((pt) => pt.x)) + NODE_WIDTH;
    const height = Math.max(...points.map((pt) => pt.y)) - Math.min(...points.map((pt) => pt.y)) + NODE_HEIGHT;
    const fits = Math.min(el.clientWidth / (width + 40), el.clientHeight / (height + 40));
    const start = layout.nodes.get(p.graph.start ?? '') ?? points[0]!;
    if (fits >= READABLE_ZOOM) void flow.fitView({ maxZoom: 1.2 });
    else
      void flow.setViewport({
        zoom: READABLE_ZOOM,
        x: el.clientWidth / 2 - (start.x + NODE_WIDTH / 2) * READABLE_ZOOM,
        y: 24 - start.y * READABLE_ZOOM,
      });
  }, [flow, layout, p.graph.start]);

  // A state added, removed or renamed: show the whole graph again once it is measured.
  const ids = p.graph.states.map((s) => s.name).join('|');
  const firstIds = useRef(ids);
  useEffect(() => {
    if (ids === firstIds.current) return;
    firstIds.current = ids;
    const timer = setTimeout(() => {
      void flow.fitView({ duration: 150, minZoom: READABLE_ZOOM });
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
    <div
      ref={box}
      className={`process-graph designer-graph${p.graph.states.length > 14 ? ' large' : ''}`}
      role="group"
      aria-label={p.label}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onSelectionChange={onSelectionChange}
        onConnect={onConnect}
        onDelete={onDelete}
        nodesConnectable={p.editable}
        nodesDraggable
        elementsSelectable
        deleteKeyCode={p.editable ? ['Delete', 'Backspace'] : null}
        onInit={openView}
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
