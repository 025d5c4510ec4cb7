import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = path.dirname(new URL(import.meta.url).pathname);
const api = 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true },
  // The public survey answer page is server-rendered, not part of the app.
  server: { proxy: { '/api': api, '/healthz': api, '/readyz': api, '^/survey/': api } },
});
