import cliProgress from 'cli-progress';

/** A progress bar on stderr with rate and ETA; silent when `quiet`, periodic plain lines when stderr is not a TTY. */
export class ProgressReporter {
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();

  constructor(label: string, total: number, unit: string, quiet = false) {
    if (quiet) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
        noTTYOutput: true,
        notTTYSchedule: 5000,
        etaBuffer: 50,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { rate: '0' });
  }

  update(done: number): void {
    const seconds = (Date.now() - this.started) / 1000;
    this.bar?.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(0) : '0' });
  }

  stop(): void {
    this.bar?.stop();
  }
}
