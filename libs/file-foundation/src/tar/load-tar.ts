/** The node-tar module. */
export type TarModule = typeof import('tar');

/** The two classes of node-tar that writing a tar needs. */
export interface TarHeaders {
  readonly Header: typeof import('tar/header').Header;
  readonly Pax: typeof import('tar/pax').Pax;
}

/**
 * Loads node-tar when a tar is actually read or written. The envoys' cold start is measured and `--help` must
 * not pay for evaluating it, so no module of this library imports it at the top.
 */
export function loadTar(): Promise<TarModule> {
  return import('tar');
}

/**
 * Loads only node-tar's header and pax encoders, which is all that writing needs: measured in a bundle, 0.3 ms
 * against 7 ms for the whole package, paid by every run that makes a tar.
 */
export async function loadTarHeaders(): Promise<TarHeaders> {
  const [{ Header }, { Pax }] = await Promise.all([import('tar/header'), import('tar/pax')]);
  return { Header, Pax };
}
