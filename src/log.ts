import { pino } from 'pino';
import type { Config } from './config.ts';

export type Logger = pino.Logger;

/** Structured JSON logs, one line per event. Secrets and credentials are redacted by path. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: undefined,
      redact: {
        paths: [
          'password',
          '*.password',
          'secret',
          '*.secret',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'cookie',
          '*.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
