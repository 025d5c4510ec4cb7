import {
  type CasePatch,
  type CasePriority,
  type CaseStatus,
  casePriorities,
  caseStatuses,
  type DispositionStats,
} from '../../api/inbox.ts';
import { useModalDialog } from '../../components/modal-dialog.ts';
import { type Directory, statusLabels } from './inbox-bits.tsx';

import type { View } from './inbox-page.tsx';
import { snoozeChoices } from './snooze-times.ts';

/** The keys the inbox answers, as its help lists them. */
export const shortcuts: [string, string][] = [
  ['j', 'Next case'],
  ['k', 'Previous case'],
  ['Enter', 'Open the selected case'],
  ['x', 'Tick or untick the selected case (bulk actions)'],
  ['a', 'Assign the selected case to me'],
  ['e', 'Solve the selected case'],
  ['z', 'Undo the solve while its notice shows (one case or a bulk solve; held surveys are withdrawn)'],
  ['r', 'Reply: open the selected case and put the cursor in its composer'],
  ['s', 'Snooze: open the selected case and its snooze menu (on a snoozed case, go to Unsnooze)'],
  ['/', 'Search: put the cursor in the search box'],
  ['?', 'Show this help'],
  ['Escape', 'Close this help, or the open case'],
];

export function ViewGroup({
  views,
  current,
  onPick,
}: {
  views: View[];
  current: string;
  onPick(key: string): void;
}) {
  return (
    <ul>
      {views.map((v) => (
        <li key={v.key}>
          <button
            type="button"
            className={v.key === current ? 'view-button one-line active' : 'view-button one-line'}
            aria-current={v.key === current ? 'page' : undefined}
            // A name people chose (a team's, up to 80 characters) may be cut: the tooltip has it whole.
            title={v.named ? v.label : undefined}
            onClick={() => onPick(v.key)}
          >
            {v.label}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Heard versus listened: the share of matched mentions someone decided on, and how fast. */
export function HeardFigure({ stats }: { stats: DispositionStats }) {
  const share = Math.round(stats.share * 100);
  const p50 = stats.minutesToDisposition.p50;
  return (
    <p
      className="heard"
      title={`Last 7 days: ${stats.byDisposition.case} to cases, ${stats.byDisposition.lead} to leads, ${stats.byDisposition.answered} answered, ${stats.byDisposition.dismissed} dismissed`}
    >
      <strong>{share}%</strong> heard of {stats.matched} matched mentions (7 days)
      {p50 !== null && (
        <>
          {' · '}median <strong>{p50 < 1 ? '<1' : Math.round(p50)} min</strong> to a decision
        </>
      )}
    </p>
  );
}

export function BulkBar({
  count,
  all,
  dir,
  onTickAll,
  onApply,
}: {
  count: number;
  all: boolean;
  dir: Directory;
  onTickAll(on: boolean): void;
  onApply(p: CasePatch, label: string): void;
}) {
  return (
    <fieldset className="bulk-bar case-bulk" aria-label="Bulk actions">
      <label className="check">
        <input type="checkbox" checked={all} onChange={(e) => onTickAll(e.target.checked)} />
        {count > 0 ? `${count} selected` : 'Select all'}
      </label>
      {count > 0 && (
        <>
          <select
            aria-label="Set status of the selected cases"
            value=""
            onChange={(e) =>
              e.target.value &&
              onApply(
                { status: e.target.value as CaseStatus },
                `Status set to ${statusLabels[e.target.value as CaseStatus]}`,
              )
            }
          >
            <option value="">Set status…</option>
            {caseStatuses.map((s) => (
              <option key={s} value={s}>
                {statusLabels[s]}
              </option>
            ))}
          </select>
          <select
            aria-label="Set priority of the selected cases"
            value=""
            onChange={(e) =>
              e.target.value &&
              onApply({ priority: e.target.value as CasePriority }, `Priority set to ${e.target.value}`)
            }
          >
            <option value="">Set priority…</option>
            {casePriorities.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <select
            aria-label="Assign the selected cases"
            value=""
            onChange={(e) => {
              const v = e.target.value;
              if (!v) return;
              if (v === '-') onApply({ assigneeUserId: null }, 'Unassigned');
              else onApply({ assigneeUserId: v }, `Assigned to ${dir.nameOf(v)}`);
            }}
          >
            <option value="">Assign to…</option>
            <option value="-">Nobody (unassign)</option>
            {dir.assignees.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <select
            aria-label="Snooze the selected cases"
            value=""
            onChange={(e) => {
              const v = e.target.value;
              // The moment is worked out now, not when the menu was drawn.
              const choice = snoozeChoices(new Date())[Number(v)];
              if (v === '-') onApply({ snoozedUntil: null }, 'Snooze ended');
              else if (v && choice)
                onApply(
                  { snoozedUntil: choice.at.toISOString() },
                  `Snoozed until ${choice.at.toLocaleString()}`,
                );
            }}
          >
            <option value="">Snooze…</option>
            {snoozeChoices(new Date()).map((c, i) => (
              <option key={c.label} value={i}>
                {c.label}
              </option>
            ))}
            <option value="-">End the snooze</option>
          </select>
          <button type="button" className="secondary compact" onClick={() => onTickAll(false)}>
            Clear selection
          </button>
        </>
      )}
    </fieldset>
  );
}

export function ShortcutHelp({ onClose }: { onClose(): void }) {
  const dialog = useModalDialog();
  return (
    <dialog
      ref={dialog}
      className="dialog card"
      aria-labelledby="shortcut-title"
      onClose={onClose}
      onClick={(e) => {
        if (e.target === dialog.current) onClose();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') e.stopPropagation();
      }}
    >
      <h2 id="shortcut-title">Keyboard shortcuts</h2>
      <dl className="shortcut-list">
        {shortcuts.map(([key, what]) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">Shortcuts do nothing while you type in a field.</p>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
