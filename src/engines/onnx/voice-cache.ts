/**
 * The voices a worker has loaded, by model path: loaded on first use, shared by every job that uses them, and
 * released once unused for the configured time, so a server with many installed voices keeps only the ones
 * in use in memory.
 */
export interface Releasable {
  release(): Promise<void>;
}

export class VoiceCache<Voice extends Releasable> {
  private readonly voices = new Map<string, { readonly voice: Promise<Voice>; lastUsed: number }>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly load: (path: string) => Promise<Voice>) {}

  get(path: string, idleUnloadMs: number): Promise<Voice> {
    let entry = this.voices.get(path);
    if (!entry) {
      entry = { voice: this.load(path), lastUsed: 0 };
      this.voices.set(path, entry);
      // A voice that failed to load is tried again by the next job instead of failing forever.
      entry.voice.catch(() => this.voices.delete(path));
    }
    entry.lastUsed = performance.now();
    if (idleUnloadMs > 0) this.scheduleSweep(idleUnloadMs);
    return entry.voice;
  }

  private scheduleSweep(idleUnloadMs: number): void {
    clearTimeout(this.sweep);
    this.sweep = setTimeout(() => {
      const now = performance.now();
      for (const [path, entry] of this.voices) {
        if (now - entry.lastUsed < idleUnloadMs) continue;
        this.voices.delete(path);
        void entry.voice.then((voice) => voice.release(), () => undefined);
      }
      if (this.voices.size > 0) this.scheduleSweep(idleUnloadMs);
    }, idleUnloadMs);
    this.sweep.unref();
  }
}
