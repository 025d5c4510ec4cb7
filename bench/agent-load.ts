import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PAGE_SIZE } from './inbox-data.ts';

/**
 * Runs autocannon in a child process (so it does not share the server's event loop) with one
 * connection per agent, each with its own token and its own cases, and a request mix.
 */
export function agentLoad(
  url: string,
  agentIds: string[],
  tokens: string[],
  workable: string[][],
  seconds: number,
): Promise<Record<string, number>> {
  const autocannonPath = createRequire(import.meta.url).resolve('autocannon');
  const code = `
const workerData = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
const autocannon = require(workerData.autocannonPath);
const { tokens, workable, url, seconds } = workerData;
let nextAgent = 0;
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const views = ['?status=active', '?view=mine&status=active', '?view=unassigned&status=active', '?status=active&priority=urgent', '?view=mine', '?status=active&priority=high'].map((v) => v + '&limit=' + workerData.pageSize);
const statuses = ['open', 'pending_customer', 'on_hold', 'open', 'solved'];
const counts = { list: 0, open: 0, assign: 0, status: 0, note: 0, reply: 0 };
const instance = autocannon({
  url,
  connections: tokens.length,
  duration: seconds,
  requests: [{
    setupRequest: (req, context) => {
      if (context.agent === undefined) context.agent = nextAgent++ % tokens.length;
      const a = context.agent;
      const mine = workable[a];
      const caseId = mine[Math.floor(rnd() * mine.length)];
      const headers = { authorization: 'Bearer ' + tokens[a], 'content-type': 'application/json' };
      const r = rnd();
      if (r < 0.35) {
        counts.list++;
        return { ...req, method: 'GET', path: '/api/v1/cases' + views[Math.floor(rnd() * views.length)], headers, body: undefined };
      }
      if (r < 0.65) {
        counts.open++;
        return { ...req, method: 'GET', path: '/api/v1/cases/' + caseId, headers, body: undefined };
      }
      if (r < 0.75) {
        counts.status++;
        return { ...req, method: 'PATCH', path: '/api/v1/cases/' + caseId, headers,
          body: JSON.stringify({ status: statuses[Math.floor(rnd() * statuses.length)] }) };
      }
      if (r < 0.8) {
        // Hand a case to a colleague, who gets it from now on.
        counts.assign++;
        const to = Math.floor(rnd() * tokens.length);
        return { ...req, method: 'PATCH', path: '/api/v1/cases/' + caseId, headers,
          body: JSON.stringify({ assigneeUserId: workerData.agentIds[to] }) };
      }
      if (r < 0.9) {
        counts.note++;
        return { ...req, method: 'POST', path: '/api/v1/cases/' + caseId + '/notes', headers,
          body: JSON.stringify({ body: 'Checked the booking, waiting on the airline.' }) };
      }
      counts.reply++;
      return { ...req, method: 'POST', path: '/api/v1/cases/' + caseId + '/replies', headers,
        body: JSON.stringify({ body: 'Sorry about that, we are on it. Could you send your booking reference?' }) };
    },
  }],
});
const byStatus = {};
instance.on('response', (client, statusCode) => { byStatus[statusCode] = (byStatus[statusCode] || 0) + 1; });
instance.on('done', (result) => process.stdout.write(JSON.stringify({ result, counts, byStatus })));
`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-load-'));
  writeFileSync(path.join(dir, 'load.cjs'), code);
  writeFileSync(
    path.join(dir, 'data.json'),
    JSON.stringify({ autocannonPath, tokens, workable, url, seconds, agentIds, pageSize: PAGE_SIZE }),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'load.cjs'), path.join(dir, 'data.json')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`load tool exited with ${code}`));
      const { result, counts, byStatus } = JSON.parse(out) as {
        result: {
          requests: { average: number; total: number };
          latency: { p50: number; p90: number; p99: number; max: number; average: number };
          errors: number;
          timeouts: number;
          non2xx: number;
          duration: number;
        };
        counts: Record<string, number>;
        byStatus: Record<string, number>;
      };
      resolve({
        req_per_sec: result.requests.total / result.duration,
        total: result.requests.total,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`sent_${k}`, v])),
        ...Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [`status_${k}`, v])),
      });
    });
  });
}

/** CPU time of every PostgreSQL process on this machine so far (Linux /proc; 0 elsewhere). */
export function postgresCpuMs(): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return 0;
  }
  return ticks * 10;
}
