import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { I18nProvider } from './i18n/index';
import { App } from './app';
import { ApiError } from './api';
// The console's styles, in cascade order (each file a part of the console; later ones override).
import './styles/base.css';
import './styles/pages.css';
import './styles/operations.css';
import './styles/users.css';
import './styles/designer.css';
import './styles/tracking.css';
import './styles/money.css';
import './styles/self-service.css';
import './styles/console-tools.css';

const client = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A 4xx will not get better by asking again.
      retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <I18nProvider>
        <App />
      </I18nProvider>
    </QueryClientProvider>
  </StrictMode>,
);
