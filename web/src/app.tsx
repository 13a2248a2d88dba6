import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  ApiError,
  canWriteOrders,
  forgetSession,
  get,
  hasSession,
  rememberSession,
  setUnauthenticatedHandler,
  type Me,
} from './api';
import { adoptUserLocale, useI18n } from './i18n/index';
import { match, useLocation } from './router';
import { Shell } from './components/shell';
import { LoginPage } from './pages/login';
import { OrdersPage } from './pages/orders';
import { ComingSoon } from './pages/coming-soon';
import { ReferencePage } from './pages/reference';
import { InventoryPage } from './pages/inventory';
import { InboxPage } from './pages/inbox';
import { ExceptionsPage } from './pages/exceptions';
import { ProcessesPage } from './pages/processes';
import { Loading, ErrorBox } from './components/status';
import { setUserTimeZone } from './time-zone';

// Charts (ECharts) and the order page load on first visit: the first screen stays small.
const DashboardPage = lazy(() => import('./pages/dashboard'));
const OrderPage = lazy(() => import('./pages/order-page'));
// The designer (editable graph, YAML model, diff) and the public tracking page load on demand.
const ProcessDesigner = lazy(() => import('./pages/process-designer'));
const TrackingPage = lazy(() => import('./pages/tracking'));
const SelfServiceReturnPage = lazy(() => import('./pages/self-service-return'));
const InvitationPage = lazy(() => import('./pages/invitation'));
// Returns (queue, receipts, inspection) load on first visit like the order page.
const ReturnsPage = lazy(() => import('./pages/returns'));
const CustomerPage = lazy(() => import('./pages/customer'));
// Sales channels (connections, offer mappings, the ingestion log) load on first visit too.
const ChannelsPage = lazy(() => import('./pages/channels'));
// Price lists (their prices and the history of changes) load on first visit.
const PricesPage = lazy(() => import('./pages/prices'));
// Users and their roles (admins only) load on first visit.
const UsersPage = lazy(() => import('./pages/users'));
// The KPI dashboard (figures with drill-down to the orders list) loads on first visit.
const KpisPage = lazy(() => import('./pages/kpis'));

export function App() {
  const { path } = useLocation();
  const tracking = match('/track/:token', path);
  const selfService = match('/track/:token/return', path);
  // The customer's tracking and return pages are public: no session, no console shell.
  if (path === '/invitation')
    return (
      <Suspense fallback={<Loading />}>
        <InvitationPage />
      </Suspense>
    );
  if (selfService)
    return (
      <Suspense fallback={<Loading />}>
        <SelfServiceReturnPage token={selfService.token!} />
      </Suspense>
    );
  if (tracking)
    return (
      <Suspense fallback={<Loading />}>
        <TrackingPage token={tracking.token!} />
      </Suspense>
    );
  return <Console />;
}

function Console() {
  const client = useQueryClient();
  const { setLang } = useI18n();
  // The session cookie is httpOnly; this marker only spares a signed-out visitor a 401 on load.
  const me = useQuery({
    queryKey: ['me'],
    queryFn: async () => (hasSession() ? get<Me>('/me') : null),
    retry: false,
    staleTime: Infinity,
  });

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      forgetSession();
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      client.setQueryData(['me'], null);
    });
  }, [client]);
  useEffect(() => {
    if (me.data) adoptUserLocale(me.data.locale, setLang);
  }, [me.data, setLang]);

  // before any page renders: times and days in the user's own zone, else the browser's
  setUserTimeZone(me.data?.timeZone);
  if (me.isPending) return <Loading />;
  if (me.error && !(me.error instanceof ApiError && me.error.status === 401)) {
    return (
      <main className="centered">
        <ErrorBox error={me.error} onRetry={() => me.refetch()} />
      </main>
    );
  }
  if (!me.data)
    return (
      <LoginPage
        onSignedIn={() => {
          rememberSession();
          void client.invalidateQueries({ queryKey: ['me'] });
        }}
      />
    );
  return (
    <Shell me={me.data}>
      <Suspense fallback={<Loading />}>
        <Routes me={me.data} />
      </Suspense>
    </Shell>
  );
}

function Routes({ me: user }: { me: Me }): ReactNode {
  const { t } = useI18n();
  const { path } = useLocation();
  let params: Record<string, string> | null;
  if (path === '/' || path === '/dashboard') return <DashboardPage />;
  if (path === '/orders') return <OrdersPage me={user} />;
  if ((params = match('/orders/:id', path))) return <OrderPage id={params.id!} me={user} />;
  if ((params = match('/customers/:id', path))) return <CustomerPage id={params.id!} />;
  if (path === '/returns') return <ReturnsPage me={user} />;
  if ((params = match('/returns/:id', path))) return <ReturnsPage me={user} id={params.id!} />;
  if (path === '/channels') return <ChannelsPage me={user} />;
  if ((params = match('/channels/:id', path))) return <ChannelsPage me={user} id={params.id!} />;
  if (path === '/prices') return <PricesPage />;
  if ((params = match('/prices/:code', path))) return <PricesPage code={decodeURIComponent(params.code!)} />;
  if (path === '/kpis') return <KpisPage />;
  if (path === '/users') return <UsersPage me={user} />;
  if (path === '/inventory') return <InventoryPage me={user} />;
  if (path === '/inbox') return <InboxPage me={user} />;
  if (path === '/exceptions') return <ExceptionsPage canResolve={canWriteOrders(user)} />;
  if (path === '/processes') return <ProcessesPage me={user} />;
  if ((params = match('/processes/:key', path)))
    return <ProcessDesigner key={params.key} processKey={params.key!} me={user} />;
  if (path === '/reference') return <ReferencePage kind="products" />;
  if ((params = match('/reference/:kind', path))) return <ReferencePage kind={params.kind!} />;
  return <ComingSoon title="404" text={t('common.notFound')} />;
}
