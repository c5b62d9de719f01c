/**
 * What the backend says about itself on its output, read line by line as it comes (the real backend's log
 * lines, see the emulator's README for their sources): the port it really listens on, that it could not
 * bind one, that it has no frontend files, that a browser connected, and why it exited by itself.
 */
export class BackendOutput {
  private rest = '';
  /** From `Listening on port P with top level folder ...`. */
  port: number | undefined;
  /** `Could not listen on port P!` or `Unable to listen on the port range L-H!`, as said. */
  bindFailure: string | undefined;
  /** `Could not find CARTA frontend files ...`: the page will answer 404. */
  noFrontend: string | undefined;
  /** A browser's WebSocket connected (`Session N [...] Connected.`), at least once. */
  connected = false;
  /** `No sessions timeout.`: the backend exits by its initial or exit time-out. */
  noSessionsTimeout = false;
  private readonly waiting = new Set<() => void>();

  /** Takes a chunk of output (stdout or stderr, secrets already redacted). */
  readonly take = (text: string): void => {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    if (this.rest.length > 65_536) this.rest = '';
    for (const line of lines) this.line(line);
    if (lines.length > 0) for (const wake of this.waiting) wake();
  };

  private line(line: string): void {
    const listening = /\bListening on port (\d+) with top level folder\b/.exec(line);
    // With one port the real backend says it could not bind it, then "Listening on port" all the same.
    if (listening && this.port === undefined && this.bindFailure === undefined) this.port = Number(listening[1]);
    const failure = /\b(Could not listen on port \d+!|Unable to listen on the port range [\d-]+!)/.exec(line);
    if (failure) this.bindFailure ??= failure[1];
    const frontend = /\bCould not find CARTA frontend files.*/.exec(line);
    if (frontend) this.noFrontend ??= frontend[0];
    if (/\bSession \d+ \[[^\]]*\] Connected\./.test(line)) this.connected = true;
    if (/\bNo sessions timeout\./.test(line)) this.noSessionsTimeout = true;
  }

  /** Resolves once `ready()` holds, or when `stop` aborts (then the caller looks at what was said). */
  until(ready: () => boolean, stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!ready() && !stop.aborted) return;
        this.waiting.delete(check);
        stop.removeEventListener('abort', check);
        resolve();
      };
      this.waiting.add(check);
      stop.addEventListener('abort', check, { once: true });
      check();
    });
  }
}
