/** The closed lists of the inbox, shared by its schemas. */
export const caseStatuses = ['new', 'open', 'pending_customer', 'on_hold', 'solved', 'closed'] as const;
export const casePriorities = ['urgent', 'high', 'normal', 'low'] as const;
export const caseTypes = ['question', 'complaint', 'feedback', 'lead', 'other'] as const;
export const dismissReasons = ['noise', 'spam', 'not_actionable', 'duplicate'] as const;
