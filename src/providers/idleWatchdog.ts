/**
 * Aborts a provider request when the provider goes quiet: no bytes for `idleMs`.
 * Its `signal` also follows the run's signal, so the SDK gets one signal that covers both.
 * The clock stops while the consumer holds an event, so a slow reader is not blamed on the provider.
 */
export class IdleWatchdog {
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  #unlink: () => void;

  constructor(
    parent: AbortSignal,
    readonly idleMs: number,
  ) {
    this.signal = this.#controller.signal;
    const follow = (): void => this.#controller.abort(parent.reason);
    if (parent.aborted) follow();
    else parent.addEventListener('abort', follow, { once: true });
    this.#unlink = () => parent.removeEventListener('abort', follow);
    this.kick();
  }

  /** True once the idle timer, not the run, aborted the request. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Data arrived (or the consumer handed control back): restart the clock. */
  kick(): void {
    this.pause();
    if (this.signal.aborted) return;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new Error(`idle for ${this.idleMs} ms`));
    }, this.idleMs);
  }

  pause(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  dispose(): void {
    this.pause();
    this.#unlink();
  }
}
