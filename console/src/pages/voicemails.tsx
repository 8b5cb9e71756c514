import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, segment, type Voicemail } from '../api.js';
import { LoadError, messageOf, useLoad } from '../load.js';
import { duration } from './wallboard.js';

/**
 * Voicemails, newest first, each played in the page: the audio comes from the admin API
 * (`GET /voicemails/{recordingSid}/audio`, which fetches it from Twilio with the account's
 * credentials), fetched like every admin request (signed when deployed) and played from an object URL.
 */
export function VoicemailsPage(): JSX.Element {
  const voicemails = useLoad(() => api().get<{ voicemails: Voicemail[] }>('/voicemails?limit=200'), []);
  const [refreshed, setRefreshed] = useState(0);
  return (
    <>
      <div class="page-head">
        <h1>Voicemails</h1>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            voicemails.reload();
            setRefreshed((count) => count + 1);
          }}
        >
          Refresh voicemails
        </button>
      </div>
      <LoadError error={voicemails.error} />
      {voicemails.data === undefined ? (
        <p>Loading…</p>
      ) : voicemails.data.voicemails.length === 0 ? (
        <p>No voicemails.</p>
      ) : (
        <table key={refreshed}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Caller</th>
              <th scope="col">Group</th>
              <th scope="col">Member</th>
              <th scope="col">Length</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {[...voicemails.data.voicemails]
              .sort((a, b) => b.recordedAt.localeCompare(a.recordedAt))
              .map((voicemail) => (
                <tr key={voicemail.recordingSid} data-recording={voicemail.recordingSid}>
                  <th scope="row">
                    <time dateTime={voicemail.recordedAt}>{new Date(voicemail.recordedAt).toLocaleString()}</time>
                  </th>
                  <td>{voicemail.caller}</td>
                  <td>{voicemail.group ?? '—'}</td>
                  <td>{voicemail.member ?? '—'}</td>
                  <td>{duration(voicemail.durationSeconds)}</td>
                  <td>
                    <Player voicemail={voicemail} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Player(props: { voicemail: Voicemail }): JSX.Element {
  const [source, setSource] = useState<string | undefined>(undefined);
  const [state, setState] = useState<'idle' | 'loading' | 'failed'>('idle');
  const [error, setError] = useState<string | undefined>(undefined);
  // The object URL holds the audio in memory until the row goes away.
  useEffect(() => () => (source === undefined ? undefined : URL.revokeObjectURL(source)), [source]);

  async function load(): Promise<void> {
    setState('loading');
    try {
      const audio = await api().blob(`/voicemails/${segment(props.voicemail.recordingSid)}/audio`);
      setSource(URL.createObjectURL(audio));
      setState('idle');
    } catch (failure) {
      setState('failed');
      setError(messageOf(failure));
    }
  }

  const label = `message from ${props.voicemail.caller} at ${new Date(props.voicemail.recordedAt).toLocaleString()}`;
  if (source !== undefined)
    return (
      <audio
        controls
        src={source}
        aria-label={`Voicemail: ${label}`}
        ref={(element) => {
          if (element !== null && element.dataset.started !== 'true') {
            element.dataset.started = 'true';
            // Played at once, since the user asked; a browser that refuses autoplay leaves the controls to press.
            element.play().catch(() => undefined);
          }
        }}
      />
    );
  return (
    <>
      <button type="button" class="secondary" disabled={state === 'loading'} aria-label={`Play ${label}`} onClick={() => void load()}>
        {state === 'loading' ? 'Loading…' : 'Play'}
      </button>
      {error === undefined ? null : (
        <span class="error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </>
  );
}
