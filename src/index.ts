import { gopoolInstance } from './api/instance';

export const gopool = gopoolInstance();
export { Gopool } from './api/gopool';
export type { HeaderGetter, OnMasterArgs, RouteShorthand, RunningServer, StartMode } from './api/gopool';
export { HttpError, httpError, reply, Reply } from './api/reply';
export type { ReplyInit } from './api/reply';
export type { GopoolContext, Handler, HandlerRequest, RouteGeneric, RouteOptions, RunOn, ResponseHeaders } from './api/types';
export type { GopoolOptions } from './config/options';
export default gopool;
