import { html, raw } from 'hono/html';

type Operation = {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: unknown;
  responses?: Record<string, { description?: string }>;
};
type Document = {
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: unknown;
};

/**
 * A readable API reference rendered on the server from the OpenAPI document: no scripts, so it
 * works under the strict CSP and without network access to a CDN.
 */
export function renderApiReference(doc: Document) {
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method: method.toUpperCase(), path, op }]);
    }
  }
  const sections = [...byTag.entries()].map(
    ([tag, ops]) => html`<section><h2 id="${tag}">${tag}</h2>
${ops.map(
  ({ method, path, op }) => html`<article>
<h3><span class="m ${method.toLowerCase()}">${method}</span> <code>${path}</code>${op.security?.length === 0 ? html` <span class="pub">public</span>` : ''}</h3>
<p>${op.summary ?? ''}</p>
${op.parameters?.length ? html`<p>Parameters: ${op.parameters.map((p) => html`<code>${p.name}</code> (${p.in}${p.required ? ', required' : ''}) `)}</p>` : ''}
<p>Responses: ${Object.entries(op.responses ?? {}).map(([s, r]) => html`<code>${s}</code> ${r.description ?? ''}; `)}</p>
</article>`,
)}</section>`,
  );
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title} reference</title>
<style>${raw(STYLE)}</style></head><body><main>
<h1>${doc.info.title} <small>${doc.info.version}</small></h1>
<p>Authenticate with a session cookie (send <code>X-CSRF-Token</code> on writes) or <code>Authorization: Bearer rpt_…</code> (Settings → API tokens, or <code>rapport token create</code>).
Errors are <code>{"error": {"code", "message", "details"}}</code>. Lists take <code>?cursor=&amp;limit=</code>.
The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<nav>${[...byTag.keys()].map((t) => html`<a href="#${t}">${t}</a> `)}</nav>
${sections}
</main></body></html>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:920px;margin:0 auto;padding:24px}article{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:8px 16px;margin:8px 0}
h3{font-size:15px;margin:8px 0}.m{display:inline-block;min-width:56px;font-size:12px;font-weight:700;color:#fff;border-radius:4px;padding:2px 6px;text-align:center}
.get{background:#2f6fdb}.post{background:#1f9d55}.patch{background:#b7791f}.delete{background:#c53030}.put{background:#6b46c1}
.pub{font-size:12px;color:#1f9d55}nav a{margin-right:12px}code{font-size:13px}`;
