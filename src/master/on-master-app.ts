import type { FastifyInstance } from 'fastify';
import type { Logger } from '../runtime/logger';

/**
 * What a call on onMaster's `app` would have done to the whole app in a fastify app (or in the
 * original gopool), and what does that now. onMaster's `app` is a scope of the master, whose
 * only routes are the ones added in onMaster: the app's routes are served by ingress threads,
 * where onMaster never runs. Each entry returns the replacement, or undefined when the call is
 * fine on the master (a hook of the application's life cycle, an encapsulated plugin).
 */
const APP_WIDE: Record<string, (args: unknown[]) => string | undefined> = {
  addContentTypeParser: () =>
    "gopool.addContentTypeParser(…) in the app file (one for application/json replaces gopool's, which gopool.jsonParser() gives back)",
  removeContentTypeParser: () => "gopool.addContentTypeParser(…) in the app file for that content type: it replaces gopool's parser",
  removeAllContentTypeParsers: () => "gopool.addContentTypeParser(…) in the app file: one for a content type replaces gopool's",
  addHook: ([name]) => (typeof name === 'string' && REQUEST_HOOKS.has(name) ? 'gopool.addHook(…) in the app file' : undefined),
  register: ([plugin]) => (appliesToParent(plugin) ? 'gopool.register(…) in the app file' : undefined),
  setErrorHandler: () => 'gopool.setErrorHandler(…) in the app file',
  setNotFoundHandler: () => 'gopool.setNotFoundHandler(…) in the app file',
  decorateRequest: () => 'gopool.decorateRequest(…) in the app file',
  decorateReply: () => 'gopool.decorateReply(…) in the app file',
  setValidatorCompiler: () => 'gopool.setValidatorCompiler(…) in the app file',
  setSchemaErrorFormatter: () => 'gopool.setSchemaErrorFormatter(…) in the app file',
  addSchema: () => 'gopool.addSchema(…) in the app file',
  setSerializerCompiler: () => "nothing: a route's response schema serializes its result with fastify's serializer where its handler ran",
  setReplySerializer: () => "nothing: gopool serializes a handler's result where it ran",
};

/** Hooks of a request's life: on onMaster's `app` they run for onMaster's routes only. */
const REQUEST_HOOKS = new Set([
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'preSerialization',
  'onSend',
  'onResponse',
  'onError',
  'onTimeout',
  'onRequestAbort',
]);

/**
 * onMaster's `app`: the master's scope itself, except that a call that would have reached the
 * app's routes says, once per call, at start-up, that it applies to onMaster's routes only and
 * what to use instead. The call still applies to onMaster's own routes, as before.
 */
export function onMasterApp(scope: FastifyInstance, log: Logger): FastifyInstance {
  const proxy: FastifyInstance = new Proxy(scope, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const replacement = APP_WIDE[property];
      // Bound to the real scope: fastify compares and extends its instances (`this`), which a
      // proxy must not stand in for; what returns the scope (chained calls) returns the proxy.
      return function onMasterCall(...args: unknown[]): unknown {
        const use = replacement?.(args);
        if (use !== undefined) {
          log.warn(
            { call: `app.${property}`, use },
            `onMaster: app.${property}(${describeArgs(property, args)}) applies only to the routes added in onMaster, not to the app's routes: use ${use}`,
          );
        }
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        return result === target ? proxy : result;
      };
    },
  });
  return proxy;
}

/** A plugin made with fastify-plugin extends the scope it is registered in, not a child of it. */
function appliesToParent(plugin: unknown): boolean {
  const fn = typeof plugin === 'object' && plugin !== null && 'default' in plugin ? (plugin as { default: unknown }).default : plugin;
  return typeof fn === 'function' && Boolean((fn as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')]);
}

/** Enough of the arguments to tell the call in the log: the content type, the hook, the plugin's name. */
function describeArgs(property: string, args: unknown[]): string {
  const [first] = args;
  if (property === 'register') {
    const fn = typeof first === 'object' && first !== null && 'default' in first ? (first as { default: unknown }).default : first;
    const meta = typeof fn === 'function' ? (fn as unknown as Record<symbol, { name?: string } | undefined>)[Symbol.for('plugin-meta')] : undefined;
    const name = meta?.name ?? (typeof fn === 'function' ? fn.name : '');
    return name ? `${name}, …` : '…';
  }
  if (typeof first === 'string') return args.length > 1 ? `'${first}', …` : `'${first}'`;
  if (first instanceof RegExp) return `${first}, …`;
  return args.length > 0 ? '…' : '';
}
