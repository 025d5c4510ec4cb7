import { z } from 'zod';
import { helpText, parseFlags } from '../../cli/args.ts';
import { operatorOf, withContext } from '../../cli/operator.ts';
import { AppError } from '../../errors.ts';
import type { CliCommand } from '../analysis/commands.ts';
import { listDeliveries, redeliver } from './delivery.ts';
import { deliveryStatuses } from './schema.ts';

const help = { help: { type: 'boolean', short: 'h' } } as const;

const listSpec = {
  usage:
    'rapport webhooks deliveries list [--status pending|delivered|failed|dead] [--endpoint ID] [--limit N] [--workspace slug]',
  description:
    'Lists webhook deliveries, newest first, with their type, status, attempts and last answer. See docs/webhooks.md.',
  options: {
    ...help,
    status: { type: 'string' },
    endpoint: { type: 'string' },
    limit: { type: 'string' },
    workspace: { type: 'string' },
  },
  schema: z.object({
    status: z.enum(deliveryStatuses).optional(),
    endpoint: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    workspace: z.string().min(1).optional(),
  }),
} as const;

const retrySpec = {
  usage: 'rapport webhooks deliveries retry <delivery-id> [--workspace slug]',
  description:
    'Sends a delivery again now, from this process (same webhook-id); its retry schedule starts afresh.',
  options: { ...help, workspace: { type: 'string' } },
  schema: z.object({ workspace: z.string().min(1).optional() }),
} as const;

/** Database-backed commands of the webhooks module; `src/main.ts` dispatches to them. */
export const webhooksCommands: Record<string, CliCommand> = {
  'webhooks deliveries list': {
    spec: listSpec,
    async run(args) {
      const flags = parseFlags(listSpec, args);
      const page = await withContext(async (ctx) =>
        listDeliveries(ctx, await operatorOf(ctx, flags.workspace), {
          limit: flags.limit,
          status: flags.status,
          endpointId: flags.endpoint,
        }),
      );
      if (page.items.length === 0)
        console.log(flags.status ? `No ${flags.status} deliveries.` : 'No deliveries.');
      for (const d of page.items)
        console.log(
          [
            d.id,
            d.createdAt,
            d.type,
            d.status,
            `attempts ${d.attempts}`,
            d.lastStatusCode ?? '-',
            d.lastError ?? '',
            d.status === 'failed' ? `next ${d.nextAttemptAt}` : '',
            `endpoint ${d.endpointId}`,
          ].join('\t'),
        );
      return 0;
    },
  },
  'webhooks deliveries retry': {
    spec: retrySpec,
    async run(args) {
      const raw = args[0] && !args[0].startsWith('-') ? args[0] : undefined;
      const flags = parseFlags(retrySpec, raw ? args.slice(1) : args);
      const id = Number(raw);
      if (!raw || !Number.isInteger(id) || id <= 0)
        throw new AppError('validation_failed', `Give the delivery id (a number).\n\n${helpText(retrySpec)}`);
      const d = await withContext(async (ctx) => redeliver(ctx, await operatorOf(ctx, flags.workspace), id));
      console.log(
        d.status === 'delivered'
          ? `Delivery ${d.id} delivered (HTTP ${d.lastStatusCode}).`
          : `Delivery ${d.id} failed again: ${d.lastError ?? 'no answer'}; next attempt ${d.nextAttemptAt ?? 'none'}.`,
      );
      return d.status === 'delivered' ? 0 : 1;
    },
  },
};
