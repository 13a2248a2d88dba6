import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Dev: `npx vite web` serves the console with hot reload and forwards the API to a running
// Ordo server (ORDO_API, default http://127.0.0.1:3000). Build: scripts/build-web.mjs.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { '/api': process.env.ORDO_API ?? 'http://127.0.0.1:3000' },
  },
});
