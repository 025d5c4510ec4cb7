// Collaboration: record feeds, follows, notifications (src/modules/collaboration).

import { type Page, qs, request } from '../api.ts';

export type RecordType = 'case' | 'lead' | 'customer';
export type RecordEvent = {
  id: number;
  recordType: RecordType;
  recordId: string;
  kind: string;
  actorUserId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
};
export type Notification = {
  id: number;
  recordType: RecordType;
  recordId: string;
  eventId: number;
  /** The newest event's summary. */
  summary: string;
  /** How many events about the record the line stands for. */
  count: number;
  createdAt: string;
  readAt: string | null;
};

const recordPath = (type: RecordType, id: string, rest: string) =>
  `/api/v1/records/${type}/${encodeURIComponent(id)}${rest}`;

export const collaborationApi = {
  feed: (type: RecordType, id: string, cursor?: string, limit = 50) =>
    request<Page<RecordEvent>>('GET', recordPath(type, id, `/feed${qs({ cursor, limit })}`)),
  follow: (type: RecordType, id: string) => request<void>('PUT', recordPath(type, id, '/follow')),
  unfollow: (type: RecordType, id: string) => request<void>('DELETE', recordPath(type, id, '/follow')),
  notifications: (unread = false, limit = 20) =>
    request<Page<Notification> & { unreadCount: number }>(
      'GET',
      `/api/v1/notifications${qs({ unread: unread ? 'true' : undefined, limit })}`,
    ),
  markRead: (ids?: number[]) =>
    request<{ marked: number }>('POST', '/api/v1/notifications/read', ids ? { ids } : {}),
};
