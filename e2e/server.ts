import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { projectRoot } from '../src/project.ts';

export const artifacts = path.join(projectRoot, 'e2e', 'artifacts');

export type StartedServer = {
  url: string;
  password: string;
  /** The server's data directory (its SQLite file is `rapport.sqlite` there). */
  dataDir: string;
  stop(): Promise<void>;
};

/** Starts the built server (as `npm start` does) on a fresh data dir and a free port. */
export async function startBuiltServer(): Promise<StartedServer> {
  const entry = path.join(projectRoot, 'dist', 'src', 'main.js');
  if (!existsSync(entry)) throw new Error('Build first: npm run build');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [entry, 'serve'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '' },
  });
  let out = '';
  const ready = await new Promise<{ url: string; password: string }>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const url = /running at (\S+)/.exec(out)?.[1];
      const password = /one-time password: (\S+)/.exec(out)?.[1];
      if (url && password) resolve({ url, password });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    ...ready,
    dataDir,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with the flags this network-less machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Runs the built CLI on a started server's embedded database, as an operator beside it would. */
export function runCli(server: StartedServer, args: string[]) {
  return spawnSync(process.execPath, [path.join(projectRoot, 'dist', 'src', 'main.js'), ...args], {
    env: { ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    encoding: 'utf8',
  });
}
