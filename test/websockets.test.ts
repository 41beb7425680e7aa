// WebSockets on gopool, with real `ws` clients: @fastify/websocket registered with
// gopool.register and a chat route declared through fastify, on two ingress threads (clients
// made until they sit on both) and in single mode. Each connection is upgraded and answered on
// the thread that accepted it; a message published from a pooled route, an inline route, the
// master or a WebSocket reaches every client on every thread (gopool.publish /
// gopool.subscribe), and the master's own subscriber; a message that cannot be cloned is
// refused at the publish call; a client that leaves is unsubscribed; stopping the server closes
// every connection with a close frame. A WebSocket route added in onMaster makes start-up warn
// in pool mode (the master accepts no connection) and works in single mode.
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { get, postJson, until } from './helpers/http';
import { type App, FIXTURES, logRecords, run, startApp, whenListening } from './helpers/processes';

const APP = join(FIXTURES, 'websocket-app.js');

interface Message {
  type: string;
  threadId: number;
  text?: string;
  from?: number;
  subscriptions?: number;
  all?: number;
}

/** A real WebSocket client that keeps what it received. */
class Client {
  readonly messages: Message[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => this.messages.push(JSON.parse(String(raw)) as Message));
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve((this.closeCode = code))));
  }

  /** Connected and greeted: `threadId` says which thread accepted the connection. */
  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await client.next((m) => m.type === 'hello');
    return client;
  }

  get threadId(): number {
    return this.messages.find((m) => m.type === 'hello')!.threadId;
  }

  next(match: (m: Message) => boolean): Promise<Message> {
    return until(async () => this.messages.find(match));
  }

  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The count of subscriptions on this client's thread, asked over its connection. */
  async countOnItsThread(): Promise<Message> {
    const asked = this.messages.length;
    this.send({ type: 'count' });
    return until(async () => this.messages.slice(asked).find((m) => m.type === 'count'));
  }

  async close(): Promise<number> {
    this.ws.close();
    return this.closed;
  }
}

/**
 * A WebSocket upgrade request over a raw socket that the client never closes: the status the
 * server answered, once the server has ended the connection (rejects if it has not in 10 s).
 */
function upgradeRequest(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection of ${path} open; it answered: ${received.split('\r\n')[0]}`));
    }, 10_000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0));
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
  });
}

const modes: Array<{ name: string; ingressThreads: number; start: () => Promise<App> }> = [
  {
    name: 'with two ingress threads',
    ingressThreads: 2,
    start: () =>
      startApp(APP, ['--info-url', '/_info', '--min-ingress-threads', '2', '--ingress-threads', '2', '--max-threads', '2', '--cheap-route-ms', '50']),
  },
  {
    name: 'in single mode',
    ingressThreads: 0,
    start: () => whenListening(run(process.execPath, [join(FIXTURES, 'websocket-single.js')], { env: { GOPOOL_INFO_URL: '/_info' } })),
  },
];

/** Connections made at most while looking for clients on every accepting thread. */
const MAX_CONNECTIONS = 80;
/** Clients wanted on each accepting thread (one leaves in the unsubscribe test). */
const PER_THREAD = 2;

for (const mode of modes) {
  describe(`WebSockets ${mode.name}`, () => {
    let app: App;
    let wsUrl: string;
    let accepting: number[]; // the threads that accept connections
    const clients: Client[] = [];
    const onThread = (threadId: number) => clients.filter((c) => c.threadId === threadId && c.closeCode === undefined);
    const threadsOf = async (role: string): Promise<number[]> =>
      (await get(`${app.url}/_info`))
        .json()
        .threads.filter((t: { role: string }) => t.role === role)
        .map((t: { threadId: number }) => t.threadId);

    before(async () => {
      app = await mode.start();
      wsUrl = `${app.url.replace('http', 'ws')}/chat`;
      if (mode.ingressThreads > 0) {
        accepting = await until(async () => {
          const ingress = await threadsOf('ingress');
          return ingress.length === mode.ingressThreads && ingress;
        });
      } else {
        accepting = [0];
      }
      // The kernel picks the thread of each new connection: connect until every accepting
      // thread holds PER_THREAD clients; the extra ones leave.
      for (let made = 0; accepting.some((id) => onThread(id).length < PER_THREAD); made++) {
        assert.ok(made < MAX_CONNECTIONS, `clients on every accepting thread within ${MAX_CONNECTIONS} connections`);
        const client = await Client.open(wsUrl);
        if (onThread(client.threadId).length >= PER_THREAD) await client.close();
        else clients.push(client);
      }
    });
    after(async () => {
      for (const client of clients) client.ws.terminate();
      await app.stop();
    });

    test('each connection is upgraded and answered on the thread that accepted it: echo on every thread', async () => {
      assert.deepEqual([...new Set(clients.map((c) => c.threadId))].sort(), [...accepting].sort());
      for (const [i, client] of clients.entries()) {
        client.send({ type: 'echo', text: `echo ${i}` });
        const echo = await client.next((m) => m.type === 'echo' && m.text === `echo ${i}`);
        assert.equal(echo.threadId, client.threadId, 'answered on the thread that accepted it');
      }
    });

    test('a message published from a pooled route, an inline route, the master or a WebSocket reaches every client on every thread', async () => {
      const everyoneGets = async (text: string, from: number) => {
        for (const client of clients) {
          const got = await client.next((m) => m.type === 'chat' && m.text === text);
          assert.equal(got.from, from, `${text}: published on thread ${from}`);
          assert.equal(got.threadId, client.threadId, `${text}: sent by the client's own thread`);
        }
        await until(async () => (await get(`${app.url}/master/heard`)).json().heard.includes(text));
      };

      const pooled = await postJson(`${app.url}/publish/pool`, { text: 'from a pooled route' });
      assert.equal(pooled.status, 200);
      // A pool thread: neither an accepting thread nor the master (pool threads come and go, so not one listed earlier).
      if (mode.ingressThreads > 0) assert.ok(!accepting.includes(pooled.json().threadId) && pooled.json().threadId !== 0, 'published on a pool thread');
      await everyoneGets('from a pooled route', pooled.json().threadId);

      // An auto route runs inline on the ingress thread once measured cheap: publish until it does.
      let n = 0;
      const inline = await until(async () => {
        const r = await postJson(
          `${app.url}/publish/auto`,
          { text: `inline ${++n}` },
          {
            headers: { 'content-type': 'application/json', connection: 'close' },
          },
        );
        assert.equal(r.status, 200);
        return accepting.includes(r.json().threadId) && { text: `inline ${n}`, threadId: r.json().threadId as number };
      });
      await everyoneGets(inline.text, inline.threadId);

      const master = await postJson(`${app.url}/publish/master`, { text: 'from the master' });
      assert.equal(master.json().threadId, 0);
      await everyoneGets('from the master', 0);

      for (const threadId of accepting) {
        const speaker = onThread(threadId)[0]!;
        speaker.send({ type: 'say', text: `said on thread ${threadId}` });
        await everyoneGets(`said on thread ${threadId}`, threadId);
      }
    });

    test('a message that cannot be cloned is refused at the publish call, with its code; nothing is sent', async () => {
      const r = await postJson(`${app.url}/publish/uncloneable`, {});
      assert.equal(r.status, 500);
      assert.equal(r.json().code, 'GOPOOL_ERR_PUBLISH_NOT_CLONEABLE');
      await postJson(`${app.url}/publish/pool`, { text: 'after the refused one' });
      for (const client of clients) await client.next((m) => m.text === 'after the refused one');
      for (const client of clients) assert.ok(!client.messages.some((m) => m.text === 'never sent'));
    });

    test('a client that leaves is unsubscribed: the count on its thread goes back down', async () => {
      for (const threadId of accepting) {
        const [leaving, staying] = onThread(threadId);
        // In single mode the one thread is the master too: its own subscription counts there.
        const others = mode.ingressThreads > 0 ? 0 : 1;
        const before = await staying!.countOnItsThread();
        assert.equal(before.subscriptions, onThread(threadId).length + others, `one subscription per client on thread ${threadId}`);
        assert.equal(before.all, before.subscriptions, 'no subscription to another topic');
        await leaving!.close();
        await until(async () => (await staying!.countOnItsThread()).subscriptions === onThread(threadId).length + others);
      }
    });

    if (mode.ingressThreads > 0) {
      test('a WebSocket route added in onMaster: start-up warns, naming it; an upgrade to it fails', async () => {
        const warning = logRecords(app.lines).find((r) => r.level === 40 && r.route === 'GET /master-chat');
        assert.ok(warning, 'the warning names the route');
        assert.match(String(warning.msg), /gopool\.register/);
        const ws = new WebSocket(`${app.url.replace('http', 'ws')}/master-chat`);
        const failed = await new Promise<string>((resolve) => {
          ws.once('open', () => resolve('opened'));
          ws.once('error', (err) => resolve(err.message));
        });
        assert.match(failed, /Unexpected server response: 404/);
      });
    } else {
      test('a WebSocket route added in onMaster works (the one thread accepts the connection); no warning', async () => {
        const client = await Client.open(`${app.url.replace('http', 'ws')}/master-chat`);
        assert.equal(client.threadId, 0);
        await client.close();
        assert.ok(!logRecords(app.lines).some((r) => r.level === 40 && r.route === 'GET /master-chat'));
      });
    }

    test('an upgrade request to a route without a WebSocket handler gets its plain answer, then the connection ends', async () => {
      assert.equal(await upgradeRequest(app.url, '/nowhere'), 404, "the app's not-found answer");
      assert.equal(await upgradeRequest(app.url, '/_info'), 200, "monitoring's answer");
      if (mode.ingressThreads > 0) assert.equal(await upgradeRequest(app.url, '/master-chat'), 404, "the master's answer");
    });

    test('stopping the server closes every WebSocket connection with a close frame, then exits 0', async () => {
      const open = clients.filter((c) => c.closeCode === undefined);
      assert.ok(open.length >= accepting.length);
      const exit = await app.stop();
      assert.equal(exit.code, 0);
      for (const client of open) assert.notEqual(await client.closed, 1006, 'closed with a close frame, not cut off');
    });
  });
}
