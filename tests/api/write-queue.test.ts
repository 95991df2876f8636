import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WriteQueue } from '../../src/api/index.js';

/** Lets every settled promise run its continuations. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('WriteQueue', () => {
  it('runs writes one at a time in order and refuses beyond its capacity with 429', async () => {
    const queue = new WriteQueue('idx', 2);
    const log: string[] = [];
    let release!: () => void;
    const first = queue.run(async () => {
      log.push('first starts');
      await new Promise<void>((resolve) => (release = resolve));
      log.push('first ends');
      return 1;
    });
    const second = queue.run(async () => {
      log.push('second runs');
      return 2;
    });
    await expect(queue.run(async () => 3)).rejects.toMatchObject({ status: 429, code: 'write_queue_full' });
    await settle();
    expect(log).toEqual(['first starts']);
    release();
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(log).toEqual(['first starts', 'first ends', 'second runs']);
  });

  it('pauses as long as a write took before the next one while searches wait, without delaying its reply', async () => {
    let searching = true;
    const queue = new WriteQueue('idx', 4, () => searching);
    const started: number[] = [];
    const write = (busyMs: number) => async () => {
      started.push(performance.now());
      vi.advanceTimersByTime(busyMs); // the write's own (synchronous) work
      return busyMs;
    };
    const t0 = performance.now();
    const first = queue.run(write(120));
    const second = queue.run(write(10));
    const third = queue.run(write(10));
    expect(await first).toBe(120);
    await settle();
    // The first reply is not delayed, but the second write waits 120 ms more.
    expect(started).toEqual([t0]);
    vi.advanceTimersByTime(119);
    await settle();
    expect(started).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await settle();
    expect(started).toEqual([t0, t0 + 240]);
    expect(await second).toBe(10);
    vi.advanceTimersByTime(10);
    await settle();
    expect(await third).toBe(10);
    expect(started[2]).toBe(t0 + 260);
  });

  it('runs writes back to back when no search waits', async () => {
    const queue = new WriteQueue('idx', 4, () => false);
    const started: number[] = [];
    const write = async () => {
      started.push(performance.now());
      vi.advanceTimersByTime(50);
    };
    const t0 = performance.now();
    await Promise.all([queue.run(write), queue.run(write), queue.run(write)]);
    expect(started).toEqual([t0, t0 + 50, t0 + 100]);
  });
});
