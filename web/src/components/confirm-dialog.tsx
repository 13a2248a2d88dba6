import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api';
import { useI18n } from '../i18n/index';

/**
 * A modal that says in words what a money action will do and asks before doing it. When the
 * server refuses, the problem's detail and its field errors stay in the dialog so the person can
 * correct the form; on success the dialog closes and the caller reports what really happened.
 */
export function ConfirmDialog({
  title,
  question,
  note,
  confirmLabel,
  ready = true,
  danger,
  children,
  run,
  onClose,
  onProblem,
}: {
  title: string;
  /** What will happen, as a question ("Refund 129,99 zł to the customer: card via Stripe?"). */
  question: string;
  note?: string | undefined;
  confirmLabel: string;
  /** False while the form is incomplete: the confirm button stays disabled. */
  ready?: boolean;
  danger?: boolean;
  children?: ReactNode;
  run: () => Promise<void>;
  onClose: () => void;
  /** Told of each refusal (and of null when the form is sent again), to mark the fields it names. */
  onProblem?: (error: unknown) => void;
}) {
  const { t, tMaybe } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  // A refusal answers the question asked: once the form says something else, it no longer applies.
  useEffect(() => setProblem(null), [question]);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    onProblem?.(null);
    try {
      await run();
      onClose();
    } catch (err) {
      setProblem(err);
      onProblem?.(err);
      setBusy(false);
    }
  };
  const fieldName = (path: string) => {
    const name = path.split('/').filter((p) => p && !/^\d+$/.test(p))[0] ?? path;
    return tMaybe(`field.${name}`, name);
  };

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id="confirm-title">{title}</h2>
        <div className="dialog-fields">{children}</div>
        <p className="dialog-question" data-testid="confirm-question">
          {question}
        </p>
        {note && <p className="muted dialog-note">{note}</p>}
        {problem !== null && <ProblemView error={problem} fieldName={fieldName} />}
        <div className="actions dialog-actions">
          <button type="button" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" className={danger ? 'primary danger-fill' : 'primary'} disabled={busy || !ready}>
            {busy ? t('money.working') : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function ProblemView({ error, fieldName }: { error: unknown; fieldName: (path: string) => string }) {
  const { t } = useI18n();
  if (!(error instanceof ApiError))
    return (
      <div className="form-error" role="alert">
        <p>{t('common.error', { detail: error instanceof Error ? error.message : String(error) })}</p>
      </div>
    );
  const p = error.problem;
  const detail = error.status === 403 ? t('common.forbidden') : (p.detail ?? p.title);
  return (
    <div className="form-error" role="alert" data-testid="problem">
      <p>{t('money.refused', { detail })}</p>
      {p.errors?.length ? (
        <ul className="field-errors">
          {p.errors.map((e, i) => (
            <li key={i}>
              <strong>{fieldName(e.path)}</strong>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
