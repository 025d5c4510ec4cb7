import type { Logger } from '../log.ts';
import type { Actor } from '../modules/auth/roles.ts';

/** Per-request variables set by the middleware in `app.ts`. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    actor: Actor | null;
    /** The raw session cookie when the request is cookie-authenticated. */
    sessionToken: string | null;
  };
};
