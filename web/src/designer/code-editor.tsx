import { forwardRef, useImperativeHandle, useMemo, useRef, type UIEvent } from 'react';

export interface LineMark {
  line: number;
  message: string;
}
export interface CodeEditorHandle {
  goTo(line: number, column?: number): void;
}

/**
 * A plain textarea with a line-number gutter in which lines with a problem are marked red
 * (their message as the title). Small and accessible; no editor library needed.
 */
export const CodeEditor = forwardRef<
  CodeEditorHandle,
  {
    value: string;
    onChange: (v: string) => void;
    readOnly: boolean;
    marks: LineMark[];
    label: string;
    id?: string;
  }
>(function CodeEditor({ value, onChange, readOnly, marks, label, id }, ref) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = value.split('\n').length;
  const byLine = useMemo(() => {
    const m = new Map<number, string[]>();
    for (const k of marks) m.set(k.line, [...(m.get(k.line) ?? []), k.message]);
    return m;
  }, [marks]);

  useImperativeHandle(
    ref,
    () => ({
      goTo(line, column = 1) {
        const el = area.current;
        if (!el) return;
        const rows = el.value.split('\n');
        let pos = 0;
        for (let i = 0; i < Math.min(line - 1, rows.length); i++) pos += rows[i]!.length + 1;
        pos += Math.max(0, column - 1);
        el.focus();
        el.setSelectionRange(pos, pos);
        const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
        el.scrollTop = Math.max(0, (line - 4) * lineHeight);
      },
    }),
    [],
  );

  const sync = (e: UIEvent<HTMLTextAreaElement>) => {
    if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
  };
  return (
    <div className="code-editor">
      <div className="code-gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => {
          const msgs = byLine.get(i + 1);
          return (
            <div key={i} className={msgs ? 'err' : undefined} title={msgs?.join('\n')} data-line={i + 1}>
              {msgs ? '●' : ''}
              {i + 1}
            </div>
          );
        })}
      </div>
      <textarea
        ref={area}
        id={id}
        aria-label={label}
        value={value}
        readOnly={readOnly}
        spellCheck={false}
        wrap="off"
        aria-invalid={marks.length > 0 || undefined}
        onChange={(e) => onChange(e.target.value)}
        onScroll={sync}
        onKeyDown={(e) => {
          // Tab indents (YAML needs spaces); Escape then Tab leaves the editor for keyboard users.
          if (e.key === 'Tab' && !e.shiftKey && !readOnly && !e.currentTarget.dataset.escaped) {
            e.preventDefault();
            const el = e.currentTarget;
            const { selectionStart: s, selectionEnd: end } = el;
            onChange(`${el.value.slice(0, s)}  ${el.value.slice(end)}`);
            requestAnimationFrame(() => el.setSelectionRange(s + 2, s + 2));
          }
          if (e.key === 'Escape') e.currentTarget.dataset.escaped = '1';
          else if (e.key !== 'Tab') delete e.currentTarget.dataset.escaped;
        }}
      />
    </div>
  );
});
