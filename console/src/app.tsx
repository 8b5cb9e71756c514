import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { href, useRoute } from './router.js';
import { MembersPage } from './pages/members.js';
import { GroupsPage } from './pages/groups.js';
import { NumbersPage } from './pages/numbers.js';
import { SchedulesPage } from './pages/schedules.js';
import { SettingsPage } from './pages/settings.js';
import { WallboardPage } from './pages/wallboard.js';
import { VoicemailsPage } from './pages/voicemails.js';
import { CallsPage } from './pages/calls.js';
import { ReportsPage } from './pages/reports.js';

const PAGES = [
  ['members', 'Members'],
  ['groups', 'Groups'],
  ['numbers', 'Numbers'],
  ['schedules', 'Schedules'],
  ['settings', 'Settings'],
  ['wallboard', 'Wallboard'],
  ['voicemails', 'Voicemails'],
  ['calls', 'Calls'],
  ['reports', 'Reports'],
] as const;

export function App(props: { onSignOut: (() => void) | undefined }): JSX.Element {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const title = PAGES.find(([page]) => page === route.page)?.[1] ?? 'Not found';
  useEffect(() => {
    document.title = `${title} · Queue groups`;
  }, [title]);
  let page: JSX.Element;
  switch (route.page) {
    case 'members':
      page = <MembersPage id={route.id} />;
      break;
    case 'groups':
      page = <GroupsPage id={route.id} />;
      break;
    case 'numbers':
      page = <NumbersPage id={route.id} />;
      break;
    case 'schedules':
      page = <SchedulesPage id={route.id} />;
      break;
    case 'settings':
      page = <SettingsPage />;
      break;
    case 'wallboard':
      page = <WallboardPage />;
      break;
    case 'voicemails':
      page = <VoicemailsPage />;
      break;
    case 'calls':
      page = <CallsPage id={route.id} />;
      break;
    case 'reports':
      page = <ReportsPage />;
      break;
    default:
      page = (
        <>
          <h1>Not found</h1>
          <p>
            There is no page here. <a href={href('members')}>Go to the members</a>.
          </p>
        </>
      );
  }
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to the page
      </a>
      <header class={`top${route.page === 'wallboard' ? ' wall' : ''}`}>
        <span class="brand">Queue groups</span>
        <nav aria-label="Console">
          <ul>
            {PAGES.map(([page, name]) => (
              <li key={page}>
                <a href={href(page)} aria-current={route.page === page ? 'page' : undefined}>
                  {name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {props.onSignOut === undefined ? null : (
          <button type="button" class="secondary" onClick={props.onSignOut}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1} class={route.page === 'wallboard' ? 'wall' : ''}>
        {page}
      </main>
    </>
  );
}
