import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';
import { instanceClasses } from './fastify-classes';

/**
 * fastify gives every request a child logger carrying its request id. A pino child costs
 * time and allocations, paid by every request, while with request logging off almost no
 * request ever logs. This child is made the first time a request
 * does log (or asks for its level), with the same bindings and options: what is written is
 * the same, but a request that logs nothing no longer pays for a logger.
 */
export class RequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly childBindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.childBindings, this.options));
  }

  get level(): LevelWithSilentOrString {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.logger.level = level;
  }

  // Rest parameters: pino's log functions are overloaded (object, message, interpolation values).
  fatal(...args: Parameters<FastifyBaseLogger['fatal']>): void {
    this.logger.fatal(...args);
  }
  error(...args: Parameters<FastifyBaseLogger['error']>): void {
    this.logger.error(...args);
  }
  warn(...args: Parameters<FastifyBaseLogger['warn']>): void {
    this.logger.warn(...args);
  }
  info(...args: Parameters<FastifyBaseLogger['info']>): void {
    this.logger.info(...args);
  }
  debug(...args: Parameters<FastifyBaseLogger['debug']>): void {
    this.logger.debug(...args);
  }
  trace(...args: Parameters<FastifyBaseLogger['trace']>): void {
    this.logger.trace(...args);
  }
  silent(...args: Parameters<FastifyBaseLogger['silent']>): void {
    this.logger.silent(...args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

interface RouteContext {
  logLevel?: string;
  logSerializers?: ChildLoggerOptions['serializers'];
}
type Logged = { [LOGGER]?: FastifyBaseLogger | undefined };
const LOGGER = Symbol('gopool.logger');

/**
 * `request.log` and `reply.log` made the first time they are read, for a fastify without a
 * logger of its own (an ingress or pool thread): a child of `parent` with the request id, the
 * route's `logLevel` and the plugin's `logSerializers`, as fastify's own child would have.
 *
 * A `childLoggerFactory` does the same, but fastify checks the logger such a factory returns
 * on every request (seven methods looked up twice each, by a name it varies: megamorphic
 * loads, measured in bench/README.md, "Instructions per request"). Without one, fastify hands
 * every Request and Reply its null logger (`this.log = log` in their constructors); here `log`
 * is an accessor of this instance's Request and Reply prototypes instead, which leaves that
 * null logger aside and keeps what a hook or plugin assigns. Returns false, changing nothing,
 * if this fastify does not keep its classes where this looks for them (the caller then uses a
 * factory).
 */
export function logOnFirstUse(app: FastifyInstance, parent: FastifyBaseLogger): boolean {
  // Not decorateRequest(): a request that logs gets its logger then (fastify-classes.ts).
  const classes = instanceClasses(app);
  if (classes === undefined) return false;
  const { kRouteContext } = classes;
  const nullLogger = app.log;
  Object.defineProperty(classes.request, 'log', {
    configurable: true,
    get(this: FastifyRequest & Logged): FastifyBaseLogger {
      let logger = this[LOGGER];
      if (logger === undefined) {
        const context = (this as unknown as Record<symbol, RouteContext | undefined>)[kRouteContext];
        const options: ChildLoggerOptions = {};
        if (context?.logLevel) options.level = context.logLevel;
        if (context?.logSerializers) options.serializers = context.logSerializers;
        logger = this[LOGGER] = new RequestLogger(parent, { reqId: this.id }, options);
      }
      return logger;
    },
    set(this: Logged, logger: FastifyBaseLogger) {
      if (logger !== nullLogger) this[LOGGER] = logger;
    },
  });
  Object.defineProperty(classes.reply, 'log', {
    configurable: true,
    get(this: FastifyReply & Logged): FastifyBaseLogger {
      return this[LOGGER] ?? this.request.log;
    },
    set(this: Logged, logger: FastifyBaseLogger) {
      if (logger !== nullLogger) this[LOGGER] = logger;
    },
  });
  return true;
}
