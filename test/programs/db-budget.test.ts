// A per-process budget of database connections holds, counted by PostgreSQL itself
// (pg_stat_activity): with `share(budget)` in onThreadStart, the connections of every thread
// that runs handlers (ingress threads, pool threads, the master for a runOn 'master' route)
// add up to at most the budget, whatever the thread counts, under load too; and every thread
// closes its own on stop.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from '../helpers/http';
import { type Postgres, startPostgres } from '../helpers/postgres';
import { FIXTURES, logRecords, startApp } from '../helpers/processes';

const APP = join(FIXTURES, 'db-budget-app.js');

describe('a per-process budget of database connections (share)', () => {
  let pg: Postgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  const connections = () => Number(pg.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gopool-budget'"));
  // Lines a thread's console wrote come stamped and prefixed with its id.
  const opened = (lines: string[]) =>
    logRecords(lines.map((line) => line.replace(/^(\S+Z )?(\[thread \d+\] )?/, ''))).filter((r) => r.msg === 'database pool opened');

  for (const { maxThreads, budget } of [
    { maxThreads: 2, budget: 10 }, // the defaults on 2 CPUs: 2 ingress + 2 pool + the master
    { maxThreads: 8, budget: 24 }, // pool threads above the CPU count, for handlers that wait on I/O
  ]) {
    test(`${budget} connections, 2 ingress threads, ${maxThreads} pool threads, the master: at most ${budget} open, under load too`, async () => {
      const threads = 2 + maxThreads + 1;
      const share = Math.floor(budget / threads);
      const app = await startApp(
        APP,
        ['--cpus', '2', '--ingress-threads', '2', '--min-ingress-threads', '2', '--max-threads', String(maxThreads), '--min-threads', String(maxThreads)],
        { DATABASE_URL: pg.url, PG_BUDGET: String(budget) },
      );
      try {
        // Every thread that may run handlers is running, and has opened its whole share.
        const records = await until(async () => {
          const found = opened(app.lines);
          return found.length === threads && found;
        });
        assert.deepEqual(records.map((r) => r.role).sort(), [...Array(2).fill('ingress'), 'master', ...Array(maxThreads).fill('pool')]);
        for (const r of records) {
          assert.equal(r.handlerThreads, threads);
          assert.equal(r.max, share);
        }
        assert.equal(connections(), threads * share, 'PostgreSQL counts every share');
        assert.ok(threads * share <= budget);

        // Under load on every kind of route, no thread opens more than its share.
        let peak = 0;
        const load = Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            for (let k = 0; k < 5; k++) {
              const path = ['/db', '/db-pool', '/db-master'][(i + k) % 3];
              assert.equal((await get(`${app.url}${path}`, { headers: { connection: 'close' } })).status, 200);
            }
          }),
        );
        let loading = true;
        void load.finally(() => {
          loading = false;
        });
        while (loading) {
          peak = Math.max(peak, connections());
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await load;
        assert.ok(peak <= budget, `at most ${budget} connections under load, PostgreSQL counted ${peak}`);
        assert.equal(opened(app.lines).length, threads, 'no thread was added or replaced');
      } finally {
        assert.equal((await app.stop()).code, 0);
      }
      await until(async () => connections() === 0, 10_000);
    });
  }
});
