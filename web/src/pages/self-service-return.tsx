import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, request, type ResponseOf, type Schemas } from '../api';
import { isLang, LANGUAGES, translate, translateIn, type Lang } from '../i18n/index';
import { Link } from '../router';
import { formatDateTime } from '../format';
import { trackingMessages } from './tracking-messages';
import { selfServiceMessages } from './self-service-messages';

type Page = ResponseOf<'/api/v1/self-service/returns/{token}'>;
type Created = ResponseOf<'/api/v1/self-service/returns/{token}', 'post'>;
type Tracking = Schemas['PublicTracking'];
type Rule = { rule: string; message: string; path?: string };

const LOCALES: Record<Lang, string> = { en: 'en-GB', pl: 'pl-PL', ru: 'ru-RU' };
/** The server takes PNG, JPEG or WebP data URLs of about 200 kB, at most 5 (docs/returns.md). */
export const MAX_PHOTO_BYTES = 200_000;
const MAX_PHOTOS = 5;
const PHOTO_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
/** Wishes the customer can choose here: an exchange needs replacement SKUs, which this page does not pick. */
const WISHES = ['refund', 'store_credit'] as const;

/** The language of the page: the customer's switch, the tracking link's ?lang=, the tracking page's choice, the customer's locale. */
function pageLang(chosen: Lang | null, fromLink: string | null, tracking?: Tracking, page?: Page): Lang {
  if (chosen) return chosen;
  if (isLang(fromLink)) return fromLink;
  if (isLang(tracking?.language)) return tracking.language;
  if (isLang(page?.locale)) return page.locale;
  const nav = navigator.language.slice(0, 2);
  return isLang(nav) ? nav : 'en';
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('unreadable file'));
    reader.readAsDataURL(file);
  });
}

/**
 * The customer's return page, reached from the public tracking page by the same unguessable token
 * (no login, no console shell): the items that can come back with how many, a reason in the
 * customer's language (a photo where the reason needs one), money back or store credit, a return
 * label by post, a note; then the return's number and state in words, or the refusal in words with
 * each field's problem next to it. No prices, names or addresses.
 */
export default function SelfServiceReturnPage({ token }: { token: string }) {
  const client = useQueryClient();
  const [chosen, setChosen] = useState<Lang | null>(null);
  const fromLink = new URLSearchParams(window.location.search).get('lang');
  const page = useQuery({
    queryKey: ['self-service-returns', token],
    queryFn: () => get<Page>(`/self-service/returns/${encodeURIComponent(token)}`),
    retry: false,
  });
  // The tracking page's language choice (same query as the tracking page: cached when coming from it).
  const tracking = useQuery({
    queryKey: ['tracking', token],
    queryFn: () => get<Tracking>(`/tracking/${encodeURIComponent(token)}`),
    retry: false,
    enabled: !chosen && !isLang(fromLink),
  });
  const lang = pageLang(chosen, fromLink, tracking.data, page.data);
  const t = translateIn(selfServiceMessages, lang);
  const tt = translateIn(trackingMessages, lang);
  const locale = LOCALES[lang];
  const stateWord = (s: string) => t.maybe(`ss.state.${s}`, s.replaceAll('_', ' '));
  const wishWord = (w: string) => t.maybe(`ss.wish.${w}`, w.replaceAll('_', ' '));

  const [qty, setQty] = useState<Record<string, number>>({});
  const [reason, setReason] = useState('');
  const [wish, setWish] = useState<(typeof WISHES)[number]>('refund');
  const [note, setNote] = useState('');
  const [photos, setPhotos] = useState<string[]>([]);
  const [photoError, setPhotoError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = page.data ? t('ss.docTitle', { number: page.data.orderNumber }) : 'Ordo';
  });

  const send = useMutation({
    mutationFn: async (body: unknown) =>
      (await request<Created>('POST', `/self-service/returns/${encodeURIComponent(token)}`, body)).body,
    onSuccess: async (r) => {
      setCreated(r);
      setQty({});
      setNote('');
      setPhotos([]);
      setReason('');
      await client.invalidateQueries({ queryKey: ['self-service-returns', token] });
    },
    // A refusal may mean the page is out of date (another return took the units): show the counts as they are now.
    onError: () => client.invalidateQueries({ queryKey: ['self-service-returns', token] }),
  });

  const switcher = (
    <div className="lang-switch track-lang" role="group" aria-label={t('user.language')}>
      {LANGUAGES.map((l) => (
        <button key={l} type="button" lang={l} aria-pressed={lang === l} onClick={() => setChosen(l)}>
          {translate(l, `lang.${l}`)}
        </button>
      ))}
    </div>
  );
  const back = (
    <Link to={`/track/${encodeURIComponent(token)}`} className="ss-back">
      ← {t('ss.back')}
    </Link>
  );

  if (page.isPending)
    return (
      <main className="tracking">
        <p role="status">{t('common.loading')}</p>
      </main>
    );
  if (page.error) {
    const missing = page.error instanceof ApiError && page.error.status === 404;
    return (
      <main className="tracking" lang={lang}>
        {switcher}
        <h1>{missing ? tt('track.notFoundTitle') : tt('track.errorTitle')}</h1>
        <p>{missing ? tt('track.notFound') : t('common.error', { detail: page.error.message })}</p>
      </main>
    );
  }

  const o = page.data;
  const returnable = o.lines.filter((l) => l.returnable > 0);
  const chosenLines = o.lines.filter((l) => (qty[l.lineId] ?? 0) > 0);
  const units = chosenLines.reduce((n, l) => n + qty[l.lineId]!, 0);
  const chosenReason = o.reasons.find((r) => r.code === reason);
  const needsPhoto = Boolean(chosenReason?.needsPhoto);
  const ready = units > 0 && Boolean(reason) && (!needsPhoto || photos.length > 0) && !send.isPending;

  // The refusal: each rule in the customer's words, each field's problem at its field.
  const problem = send.error instanceof ApiError ? send.error.problem : null;
  const rules = (Array.isArray(problem?.rules) ? problem.rules : []) as Rule[];
  const fieldText: Record<string, string> = {};
  for (const e of problem?.errors ?? []) {
    if (rules.some((r) => r.rule === e.code)) continue;
    const words =
      e.code === 'RETURN_EXCEEDS_DELIVERED'
        ? t('ss.err.exceeds')
        : e.code === 'RETURN_NOT_RETURNABLE'
          ? t('ss.err.notReturnable')
          : e.path === '/reason'
            ? t('ss.err.reason')
            : e.path.startsWith('/photos')
              ? t('ss.err.photo')
              : e.message;
    fieldText[e.path] = fieldText[e.path] ? `${fieldText[e.path]} ${words}` : words;
  }
  const at = (...paths: string[]) => {
    const text = paths
      .map((p) => fieldText[p])
      .filter(Boolean)
      .join(' ');
    return text ? (
      <span className="field-error" role="alert" data-path={paths[0]}>
        {text}
      </span>
    ) : null;
  };
  const placed = new Set(
    chosenLines
      .flatMap((_, i) => [`/lines/${i}/quantity`, `/lines/${i}/lineId`, `/lines/${i}`])
      .concat(['/lines', '/reason', '/photos', ...photos.map((_, i) => `/photos/${i}`), '/wish', '/note']),
  );
  const unplaced = Object.entries(fieldText).filter(([p]) => !placed.has(p));

  const pickPhotos = async (files: FileList | null) => {
    setPhotoError(null);
    const list = [...(files ?? [])];
    const wrong = list.find((f) => !PHOTO_TYPES.includes(f.type));
    if (wrong) return setPhotoError(t('ss.photoType', { name: wrong.name }));
    const big = list.find((f) => f.size > MAX_PHOTO_BYTES);
    if (big) return setPhotoError(t('ss.photoTooBig', { name: big.name }));
    if (photos.length + list.length > MAX_PHOTOS) return setPhotoError(t('ss.photoTooMany'));
    const urls = await Promise.all(list.map(readAsDataUrl));
    setPhotos([...photos, ...urls]);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setCreated(null);
    send.mutate({
      lines: chosenLines.map((l) => ({ lineId: l.lineId, quantity: qty[l.lineId]! })),
      reason,
      wish,
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(needsPhoto && photos.length ? { photos } : {}),
      dropOff: { kind: 'label' },
    });
  };

  return (
    <main className="tracking selfservice" lang={lang} aria-labelledby="ss-title">
      <header className="track-head">
        <div>
          {back}
          <h1 id="ss-title">{t('ss.title', { number: o.orderNumber })}</h1>
        </div>
        {switcher}
      </header>

      {created && (
        <div className="ss-done" role="status" data-testid="ss-done">
          <p>
            <strong>{t('ss.done', { number: created.number, state: stateWord(created.state) })}</strong>
          </p>
          <p>{t('ss.doneNext')}</p>
        </div>
      )}

      {o.returns.length > 0 && (
        <section className="card" aria-labelledby="ss-returns">
          <h2 id="ss-returns">{t('ss.yourReturns')}</h2>
          <ul className="track-lines" data-testid="ss-returns">
            {o.returns.map((r) => (
              <li key={r.number}>
                <span>
                  <strong className="mono">{r.number}</strong> · {wishWord(r.wish)}{' '}
                  <span className="muted">{t('ss.requestedOn', { date: formatDateTime(r.createdAt, locale) })}</span>
                </span>
                <span className="ss-state">{stateWord(r.state)}</span>
                {r.labelReady && (
                  <a
                    className="button"
                    data-testid="ss-label"
                    href={`/api/v1/self-service/returns/${encodeURIComponent(token)}/${encodeURIComponent(r.number)}/label`}
                    target="_blank"
                    rel="noreferrer"
                  >
                    {t('ss.label')}
                  </a>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      {returnable.length === 0 ? (
        <p className="card" data-testid="ss-nothing">
          {t('ss.nothing')}
        </p>
      ) : (
        <form className="card ss-form" onSubmit={submit} noValidate aria-labelledby="ss-title">
          <fieldset>
            <legend>{t('ss.pick')}</legend>
            <ul className="ss-lines">
              {o.lines.map((l) => {
                const i = chosenLines.indexOf(l);
                const id = `ss-qty-${l.lineId}`;
                return (
                  <li key={l.lineId} className={l.returnable === 0 ? 'muted' : undefined}>
                    <label htmlFor={id}>
                      <span>{l.name}</span>
                      <span className="muted">
                        {l.returnable > 0 ? t('ss.upTo', { count: l.returnable }) : t('ss.err.notReturnable')}
                      </span>
                    </label>
                    <input
                      id={id}
                      type="number"
                      inputMode="numeric"
                      min={0}
                      max={l.returnable}
                      step={1}
                      disabled={l.returnable === 0}
                      aria-label={t('ss.qtyOf', { name: l.name })}
                      aria-invalid={i >= 0 && fieldText[`/lines/${i}/quantity`] ? true : undefined}
                      value={qty[l.lineId] ?? 0}
                      onChange={(e) =>
                        setQty({
                          ...qty,
                          [l.lineId]: Math.max(0, Math.min(l.returnable, Math.trunc(Number(e.target.value) || 0))),
                        })
                      }
                    />
                    {i >= 0 && at(`/lines/${i}/quantity`, `/lines/${i}/lineId`, `/lines/${i}`)}
                  </li>
                );
              })}
            </ul>
            {at('/lines')}
          </fieldset>

          <label>
            {t('ss.reason')}
            <select
              name="reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              aria-invalid={fieldText['/reason'] ? true : undefined}
            >
              <option value="">{t('ss.choose')}</option>
              {o.reasons.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.labels[lang] ?? r.labels.en ?? r.code.replaceAll('_', ' ')}
                </option>
              ))}
            </select>
            {at('/reason')}
          </label>

          {needsPhoto && (
            <label>
              {t('ss.photo')}
              <span className="muted">{t('ss.photoNeeded')}</span>
              <input
                type="file"
                accept={PHOTO_TYPES.join(',')}
                multiple
                onChange={(e) => {
                  void pickPhotos(e.target.files);
                  e.target.value = '';
                }}
              />
              {photos.length > 0 && (
                <span className="ss-photos">
                  {photos.map((p, i) => (
                    <img key={i} src={p} alt="" width={48} height={48} />
                  ))}
                  <span>{t('ss.photoChosen', { count: photos.length })}</span>
                </span>
              )}
              {photoError && (
                <span className="field-error" role="alert" data-testid="ss-photo-error">
                  {photoError}
                </span>
              )}
              {at('/photos', ...photos.map((_, i) => `/photos/${i}`))}
            </label>
          )}

          <fieldset>
            <legend>{t('ss.wish')}</legend>
            {WISHES.map((w) => (
              <label key={w} className="ss-choice">
                <input type="radio" name="wish" value={w} checked={wish === w} onChange={() => setWish(w)} />
                {wishWord(w)}
              </label>
            ))}
            <p className="muted">{t('ss.exchangeNote')}</p>
            {at('/wish')}
          </fieldset>

          <fieldset>
            <legend>{t('ss.send')}</legend>
            <label className="ss-choice">
              <input type="radio" name="dropOff" value="label" checked readOnly />
              {t('ss.send.label')}
            </label>
            <p className="muted">{t('ss.sendNote')}</p>
          </fieldset>

          <label>
            {t('ss.note')}
            <textarea name="note" rows={3} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
            {at('/note')}
          </label>

          {send.error && (
            <div className="error-box" role="alert" data-testid="ss-refused">
              <p>
                <strong>{t('ss.refused')}</strong>
              </p>
              {rules.length > 0 ? (
                <ul>
                  {rules.map((r) => (
                    <li key={r.rule}>{t.maybe(`ss.rule.${r.rule}`, r.message)}</li>
                  ))}
                </ul>
              ) : Object.keys(fieldText).length > 0 ? (
                <p>{t('ss.fixFields')}</p>
              ) : (
                <p>{send.error.message}</p>
              )}
              {unplaced.length > 0 && (
                <ul>
                  {unplaced.map(([p, m]) => (
                    <li key={p}>{m}</li>
                  ))}
                </ul>
              )}
            </div>
          )}

          <div className="ss-submit">
            {units > 0 && <span>{t('ss.summary', { count: units })}</span>}
            <button type="submit" className="primary" disabled={!ready}>
              {send.isPending ? t('ss.sending') : t('ss.submit')}
            </button>
          </div>
        </form>
      )}
      <footer className="muted track-foot">Ordo</footer>
    </main>
  );
}
