import type { RequestLog, RequestLogEntry } from './request-log.ts';

/**
 * The smallest hook for counting Graph's answers (watch's `tenantctl_graph_requests_total` and
 * `tenantctl_graph_throttled_total`): the adapter already tells its `RequestLog` one `request` entry
 * per HTTP exchange (status 0 when no answer came; each retry is one) and one `batch-item` entry per
 * item of a `$batch` answer (request-log.ts). A log that calls `onResponse` for those entries, then
 * passes every entry on to the front end's log (when there is one), counts them with no change to
 * the client: pass it as connectGraphTenant's `log`.
 *
 * Only the status and the event reach `onResponse`, never a path or an id. Token requests (`token`
 * entries) and retry decisions are not Graph answers and are not counted.
 */
export type ResponseListener = (status: number, event: 'request' | 'batch-item') => void;

export function observeResponses(onResponse: ResponseListener, log?: RequestLog): RequestLog {
  return {
    clock: log?.clock ?? (() => performance.now()),
    write: (entry: RequestLogEntry) => {
      if (entry.event === 'request' || entry.event === 'batch-item') onResponse(entry.status, entry.event);
      log?.write(entry);
    },
  };
}
