import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';

// Only the chart types the console draws: keeps the lazy chunk a fraction of full ECharts.
echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** What a click on a bar or slice hands back: its index in the series' data and the series. */
export interface ChartPick {
  dataIndex: number;
  seriesIndex: number;
}

/** An ECharts canvas; `label` is its text alternative for screen readers; `onPick` gets clicks on bars and slices. */
export default function ChartCanvas({
  option,
  label,
  height = 260,
  onPick,
  pickColumn = false,
}: {
  option: EChartsCoreOption;
  label: string;
  height?: number;
  onPick?: ((pick: ChartPick) => void) | undefined;
  /** a click anywhere in the plot picks the category under it (a day's whole column) */
  pickColumn?: boolean | undefined;
}) {
  const pick = useRef(onPick);
  pick.current = onPick;
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const c = echarts.init(el.current!, undefined, { renderer: 'canvas' });
    chart.current = c;
    if (pickColumn)
      c.getZr().on('click', (event) => {
        const point = [event.offsetX, event.offsetY];
        if (!c.containPixel('grid', point)) return;
        const [index] = c.convertFromPixel('grid', point) as number[];
        if (typeof index === 'number' && Number.isFinite(index)) pick.current?.({ dataIndex: index, seriesIndex: 0 });
      });
    else
      c.on('click', (params) => {
        const clicked = params as { dataIndex?: number; seriesIndex?: number };
        if (typeof clicked.dataIndex === 'number')
          pick.current?.({ dataIndex: clicked.dataIndex, seriesIndex: clicked.seriesIndex ?? 0 });
      });
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current!);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
    // a chart keeps the way it picks for its life
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return (
    <div ref={el} className={onPick ? 'chart clickable' : 'chart'} role="img" aria-label={label} style={{ height }} />
  );
}
