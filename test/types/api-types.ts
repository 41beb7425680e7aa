// Compile-time checks of the public types (run by `npm test` through tsc --noEmit; also compiled
// by test/programs/package.test.ts as a consumer of the installed tarball, under every module
// resolution). A line marked @ts-expect-error must fail to compile, or tsc reports the marker as
// unused: a type that decays to `any` fails the check.
import gopoolDefault, { gopool, type HandlerRequest, HttpError, jsonParser, type RunningServer, reply, type SseEvent, sse, type UploadedFile } from 'gopool';

declare module 'gopool' {
  interface GopoolContext {
    db: { url: string };
  }
}

const sameInstance: typeof gopool = gopoolDefault;
void sameInstance;

gopool.get<{ Params: { id: string }; Querystring: { verbose?: string }; Body: never }>('/users/:id', ({ params, query, ctx }) => {
  const id: string = params.id;
  const verbose: string | undefined = query.verbose;
  const url: string = ctx.db.url;
  // @ts-expect-error: ctx.db.url is a string: the declaration merging above reached GopoolContext
  const port: number = ctx.db.url;
  void port;
  // @ts-expect-error: params has no such key
  void params.name;
  // @ts-expect-error: params.id is a string, not a number
  const asNumber: number = params.id;
  void asNumber;
  return { id, verbose, url };
});

gopool.post<{ Body: { name: string; tags: string[] } }>('/items', { timeout: 500, runOn: 'pool' }, ({ body }) => {
  const first: string | undefined = body.tags[0];
  // @ts-expect-error: body.name is a string
  const wrong: number = body.name;
  void wrong;
  return reply({ name: body.name, first }, { status: 201, headers: { location: '/items/1' } });
});

// Without generics everything is loosely typed but still safe to read.
gopool.all('/any', (request: HandlerRequest) => {
  const params: Record<string, string> = request.params;
  return { params, method: request.method };
});

gopool.get('/auto', { runOn: 'auto' }, () => 1);
// @ts-expect-error: runOn takes "auto", "pool" or "master"
gopool.get('/bad', { runOn: 'moon' }, () => 1);

// Streams: a generator of events for sse(), the raw body of a body: "stream" route, multipart files.
gopool.get('/events', { streamIdleTimeout: 60_000 }, () =>
  sse(
    (async function* (): AsyncGenerator<SseEvent> {
      yield { event: 'tick', id: 1, data: { n: 1 } };
    })(),
    { heartbeat: 10_000, retry: 3000 },
  ),
);
gopool.get('/lines', () => gopool.sse(['one', 'two']));
gopool.get('/download', () =>
  reply(
    (async function* () {
      yield 'chunk';
    })(),
    { headers: { 'content-type': 'text/plain' } },
  ),
);
gopool.post<{ Body: ReadableStream<Uint8Array> }>('/upload', { body: 'stream', bodyLimit: 1 << 30 }, async ({ body }) => {
  const { value } = await body.getReader().read();
  return value?.byteLength ?? 0;
});
gopool.post<{ Body: { title: string; file: UploadedFile } }>('/form', ({ body }) => {
  const bytes: Uint8Array = body.file.data;
  const name: string = body.file.filename;
  return { name, size: bytes.byteLength, title: body.title };
});
// @ts-expect-error: body takes "parsed" or "stream"
gopool.post('/bad-body', { body: 'raw' }, () => 1);
// @ts-expect-error: an event's id is a string or a number
void sse([{ data: 1, id: true }]);

gopool.onMaster = async ({ app, ctx }) => {
  ctx.db = { url: 'postgres://localhost/app' };
  app.get('/master/ping', async () => ({ ok: true }));
};
gopool.headerGetter = (headers) => ({ auth: headers.authorization });

// A per-process budget: each thread's share.
gopool.onThreadStart = ({ share, handlerThreads, role }) => {
  const max: number = share(10);
  const threads: number = handlerThreads;
  // @ts-expect-error: a budget is a number
  share('10');
  return { max, threads, role };
};

// gopool's own JSON parser, declared again with options; an app's own parser, as in fastify.
gopool.addContentTypeParser('application/json', gopool.jsonParser({ emptyBody: {} }));
gopool.addContentTypeParser(['application/vnd.api+json'], jsonParser());
gopool.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, String(body).split(',')));
// @ts-expect-error: jsonParser takes an options object
gopool.jsonParser('{}');

async function start(): Promise<void> {
  const server: RunningServer | undefined = await gopool.startWithThreadsPool({ port: 0, maxThreads: 2 });
  // @ts-expect-error: unknown option
  await gopool.startWithSingle({ port: 0, maxThread: 2 });
  if (server) await server.close();
  throw new HttpError(404, 'not found');
}
void start;

// Publish / subscribe across the threads of the process.
const unsubscribe: () => void = gopool.subscribe<{ text: string }>('chat', (message) => {
  const text: string = message.text;
  // @ts-expect-error: the message is typed by the subscription's generic
  const wrongText: number = message.text;
  void wrongText;
  void text;
});
unsubscribe();
gopool.publish('chat', { text: 'hello' });
const here: number = gopool.subscriptions('chat') + gopool.subscriptions();
void here;
// @ts-expect-error: a topic is a string
gopool.publish(42, { text: 'hello' });
