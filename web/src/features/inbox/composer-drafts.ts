/** What the composer holds for one case while the person works elsewhere in the session. */
export type ComposerDraft = { mode: 'reply' | 'note'; body: string; ack: string };

type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const key = (caseId: string) => `rapport.composer-draft.${caseId}`;

/** The case's unsent draft, if one was kept this session. */
export function loadDraft(storage: DraftStorage | undefined, caseId: string): ComposerDraft | null {
  try {
    const raw = storage?.getItem(key(caseId));
    if (!raw) return null;
    const d = JSON.parse(raw) as Partial<ComposerDraft>;
    return {
      mode: d.mode === 'note' ? 'note' : 'reply',
      body: typeof d.body === 'string' ? d.body : '',
      ack: typeof d.ack === 'string' ? d.ack : '',
    };
  } catch {
    return null;
  }
}

/** Keeps the draft, or forgets it once there is nothing left to keep (sent, or wiped). */
export function saveDraft(storage: DraftStorage | undefined, caseId: string, draft: ComposerDraft): void {
  try {
    if (!draft.body.trim() && !draft.ack.trim()) storage?.removeItem(key(caseId));
    else storage?.setItem(key(caseId), JSON.stringify(draft));
  } catch {
    // Storage full or blocked: the draft lives only as long as the pane, as before.
  }
}

/** The `{{…}}` placeholders still in a text: a canned response whose variable was not filled in. */
export function unfilledPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{[^{}]*\}\}/g)].map((m) => m[0]))];
}

/** The tab's session storage, or none where the browser blocks it. */
export function sessionDrafts(): DraftStorage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}
