import { gopoolInstance } from './api/instance';

export const gopool = gopoolInstance();
export type { RouteShorthand } from './api/gopool';
export { Gopool } from './api/gopool';
export type { JsonParser, JsonParserOptions } from './api/json-parser';
export { jsonParser } from './api/json-parser';
export type { ReplyInit } from './api/reply';
export { HttpError, httpError, Reply, reply } from './api/reply';
export type { SseEvent, SseOptions } from './api/sse';
export { sse } from './api/sse';
export type {
  GopoolContext,
  GopoolRequest,
  Handler,
  HandlerRequest,
  HeaderGetter,
  OnMasterArgs,
  RequestGetter,
  ResponseHeaders,
  RouteGeneric,
  RouteHooks,
  RouteOptions,
  RunningServer,
  RunOn,
  ThreadLifecycleArgs,
  TopicListener,
} from './api/types';
export type { GopoolOptions } from './config/options';
export type { UploadedFile } from './ingress/multipart-body';
export default gopool;
