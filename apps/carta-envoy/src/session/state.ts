import { UsageError, type EnvoyContext } from '@envoys/envoy-core';
import type { SessionSettings } from '../settings';
import type { SessionTarget } from './audit';
import type { EndReason } from './end-reason';
import type { Delivery } from './notify';
import { BackendOutput } from './output';
import { sessionPrefix, type SessionRoutes } from './routes';
import { newToken } from './token';

/** What the live status says of the session. */
export type SessionPhase = 'not started' | 'starting' | 'ready' | 'ended';

const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * What one session knows as it goes: its identity and secret from the start, then what each step found
 * (settings and target at the audit, the backend, the host, the port the backend took, the routes, the
 * deadline), and how it ended. The session's parts read and fill it in the order of the life cycle.
 */
export class SessionState {
  /** The ID in routes and URL: lower case, because Traefik's keys are case-insensitive (`Ab` and `ab` are one router). */
  readonly sessionId: string;
  /** The ID as the workflow system gave it, in the notifications. */
  readonly requestedId: string;
  readonly token: string;
  readonly output = new BackendOutput();
  readonly notifications: Delivery[] = [];
  settings: SessionSettings | undefined;
  target: SessionTarget | undefined;
  backend: string | undefined;
  port: number | undefined;
  host: string | undefined;
  routes: SessionRoutes | undefined;
  expiresAt: Date | undefined;
  launched = false;
  endedBy: EndReason = 'failure';
  phase: SessionPhase = 'not started';

  constructor(context: EnvoyContext) {
    const id = context.commandLine.options['--session-id'];
    if (typeof id !== 'string' || !SESSION_ID.test(id)) throw new UsageError('option --session-id: only letters, digits, - and _ are allowed');
    this.requestedId = id;
    this.sessionId = id.toLowerCase();
    // Secrets are registered before any step runs, so nothing printed from here on can carry them (the Redis
    // URL's password is registered by the runner, as every URL setting's).
    this.token = newToken(context.redactor);
  }

  get config(): SessionSettings {
    if (!this.settings) throw new Error('the audit step has not run');
    return this.settings;
  }

  /** The public URL without its token: what the report and the log may show. */
  get publicUrl(): string {
    return `${this.config.proxyBaseUrl}${sessionPrefix(this.sessionId)}/`;
  }

  /** The URL the user gets: the token, and for --single the image (relative to the top-level folder, as CARTA names it). */
  get userUrl(): string {
    const file = this.target?.file;
    return `${this.publicUrl}?token=${this.token}${file ? `&file=${encodeURIComponent(file)}` : ''}`;
  }
}
