/** Where the server is in its life; readiness and request admission follow it. */
export type Phase = 'starting' | 'ready' | 'stopping' | 'failed';

export class Lifecycle {
  phase: Phase = 'starting';
  /** Requests received and not yet finished (close waits for them). */
  inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  begin(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight--;
    if (this.inFlight === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
