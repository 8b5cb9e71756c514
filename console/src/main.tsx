import { render } from 'preact';
import { AdminApi, setApi } from './api.js';
import { App } from './app.js';
import { CognitoSession } from './auth.js';
import { loadConfig } from './config.js';
import { lambdaSigner, signedHeaders } from './signer.js';
import './styles.css';

/** Boot: read /config.json, sign in when the deployment asks for it, then show the console. */
async function boot(root: HTMLElement): Promise<void> {
  const config = await loadConfig();
  if (config.auth.kind === 'none') {
    setApi(new AdminApi(config.adminUrl));
    render(<App onSignOut={undefined} />, root);
    return;
  }
  const session = new CognitoSession(config.auth, {
    fetch: (input, init) => fetch(input, init),
    storage: sessionStorage,
    href: () => location.href,
    navigate: (url) => location.assign(url),
    replaceUrl: (url) => history.replaceState(null, '', url),
  });
  if (!(await session.start())) {
    render(
      <main class="signin">
        <h1>Queue groups</h1>
        <p>Sign in to configure the queue groups, watch the wallboard and listen to voicemails.</p>
        <button type="button" onClick={() => void session.signIn()}>
          Sign in
        </button>
      </main>,
      root,
    );
    return;
  }
  const signer = lambdaSigner(config.auth.region, () => session.credentials());
  setApi(new AdminApi(config.adminUrl, (method, url, headers, body) => signedHeaders(signer, method, url, headers, body)));
  render(<App onSignOut={() => session.signOut()} />, root);
}

const root = document.getElementById('app');
// The "Loading" text is static HTML: Preact renders beside what it did not render itself.
if (root !== null) root.textContent = '';
if (root !== null)
  boot(root).catch((error: unknown) => {
    render(
      <main class="signin">
        <h1>The console cannot start</h1>
        <p role="alert">{error instanceof Error ? error.message : String(error)}</p>
        <button type="button" onClick={() => location.assign(location.pathname)}>
          Try again
        </button>
      </main>,
      root,
    );
  });
