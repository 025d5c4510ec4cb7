import type { ReactNode } from 'react';
import { usePageTitle } from './page-title.tsx';

export function EmptyState({ title, lead, children }: { title: string; lead: string; children?: ReactNode }) {
  usePageTitle(title);
  return (
    <section className="page">
      <h1>{title}</h1>
      <div className="empty">
        <p className="empty-lead">{lead}</p>
        {children}
      </div>
    </section>
  );
}
