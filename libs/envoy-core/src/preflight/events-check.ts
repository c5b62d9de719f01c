import { InvalidInputError, UnavailableError } from '../errors';
import { amqpLocation } from '../events/amqp-transport';
import { endpointText, probeHttp } from '../http/post-json';
import { durationMs } from '../settings';
import type { PreflightCheck, PreflightContext } from './check';

// An answer that says the URL is wrong for the envoy: no such endpoint, or credentials refused. Any other
// answer (405 to the probe's HEAD from an endpoint that takes only POST, 400, 2xx) shows it is there.
const WRONG_ENDPOINT = new Set([401, 403, 404, 407, 410]);

/**
 * The events endpoints the settings name (none, HTTP, AMQP or both): a run whose events go nowhere does not
 * fail, but the workflow system then never hears of it; --check fails for it before the first job, a dry run
 * warns (advisory checks).
 */
export function eventsChecks(context: PreflightContext): PreflightCheck[] {
  const { settings } = context;
  const attemptMs = durationMs(settings, 'envoys.events.timeoutSeconds', 'seconds') ?? 5000;
  const checks: PreflightCheck[] = [];
  const url = settings.optionalString('envoys.events.url');
  if (url) checks.push({ name: 'events-http', advisory: true, run: () => checkHttpEndpoint(url, attemptMs, context) });
  const amqpUrl = settings.optionalString('envoys.events.amqpUrl');
  if (amqpUrl) checks.push({ name: 'events-amqp', advisory: true, run: () => checkAmqpExchange(amqpUrl, settings.string('envoys.events.exchange'), attemptMs, context) });
  return checks;
}

async function checkHttpEndpoint(url: string, attemptMs: number, context: PreflightContext): Promise<string> {
  const endpoint = endpointText(url);
  // HEAD: a probe must not look like an event to the workflow system.
  const outcome = await probeHttp(url, { method: 'HEAD', attemptMs, signal: context.signal, headers: { 'user-agent': `${context.envoy}/${context.version}` } });
  const where = '(setting envoys.events.url, ENVOY_EVENTS_URL)';
  if ('error' in outcome) throw new UnavailableError(`events endpoint ${endpoint} does not answer: ${outcome.error} ${where}`);
  if (outcome.status >= 500) throw new UnavailableError(`events endpoint ${endpoint} answers HTTP ${outcome.status}: the workflow system is failing ${where}`);
  if (WRONG_ENDPOINT.has(outcome.status)) {
    const why = outcome.status === 401 || outcome.status === 403 || outcome.status === 407 ? 'its credentials are refused' : 'no such endpoint';
    throw new InvalidInputError(`events endpoint ${endpoint} answers HTTP ${outcome.status}: ${why} ${where}`);
  }
  return `events endpoint ${endpoint} answers (HTTP ${outcome.status} to a HEAD request)`;
}

type Amqp = typeof import('amqplib');

/** Connects as a run would and looks the exchange up without declaring it (a dry run changes nothing). */
async function checkAmqpExchange(url: string, exchange: string, attemptMs: number, context: PreflightContext): Promise<string> {
  const location = amqpLocation(url, exchange);
  const amqp: Amqp = await import('amqplib');
  let connection: Awaited<ReturnType<Amqp['connect']>> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${attemptMs / 1000} s`)), attemptMs);
  });
  try {
    const work = (async () => {
      connection = await amqp.connect(url, { timeout: attemptMs, clientProperties: { connection_name: `${context.envoy} --check` } });
      connection.on('error', () => undefined);
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        await channel.checkExchange(exchange);
        return `broker ${location} answers; the exchange exists`;
      } catch (error) {
        // The run declares it (a durable topic exchange) at its first event.
        if (/NOT[_-]FOUND/.test(error instanceof Error ? error.message : String(error))) {
          return `broker ${location} answers; the exchange does not exist yet: the first event declares it (durable, topic)`;
        }
        throw error;
      }
    })();
    work.catch(() => undefined);
    return await Promise.race([work, timeout]);
  } catch (error) {
    const reason = amqpReason(error);
    throw new UnavailableError(`events broker ${location} ${reason} (setting envoys.events.amqpUrl, ENVOY_EVENTS_AMQP_URL)`, [], { cause: error });
  } finally {
    if (timer) clearTimeout(timer);
    await (connection as { close(): Promise<void> } | undefined)?.close().catch(() => undefined);
  }
}

function amqpReason(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') return 'refuses the connection (ECONNREFUSED)';
  if (/ACCESS[_-]REFUSED|403/.test(message)) return `refuses the envoy's credentials or vhost: ${message.split('\n')[0]}`;
  if (code) return `cannot be reached (${code})`;
  return `does not answer as a broker: ${message.split('\n')[0]}`;
}
