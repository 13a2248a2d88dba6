import { useI18n } from '../i18n/index';

/** A page whose capability is not on this server yet: says what will be here. */
export function ComingSoon({ title, text }: { title: string; text: string }) {
  const { t } = useI18n();
  return (
    <section className="page">
      <h1>{title}</h1>
      <div className="placeholder">
        <p className="badge">{t('common.comingSoon')}</p>
        <p>{text}</p>
      </div>
    </section>
  );
}
