import cliProgress from 'cli-progress';

/** A progress display on stderr for interactive use; silent when stderr is not a terminal. */
export function progressReporter(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  let stage = '';
  return {
    onProgress(event: { stage: string; done?: number; total?: number }) {
      if (event.stage !== stage) {
        bar?.stop();
        bar = undefined;
        stage = event.stage;
        if (event.total === undefined) process.stderr.write(`${stage}...\n`);
      }
      if (event.total !== undefined) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: `${stage} [{bar}] {value}/{total}`, stream: process.stderr, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.total, event.done ?? 0);
        }
        bar.update(event.done ?? 0);
      }
    },
    stop: () => bar?.stop(),
  };
}
