/**
 * The voices a worker has loaded, by model path and version: loaded on first use, shared by every job that uses
 * them, and released once unused for the configured time, so a server with many installed voices keeps only
 * the ones in use in memory. A model replaced on disk (a new pull) has a new version (its file's mtime), so
 * jobs after the rescan load the new file while jobs still on the old one keep theirs until it idles out.
 */
export interface Releasable {
  release(): Promise<void>;
}

export class VoiceCache<Voice extends Releasable> {
  private readonly voices = new Map<string, { readonly voice: Promise<Voice>; lastUsed: number }>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly load: (path: string) => Promise<Voice>) {}

  get(path: string, version: number, idleUnloadMs: number): Promise<Voice> {
    const key = `${path}\0${version}`;
    let entry = this.voices.get(key);
    if (!entry) {
      entry = { voice: this.load(path), lastUsed: 0 };
      this.voices.set(key, entry);
      // A voice that failed to load is tried again by the next job instead of failing forever.
      entry.voice.catch(() => this.voices.delete(key));
    }
    entry.lastUsed = performance.now();
    if (idleUnloadMs > 0) this.scheduleSweep(idleUnloadMs);
    return entry.voice;
  }

  private scheduleSweep(idleUnloadMs: number): void {
    clearTimeout(this.sweep);
    this.sweep = setTimeout(() => {
      const now = performance.now();
      for (const [key, entry] of this.voices) {
        if (now - entry.lastUsed < idleUnloadMs) continue;
        this.voices.delete(key);
        void entry.voice.then((voice) => voice.release(), () => undefined);
      }
      if (this.voices.size > 0) this.scheduleSweep(idleUnloadMs);
    }, idleUnloadMs);
    this.sweep.unref();
  }
}
