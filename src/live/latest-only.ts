/**
 * A sender that never queues: at most one send under way, and while it is, only the newest value
 * waits (each new one replaces the one waiting). A slow or failing receiver thus costs the caller
 * one pending value and one promise, however long it stays slow, and never an error.
 */
export class LatestOnly<T> {
  private sending = false;
  private waiting: (() => Promise<T | null>) | undefined;

  /**
   * `send` delivers one value; `onError` hears of every failure (of `build` or of `send`). A value
   * is built only when it is about to be sent, so a value that waited is as fresh as can be.
   */
  constructor(
    private readonly send: (value: T) => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Hands over a value to send (null: nothing to send); returns at once, never throws. */
  offer(build: () => Promise<T | null>): void {
    if (this.sending) {
      this.waiting = build;
      return;
    }
    this.sending = true;
    void this.deliver(build);
  }

  private async deliver(build: () => Promise<T | null>): Promise<void> {
    try {
      const value = await build();
      if (value !== null) await this.send(value);
    } catch (err) {
      this.onError(err);
    }
    this.sending = false;
    const next = this.waiting;
    this.waiting = undefined;
    if (next) this.offer(next);
  }
}
