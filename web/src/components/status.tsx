import { ApiError } from '../api';
import { useI18n } from '../i18n/index';

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

/** A state as a badge: `text` (the process's own words) when given, else the console's catalogue. */
export function StateBadge({ state, text }: { state: string; text?: string }) {
  const { tMaybe } = useI18n();
  return (
    <span className={`badge state-${state.replace(/[^a-z_]/gi, '')}`}>
      {text ?? tMaybe(`state.${state}`, state.replaceAll('_', ' '))}
    </span>
  );
}
