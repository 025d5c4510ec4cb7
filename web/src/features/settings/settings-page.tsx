import { Link } from 'react-router';
import { usePageTitle } from '../../components/page-title.tsx';
import { LeadScoringSettingsLink } from '../sales/scoring-page.tsx';

export function SettingsPage() {
  usePageTitle('Settings');
  return (
    <section className="page">
      <h1>Settings</h1>
      <ul className="link-list">
        <li>
          <Link to="/settings/users">Users</Link>
          <span> — who can sign in to this workspace, and with which role.</span>
        </li>
        <li>
          <Link to="/settings/tokens">API tokens</Link>
          <span> — personal tokens for scripts and integrations; they act with your role.</span>
        </li>
        <li>
          <Link to="/settings/customer-attributes">Customer attributes</Link>
          <span>
            {' '}
            — fields of your own on every customer profile, with a type (text, number, date, yes/no, choice).
          </span>
        </li>
        <li>
          <Link to="/settings/teams">Teams</Link>
          <span> — groups of people that cases are routed to and assigned within.</span>
        </li>
        <li>
          <Link to="/settings/routing-rules">Routing rules</Link>
          <span>
            {' '}
            — what happens to each new mention: open a case, set priority, tag, assign, notify or dismiss.
          </span>
        </li>
        <li>
          <Link to="/settings/service-levels">Service levels</Link>
          <span> — business hours, holidays and SLA policies: response and resolution targets per case.</span>
        </li>
        <li>
          <Link to="/settings/canned-responses">Canned responses</Link>
          <span> — ready answers with variables, to insert in replies and notes.</span>
        </li>
        <li>
          <Link to="/settings/surveys">Surveys</Link>
          <span> — CSAT or NPS surveys sent when a case is solved, with their results and comments.</span>
        </li>
        <LeadScoringSettingsLink />
        <li>
          <Link to="/settings/webhooks">Webhooks</Link>
          <span> — case and lead events POSTed to your systems, signed, retried, with a delivery log.</span>
        </li>
        <li>
          <a href="/api/docs">API reference</a>
          <span> — every endpoint of the JSON API (OpenAPI 3.1 at /api/openapi.json).</span>
        </li>
      </ul>
    </section>
  );
}
