/** The node-tar module. */
export type TarModule = typeof import('tar');

/**
 * Loads node-tar when a tar is actually read or written. The envoys' cold start is measured and `--help` must
 * not pay for evaluating it, so no module of this library imports it at the top.
 */
export function loadTar(): Promise<TarModule> {
  return import('tar');
}
