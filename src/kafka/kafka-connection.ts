import { Kafka, logLevel, type LogEntry } from 'kafkajs';

const LEVELS: Record<string, logLevel> = { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG };

/**
 * A client that logs nothing by default: failures surface as errors of the command (the client's
 * own error log also reports requests it then retries successfully). SUBSNAP_KAFKA_LOG=error|warn|
 * info|debug shows the client's log on stderr.
 */
export function kafkaClient(brokers: string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 5_000,
    retry: { retries: 5, initialRetryTime: 200 },
    logLevel: LEVELS[process.env.SUBSNAP_KAFKA_LOG ?? ''] ?? logLevel.NOTHING,
    logCreator: () => ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...details } = log;
      console.error(`subsnap: kafka ${['NOTHING', 'ERROR', 'WARN', 'INFO', 'DEBUG'][level] ?? level} ${namespace}: ${message} ${JSON.stringify(details)}`);
    },
  });
}

/**
 * Runs `work` again while it fails with an error Kafka calls retriable (a group coordinator still
 * loading after a broker start, a leader moving), for at most `forMs`: admin requests such as
 * fetching a group's offsets are not retried by the client itself.
 */
export async function retryRetriable<T>(work: () => Promise<T>, forMs = 30_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return await work();
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || Date.now() + wait > deadline) throw error;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
