import { lookup, lookupService } from 'node:dns/promises';
import { hostname } from 'node:os';
import { settledWithin } from './timing';

/**
 * The node's fully qualified name, as `hostname -f` finds it: the host name itself when it has a domain,
 * else the first reverse-resolved name of one of its addresses that extends it (`node1` -> `node1.cluster.example`).
 * Name service trouble must not hold a session up, so each lookup is bounded and the plain host name is the
 * fallback; a site whose proxy cannot resolve that sets envoys.carta.host.
 */
export async function nodeFqdn(timeoutMs = 2000): Promise<string> {
  const name = hostname();
  if (name.includes('.')) return name;
  const addresses = (await settledWithin(lookup(name, { all: true }), timeoutMs)) ?? [];
  for (const { address } of addresses) {
    const reverse = await settledWithin(lookupService(address, 0), timeoutMs);
    if (reverse && reverse.hostname.startsWith(`${name}.`)) return reverse.hostname;
  }
  return name;
}
