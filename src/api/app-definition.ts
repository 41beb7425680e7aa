/**
 * What the user's file declares, read by the code that starts the server: routes, the fastify
 * set-up to replay on every thread that accepts connections (plugins, hooks, schemas, error
 * and not-found handlers, parsers, decorators, in the order they were declared), and the
 * callbacks (`headerGetter`, `requestGetter`, `onMaster`, `onThreadStart`, `onThreadStop`).
 *
 * The public `Gopool` object keeps one under a `Symbol.for` key, so that a CLI and an app with
 * two copies of gopool still read the same definition, and so that it is not part of the
 * object users see.
 */
import type { FastifyInstance } from 'fastify';
import { ERR_SETUP_AFTER_START } from '../errors';
import { RouteRegistry } from './route-registry';

/** fastify methods the user may call on `gopool`, replayed on each accepting thread's fastify. */
export const SETUP_METHODS = [
  'register',
  'addHook',
  'addSchema',
  'setErrorHandler',
  'setNotFoundHandler',
  'addContentTypeParser',
  'decorate',
  'decorateRequest',
  'decorateReply',
  'setValidatorCompiler',
  'setSchemaErrorFormatter',
] as const;
export type SetupMethod = (typeof SETUP_METHODS)[number];

export interface SetupCall {
  method: SetupMethod;
  args: unknown[];
}

export class AppDefinition {
  readonly routes = new RouteRegistry();
  private readonly calls: SetupCall[] = [];
  private frozenBy: string | undefined;

  record(method: SetupMethod, args: unknown[]): void {
    if (this.frozenBy) throw new ERR_SETUP_AFTER_START(method, this.frozenBy);
    this.calls.push({ method, args });
  }

  /** The set-up calls in the order the user's file made them. */
  get setup(): readonly SetupCall[] {
    return this.calls;
  }

  /** Shared schemas (`gopool.addSchema`), for the threads that serialize responses. */
  get sharedSchemas(): unknown[] {
    return this.calls.filter((call) => call.method === 'addSchema').map((call) => call.args[0]);
  }

  /**
   * The app's own functions: route handlers and hooks, and what its set-up calls were given
   * (error handlers, hooks, plugins), for what their closures refer to (dispatch/error-classes.ts).
   */
  functions(): Array<(...args: never[]) => unknown> {
    const found: Array<(...args: never[]) => unknown> = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'function') found.push(value as (...args: never[]) => unknown);
      else if (Array.isArray(value)) for (const item of value) collect(item);
    };
    for (const route of this.routes.list()) {
      collect(route.handler);
      for (const value of Object.values(route.options)) collect(value);
    }
    for (const call of this.calls) for (const arg of call.args) collect(arg);
    return found;
  }

  /** Does the app run code of its own where requests are accepted (plugins, hooks, handlers of errors)? */
  get hasAppCode(): boolean {
    return this.calls.length > 0 || this.routes.list().some((route) => HOOKS.some((hook) => route.options[hook as keyof typeof route.options] !== undefined));
  }

  /** Did the user set an error handler (their own error shape applies then)? */
  get hasErrorHandler(): boolean {
    return this.calls.some((call) => call.method === 'setErrorHandler');
  }

  /**
   * Replays the set-up on a fastify instance (an encapsulated scope of an accepting thread).
   * `rewrite` gives the arguments a call is applied with (the app's not-found handler wrapped
   * to count its answers, its body parsers kept to the JSON depth limit), its own by default.
   */
  applyTo(app: FastifyInstance, rewrite?: (call: SetupCall) => readonly unknown[]): void {
    const target = app as unknown as Record<SetupMethod, (...args: unknown[]) => unknown>;
    for (const call of this.calls) target[call.method].apply(app, rewrite ? [...rewrite(call)] : call.args);
  }

  freeze(reason: string): void {
    this.frozenBy ??= reason;
    this.routes.freeze(reason);
  }
}

const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'onSend', 'onResponse', 'onError'];

const DEFINITION = Symbol.for('gopool.definition');

/** The definition behind a Gopool object (any copy's). */
export function definitionOf(gopool: object): AppDefinition {
  const holder = gopool as { [DEFINITION]?: AppDefinition };
  if (!holder[DEFINITION]) {
    Object.defineProperty(holder, DEFINITION, { value: new AppDefinition(), enumerable: false });
  }
  return holder[DEFINITION]!;
}
