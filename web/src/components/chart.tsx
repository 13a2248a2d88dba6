import { lazy, Suspense } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import type { ChartPick } from './chart-canvas';

export type { ChartPick };

// ECharts is most of the dashboard's weight (~0.5 MB before compression): it loads in its own
// chunk after the page's figures are on screen, and a box of the chart's height holds its place.
const ChartCanvas = lazy(() => import('./chart-canvas'));

/**
 * An ECharts canvas; `label` is its text alternative for screen readers. `onPick` makes the bars
 * and slices clickable (the dashboard drills down to the orders behind them).
 */
export function Chart(props: {
  option: EChartsCoreOption;
  label: string;
  height?: number;
  onPick?: (pick: ChartPick) => void;
  /** a click anywhere in a category's column picks it (not only on its bar or point) */
  pickColumn?: boolean;
}) {
  return (
    <Suspense
      fallback={<div className="chart" role="img" aria-label={props.label} style={{ height: props.height ?? 260 }} />}
    >
      <ChartCanvas {...props} />
    </Suspense>
  );
}
