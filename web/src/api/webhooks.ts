// Outbound webhooks: endpoints, secrets, the delivery log (src/modules/webhooks).

import { type Page, qs, type Role, request } from '../api.ts';

export type WebhookEndpoint = {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  consecutiveFailures: number;
  failingSince: string | null;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
};
export type WebhookEndpointInput = {
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
};
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';
export type WebhookDelivery = {
  id: number;
  endpointId: string;
  eventId: number | null;
  messageId: string;
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  lastResponse: string | null;
  createdAt: string;
};
export type WebhookAttempt = {
  id: number;
  attemptedAt: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  response: string | null;
};
export type WebhookDeliveryDetail = WebhookDelivery & { payload: string; attemptLog: WebhookAttempt[] };
/** Who may manage webhooks (`webhooks:manage`). */
export const webhookManagers: Role[] = ['owner', 'admin'];

const webhookPath = (id: string, rest = '') => `/api/v1/webhooks/${encodeURIComponent(id)}${rest}`;

export const webhooksApi = {
  eventTypes: () => request<{ items: string[] }>('GET', '/api/v1/webhooks/event-types'),
  endpoints: () => request<{ items: WebhookEndpoint[] }>('GET', '/api/v1/webhooks'),
  create: (input: WebhookEndpointInput) =>
    request<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/api/v1/webhooks', input),
  update: (id: string, patch: Partial<WebhookEndpointInput>) =>
    request<WebhookEndpoint>('PATCH', webhookPath(id), patch),
  remove: (id: string) => request<void>('DELETE', webhookPath(id)),
  rotateSecret: (id: string) =>
    request<{ endpoint: WebhookEndpoint; secret: string }>('POST', webhookPath(id, '/rotate-secret')),
  ping: (id: string) => request<WebhookDeliveryDetail>('POST', webhookPath(id, '/ping')),
  deliveries: (filters: {
    status?: WebhookDeliveryStatus;
    endpointId?: string;
    cursor?: string;
    limit?: number;
  }) => request<Page<WebhookDelivery>>('GET', `/api/v1/webhooks/deliveries${qs({ limit: 50, ...filters })}`),
  delivery: (id: number) => request<WebhookDeliveryDetail>('GET', `/api/v1/webhooks/deliveries/${id}`),
  redeliver: (id: number) =>
    request<WebhookDeliveryDetail>('POST', `/api/v1/webhooks/deliveries/${id}/redeliver`),
};
