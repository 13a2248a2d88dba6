import dagre from '@dagrejs/dagre';
import type { Graph } from './model';

export interface Point {
  x: number;
  y: number;
}
export interface EdgeRoute {
  /** The route from the source's border to the target's, bends included. */
  points: Point[];
  /** Where the label's centre goes: the layout kept a place for it that no node or other label takes. */
  label: Point;
}
export interface Layout {
  /** Top-left corner of each state's box (what the graph library places). */
  nodes: Map<string, Point>;
  edges: Map<string, EdgeRoute>;
}

/** A state's box as drawn (styles/designer.css `.react-flow__node.pnode`: 170 px wide; name, role, counts). */
export const NODE_WIDTH = 170;
export const NODE_HEIGHT = 56;
const LABEL_HEIGHT = 16;
/** Edge labels are cut to this many characters (designer-graph.tsx). */
export const LABEL_MAX = 28;
const labelWidth = (text: string) => (text ? Math.min(text.length, LABEL_MAX) * 6 + 10 : 0);

/**
 * A layered layout (dagre: ranks from the start state down, crossings reduced, edge labels
 * given room of their own), so a process of 30 states with long event names stays readable.
 * Edges with a label are laid out as if the label were a small node on the edge; the
 * route's bends and the label's place come back with it.
 */
export function layoutGraph(graph: Graph, edgeLabel: (id: string) => string): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true, directed: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 64, edgesep: 14, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const names = new Set(graph.states.map((s) => s.name));
  for (const s of graph.states) g.setNode(s.name, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const t of graph.transitions) {
    if (!names.has(t.from) || !names.has(t.to)) continue;
    const text = edgeLabel(t.id);
    g.setEdge(t.from, t.to, { width: labelWidth(text), height: text ? LABEL_HEIGHT : 0, labelpos: 'c' }, t.id);
  }
  dagre.layout(g);
  const nodes = new Map<string, Point>();
  for (const name of names) {
    const n = g.node(name);
    nodes.set(name, { x: n.x - NODE_WIDTH / 2, y: n.y - NODE_HEIGHT / 2 });
  }
  const edges = new Map<string, EdgeRoute>();
  for (const e of g.edges()) {
    const label = g.edge(e);
    if (!e.name || !label.points?.length) continue;
    const mid = label.points[Math.floor(label.points.length / 2)]!;
    edges.set(e.name, {
      points: label.points.map((pt: Point) => ({ x: pt.x, y: pt.y })),
      label: label.x !== undefined && label.y !== undefined ? { x: label.x, y: label.y } : mid,
    });
  }
  return { nodes, edges };
}

/** A smooth path through the points (straight ends, rounded bends). */
export function pathThrough(points: Point[]): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  let d = `M ${first!.x},${first!.y}`;
  for (let at = 0; at < rest.length - 1; at++) {
    const bend = rest[at]!;
    const next = rest[at + 1]!;
    d += ` Q ${bend.x},${bend.y} ${(bend.x + next.x) / 2},${(bend.y + next.y) / 2}`;
  }
  const last = rest.at(-1);
  if (last) d += ` L ${last.x},${last.y}`;
  return d;
}
