/**
 * Types of the fastify set-up methods on `gopool` (register, addHook, ...): fastify's own
 * parameter types, returning gopool so that calls chain.
 */
import type {
  AddContentTypeParser,
  FastifyError,
  FastifyInstance,
  FastifyRegister,
  FastifyReply,
  FastifyRequest,
  FastifySchemaCompiler,
  onCloseAsyncHookHandler,
  onCloseHookHandler,
  onErrorAsyncHookHandler,
  onErrorHookHandler,
  onListenAsyncHookHandler,
  onListenHookHandler,
  onReadyAsyncHookHandler,
  onReadyHookHandler,
  onRequestAbortAsyncHookHandler,
  onRequestAbortHookHandler,
  onRequestAsyncHookHandler,
  onRequestHookHandler,
  onResponseAsyncHookHandler,
  onResponseHookHandler,
  onRouteHookHandler,
  onSendAsyncHookHandler,
  onSendHookHandler,
  onTimeoutAsyncHookHandler,
  onTimeoutHookHandler,
  preCloseAsyncHookHandler,
  preCloseHookHandler,
  preHandlerAsyncHookHandler,
  preHandlerHookHandler,
  preParsingAsyncHookHandler,
  preParsingHookHandler,
  preValidationAsyncHookHandler,
  preValidationHookHandler,
  RouteHandlerMethod,
} from 'fastify';

/** fastify's hooks by name, each callback or async form. */
export interface HookHandlers {
  onRequest: onRequestHookHandler | onRequestAsyncHookHandler;
  preParsing: preParsingHookHandler | preParsingAsyncHookHandler;
  preValidation: preValidationHookHandler | preValidationAsyncHookHandler;
  preHandler: preHandlerHookHandler | preHandlerAsyncHookHandler;
  onSend: onSendHookHandler | onSendAsyncHookHandler;
  onResponse: onResponseHookHandler | onResponseAsyncHookHandler;
  onError: onErrorHookHandler | onErrorAsyncHookHandler;
  onTimeout: onTimeoutHookHandler | onTimeoutAsyncHookHandler;
  onRequestAbort: onRequestAbortHookHandler | onRequestAbortAsyncHookHandler;
  onReady: onReadyHookHandler | onReadyAsyncHookHandler;
  onListen: onListenHookHandler | onListenAsyncHookHandler;
  onClose: onCloseHookHandler | onCloseAsyncHookHandler;
  preClose: preCloseHookHandler | preCloseAsyncHookHandler;
  onRoute: onRouteHookHandler;
}

export interface SetupMethods<Self> {
  register: FastifyRegister<Self>;
  addHook<K extends keyof HookHandlers>(name: K, hook: HookHandlers[K]): Self;
  addSchema(schema: unknown): Self;
  setErrorHandler<TError = FastifyError>(handler: (this: FastifyInstance, error: TError, request: FastifyRequest, reply: FastifyReply) => unknown): Self;
  setNotFoundHandler(handler: RouteHandlerMethod): Self;
  setNotFoundHandler(
    opts: { preValidation?: preValidationHookHandler | preValidationHookHandler[]; preHandler?: preHandlerHookHandler | preHandlerHookHandler[] },
    handler: RouteHandlerMethod,
  ): Self;
  addContentTypeParser: AddContentTypeParser;
  decorate(property: string | symbol, value?: unknown, dependencies?: string[]): Self;
  decorateRequest(property: string | symbol, value?: unknown, dependencies?: string[]): Self;
  decorateReply(property: string | symbol, value?: unknown, dependencies?: string[]): Self;
  setValidatorCompiler(compiler: FastifySchemaCompiler<unknown>): Self;
  setSchemaErrorFormatter(formatter: Parameters<FastifyInstance['setSchemaErrorFormatter']>[0]): Self;
}
