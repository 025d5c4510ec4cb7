import { NavLink } from 'react-router';

export function ListeningNav() {
  return (
    <nav className="subnav" aria-label="Listening">
      <NavLink to="/listening" end>
        Stream
      </NavLink>
      <NavLink to="/listening/queries">Queries</NavLink>
      <NavLink to="/listening/analysis">Analysis</NavLink>
      <NavLink to="/listening/connectors">Connectors</NavLink>
      <NavLink to="/listening/quarantine">Quarantine</NavLink>
    </nav>
  );
}
