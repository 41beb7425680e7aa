import http from 'node:http';

export interface Outcome {
  start: number;
  end: number;
  status?: number;
  /** The error code of a failed request (ECONNREFUSED, ECONNRESET, ...). */
  error?: string;
  /** The master pid that answered, for routes that return `{ pid }`. */
  pid?: number;
}

export interface Load {
  /** Outcomes so far (live). */
  outcomes: Outcome[];
  /** Resolves when the load has stopped (duration or count reached, or stop()). */
  done: Promise<Outcome[]>;
  /** Ends the load early: requests in flight finish, no new ones start. */
  stop(): void;
}

/**
 * Keeps `connections` requests in flight on kept-alive connections, as a real client pool
 * does, until `durationMs` or `maxRequests`. Bounded in both; never retries.
 */
export function steadyLoad(
  url: string,
  { connections, durationMs, maxRequests = 1_000_000 }: { connections: number; durationMs: number; maxRequests?: number },
): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const outcomes: Outcome[] = [];
  let deadline = Date.now() + durationMs;
  let issued = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const outcome: Outcome = { start: Date.now(), end: 0 };
      const req = http.get(url, { agent, timeout: 15_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          outcome.end = Date.now();
          outcome.status = res.statusCode;
          try {
            outcome.pid = (JSON.parse(body) as { pid?: number }).pid;
          } catch {
            /* not JSON */
          }
          outcomes.push(outcome);
          resolve();
        });
        res.on('error', (err: NodeJS.ErrnoException) => {
          outcome.end = Date.now();
          outcome.error = err.code ?? err.message;
          outcomes.push(outcome);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => {
        outcome.end = Date.now();
        outcome.error = err.code ?? err.message;
        outcomes.push(outcome);
        resolve();
      });
    });
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline && issued < maxRequests) {
      issued++;
      await one();
    }
  };
  const done = Promise.all(Array.from({ length: connections }, worker)).then(() => {
    agent.destroy();
    return outcomes;
  });
  return {
    outcomes,
    done,
    stop: () => {
      deadline = 0;
    },
  };
}

export function summarize(outcomes: Outcome[]): string {
  const failed = outcomes.filter((o) => o.error || (o.status ?? 0) >= 500);
  const codes = new Map<string, number>();
  for (const o of failed) codes.set(o.error ?? String(o.status), (codes.get(o.error ?? String(o.status)) ?? 0) + 1);
  return `${outcomes.length} requests, ${failed.length} failed ${JSON.stringify(Object.fromEntries(codes))}`;
}
