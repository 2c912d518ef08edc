/**
 * Aborts a provider request when the provider goes quiet: no bytes for `idleMs`.
 * Its `signal` also follows the run's signal, so the SDK gets one signal that covers both.
 * The clock stops while the consumer holds an event, so a slow reader is not blamed on the provider.
 *
 * Kicks come once per streamed chunk, so they only note the time: one timer per request checks
 * the deadline when it falls due and re-arms itself for whatever time is left.
 */
export class IdleWatchdog {
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  #paused = false;
  #lastKick = 0;
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
    this.#paused = false;
    this.#lastKick = performance.now();
    if (this.#timer === undefined && !this.signal.aborted) this.#arm(this.idleMs);
  }

  pause(): void {
    this.#paused = true;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unlink();
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#check(), ms);
  }

  #check(): void {
    this.#timer = undefined;
    if (this.signal.aborted) return;
    // Paused: the consumer holds an event; its kick restarts the clock and the timer.
    if (this.#paused) return;
    const left = this.#lastKick + this.idleMs - performance.now();
    if (left > 0) {
      this.#arm(left);
      return;
    }
    this.#timedOut = true;
    this.#controller.abort(new Error(`idle for ${this.idleMs} ms`));
  }
}
