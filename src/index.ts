import { gopoolInstance } from './api/instance';

export const gopool = gopoolInstance();
export { Gopool } from './api/gopool';
export type { RouteShorthand } from './api/gopool';
export { jsonParser } from './api/json-parser';
export type { JsonParser, JsonParserOptions } from './api/json-parser';
export { HttpError, httpError, reply, Reply } from './api/reply';
export type { ReplyInit } from './api/reply';
export { sse } from './api/sse';
export type { SseEvent, SseOptions } from './api/sse';
export type { UploadedFile } from './ingress/multipart-body';
export type {
  GopoolContext,
  GopoolRequest,
  Handler,
  HandlerRequest,
  HeaderGetter,
  OnMasterArgs,
  RequestGetter,
  RouteGeneric,
  RouteHooks,
  RouteOptions,
  RunningServer,
  RunOn,
  ResponseHeaders,
  ThreadLifecycleArgs,
  TopicListener,
} from './api/types';
export type { GopoolOptions } from './config/options';
export default gopool;
