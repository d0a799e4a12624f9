import { sleep } from '../processes';

/**
 * A stand-in controller's loop: `sync()` every interval until stopped. A failed round is retried on
 * the next one (the API server may be down on purpose, or a write may conflict with the test's own).
 */
export abstract class SyncLoop {
  private running = false;
  private loop?: Promise<void>;

  /** One round of the stand-in's work. */
  public abstract sync(): Promise<void>;

  public start(intervalMs = 500): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.sync();
        } catch {
          // next round
        }
        await sleep(intervalMs);
      }
    })();
  }

  public async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
