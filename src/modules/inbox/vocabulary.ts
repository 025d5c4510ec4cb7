/** The closed lists of the inbox, shared by its schemas. */
export const caseStatuses = ['new', 'open', 'pending_customer', 'on_hold', 'solved', 'closed'] as const;
export const casePriorities = ['urgent', 'high', 'normal', 'low'] as const;
export const caseTypes = ['question', 'complaint', 'feedback', 'lead', 'other'] as const;
export const dismissReasons = ['noise', 'spam', 'not_actionable', 'duplicate'] as const;
/**
 * The orders of the case list: newest or oldest first (by number), by priority (urgent first,
 * oldest first within each), waiting longest (the cases whose customer wrote last, longest wait
 * first, then the rest newest first), or due first (only with `dueWithinMinutes`, its default).
 */
export const caseSorts = ['newest', 'oldest', 'priority', 'waiting', 'due'] as const;
