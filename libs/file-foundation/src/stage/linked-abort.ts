/**
 * An AbortController that also aborts when `parent` does, so a batch can stop its own work on its first failure
 * as well as on the caller's signal. (Not AbortSignal.any: that needs Node 20.3, and a bundle runs on any
 * Node 20.) Call release() when done, so the parent does not keep a listener per batch.
 */
export function linkedAbort(parent: AbortSignal | undefined): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  if (!parent) return { controller, release: () => undefined };
  const forward = (): void => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return { controller, release: () => parent.removeEventListener('abort', forward) };
}
