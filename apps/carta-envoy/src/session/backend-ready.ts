import { ExternalFailureError, UnavailableError, type EnvoyContext, type LaunchResult } from '@envoys/envoy-core';
import { describeExit } from './end-reason';
import { pollUntil } from './ready';
import { sessionPrefix } from './routes';
import type { SessionState } from './state';

/**
 * The port the backend really listens on, from its own output (it picks one in the range itself). A port
 * it could not bind is exit 69 whatever its exit status (the real backend exits 0 then); exiting before it
 * said is a backend failure (70); no word within the ready time-out too. Undefined: the envoy is being stopped.
 */
export async function backendPort(context: EnvoyContext, session: SessionState, stop: AbortSignal, exited: () => LaunchResult | undefined): Promise<number | undefined> {
  const { output, config } = session;
  const timeout = AbortSignal.timeout(config.readyTimeoutMs);
  const either = new AbortController();
  const abort = () => either.abort();
  stop.addEventListener('abort', abort, { once: true });
  timeout.addEventListener('abort', abort, { once: true });
  if (stop.aborted) abort();
  try {
    await output.until(() => output.port !== undefined || output.bindFailure !== undefined, either.signal);
  } finally {
    stop.removeEventListener('abort', abort);
    timeout.removeEventListener('abort', abort);
  }
  const { low, high } = config.backendPorts;
  if (output.bindFailure) {
    throw new UnavailableError(`CARTA backend found no free port: it said "${output.bindFailure}" (envoys.carta.backendPorts ${low}-${high})`);
  }
  if (output.port !== undefined) return output.port;
  if (context.signal.aborted) return undefined;
  const result = exited();
  if (result) throw new ExternalFailureError(`CARTA backend ${describeExit(result)} before it listened on a port`);
  throw new ExternalFailureError(`CARTA backend did not say which port it listens on within ${config.readyTimeoutMs / 1000} s (envoys.carta.readyTimeoutSeconds); it was stopped`);
}

/**
 * Waits until the backend serves its own page on `port` (CONTRACT 6.3 step 4). Resolves false when the envoy
 * is being stopped; throws when the backend exited, has no frontend files, or did not answer in time.
 */
export async function servesPage(context: EnvoyContext, session: SessionState, port: number, stop: AbortSignal, exited: () => LaunchResult | undefined): Promise<boolean> {
  const { output, config } = session;
  const page = await pollUntil(`http://127.0.0.1:${port}${sessionPrefix(session.sessionId)}/`, {
    accept: (status) => status === 200,
    // A backend that said it has no frontend files answers 404 for good: no reason to wait out the time-out.
    hopeless: (probe) => probe.status === 404 && output.noFrontend !== undefined,
    timeoutMs: config.readyTimeoutMs,
    stop,
  });
  if (!page.ok) {
    if (context.signal.aborted) return false;
    const result = exited();
    if (result) throw new ExternalFailureError(`CARTA backend ${describeExit(result)} before it served its page on port ${port}`);
    if (output.noFrontend) throw new UnavailableError(`CARTA backend cannot serve its page: ${output.noFrontend} (set envoys.carta.frontendFolder)`);
    throw new ExternalFailureError(
      `CARTA backend did not serve its page on port ${port} within ${config.readyTimeoutMs / 1000} s (envoys.carta.readyTimeoutSeconds): it answered ${page.saw}; it was stopped`,
    );
  }
  context.logger.child('ready').info(`the backend serves its page on port ${port}`);
  return true;
}
