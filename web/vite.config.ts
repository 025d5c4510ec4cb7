import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = path.dirname(new URL(import.meta.url).pathname);
const api = 'http://127.0.0.1:3000';

/**
 * Writes a Brotli and a gzip copy beside each built script and style sheet, which the server sends
 * to browsers that accept them (`serveStatic({ precompressed })`): compressed once at build time,
 * not on every request.
 */
function precompress(): Plugin {
  return {
    name: 'rapport-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      for (const file of Object.keys(bundle)) {
        if (!/\.(js|css|svg|json)$/.test(file)) continue;
        const target = path.join(options.dir ?? '', file);
        const item = bundle[file];
        const body = Buffer.from(item?.type === 'chunk' ? item.code : (item?.source ?? ''));
        writeFileSync(
          `${target}.br`,
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(`${target}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), precompress()],
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true },
  // The public survey answer page is server-rendered, not part of the app.
  server: { proxy: { '/api': api, '/healthz': api, '/readyz': api, '^/survey/': api } },
});
