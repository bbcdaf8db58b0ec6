/**
 * Starts pulling an async iterator ahead of its consumer into a bounded buffer, so the next request's
 * synthesis runs while the current one is still being sent, and its first audio follows the previous
 * `audio_end` without a gap. The bound keeps a slow reader from making the server buffer without limit.
 */
export class Prefetcher<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private done = false;
  private failure: { error: unknown } | undefined;
  private pulling = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly limit: number,
  ) {
    void this.fill();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      const head = this.buffer.shift();
      if (head !== undefined) {
        void this.fill();
        return { value: head, done: false };
      }
      if (this.failure) throw this.failure.error;
      if (this.done) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<T>> {
    this.done = true;
    this.buffer.length = 0;
    await this.source.return?.();
    return { value: undefined, done: true };
  }

  private async fill(): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      while (!this.done && this.buffer.length < this.limit) {
        const result = await this.source.next();
        if (result.done) this.done = true;
        else this.buffer.push(result.value);
        this.notify();
      }
    } catch (error) {
      this.failure = { error };
      this.notify();
    } finally {
      this.pulling = false;
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
