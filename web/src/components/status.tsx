import { ApiError } from '../api';
import { useI18n } from '../i18n/index';
import type { Labels } from '../i18n/process-words';
import { useStateWords } from './state-words';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" aria-live="polite">
      {t('common.loading')}
    </p>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const detail =
    error instanceof ApiError
      ? error.status === 403
        ? t('common.forbidden')
        : (error.problem.detail ?? error.problem.title ?? error.message)
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div className="error-box" role="alert">
      <p>{t('common.error', { detail })}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

/**
 * A state as a badge, in words: the labels the row carries, else the processes' words, else the
 * console's catalogue (`useStateWords`); `data-state` keeps the code for tests and styles.
 */
export function StateBadge({ state, labels }: { state: string; labels?: Labels }) {
  const words = useStateWords();
  return (
    <span className={`badge state-${state.replace(/[^a-z_]/gi, '')}`} data-state={state}>
      {words.state(state, labels)}
    </span>
  );
}
