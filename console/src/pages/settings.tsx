import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { PromptName } from '../../../functions/commons/schemas.js';
import { defaultPrompts } from '../../../functions/twiml/prompts.js';
import { api, type Settings } from '../api.js';
import { errorsOf, Field, FormAlert, noErrors, Status, targetValue, type FormErrors } from '../forms.js';
import { LoadError, useLoad } from '../load.js';

/** Settings (SPEC section 2): the pickup code, the language and every prompt a caller may hear. */

const PROMPT_NAMES = Object.keys(defaultPrompts) as PromptName[];

/** What each prompt is for, in the words of docs/prompts.md. */
const PROMPT_LABELS: Record<PromptName, string> = {
  unknownNumber: 'Unknown number (unknownNumber)',
  noGroup: 'Number without a group (noGroup)',
  unknownExtension: 'Unknown extension (unknownExtension)',
  voicemail: 'Voicemail prompt (voicemail)',
  voicemailThanks: 'After a message (voicemailThanks)',
  noMessage: 'Empty message (noMessage)',
  apology: 'Technical difficulties (apology)',
  position: 'Position in line (position; {position} is the number)',
  unknownCaller: 'Unknown phone calling out (unknownCaller)',
  notSupported: 'Number not callable from here (notSupported)',
  nothingToPickUp: 'Nothing to pick up (nothingToPickUp)',
  lineClosed: 'After the toggle code closed the line (lineClosed)',
  lineOpen: 'After the toggle code opened the line (lineOpen)',
  notAllowedToToggle: 'Toggle code refused (notAllowedToToggle)',
  toggleFailed: 'Toggle code failed (toggleFailed)',
  estimatedWait: 'Estimated wait (estimatedWait; {minutes} is the number)',
  estimatedWaitOne: 'Estimated wait of one minute (estimatedWaitOne)',
  menuCallback: 'Menu while waiting: callback key (menuCallback)',
  menuVoicemail: 'Menu while waiting: voicemail key (menuVoicemail)',
  menuUnknownKey: 'Menu while waiting: a key that does nothing (menuUnknownKey)',
  callbackOffer: 'Callback: confirm the number (callbackOffer; {number})',
  callbackEnterNumber: 'Callback: type a number (callbackEnterNumber)',
  callbackBadNumber: 'Callback: a number that cannot be called (callbackBadNumber)',
  callbackBooked: 'Callback: booked, goodbye (callbackBooked)',
  callbackAlreadyBooked: 'Callback: already planned for this number (callbackAlreadyBooked)',
  callbackWhisper: 'Callback: what the member hears first (callbackWhisper; {caller}, {minutes})',
  callbackWhisperOne: 'Callback: what the member hears first, after about a minute (callbackWhisperOne; {caller})',
  callbackNotReached: 'Callback: the caller did not answer, to the member (callbackNotReached)',
};

export function SettingsPage(): JSX.Element {
  const [pickupCode, setPickupCode] = useState('');
  const [toggleCode, setToggleCode] = useState('');
  const [language, setLanguage] = useState('');
  const [prompts, setPrompts] = useState<Partial<Record<PromptName, string>>>({});
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const loaded = useLoad(async () => {
    const settings = await api().get<Settings>('/settings');
    setPickupCode(settings.pickupCode);
    setToggleCode(settings.scheduleToggleCode);
    setLanguage(settings.language);
    setPrompts(settings.prompts);
    return settings;
  }, []);

  const fieldPaths = [
    '$.pickupCode',
    '$.scheduleToggleCode',
    '$.language',
    '$.prompts',
    ...PROMPT_NAMES.map((name) => `$.prompts.${name}`),
  ];

  async function save(event: Event): Promise<void> {
    event.preventDefault();
    // An empty prompt means the built-in text: it is left out of the document.
    const own = Object.fromEntries(Object.entries(prompts).filter(([, text]) => text !== undefined && text.trim() !== ''));
    setSaving(true);
    try {
      await api().put('/settings', {
        pickupCode: pickupCode.trim(),
        scheduleToggleCode: toggleCode.trim(),
        language: language.trim(),
        prompts: own,
      });
      setErrors(noErrors);
      setStatus('Saved the settings');
    } catch (failure) {
      setStatus(undefined);
      setErrors(errorsOf(failure, fieldPaths));
    } finally {
      setSaving(false);
    }
  }

  if (loaded.data === undefined) return loaded.error === undefined ? <p>Loading…</p> : <LoadError error={loaded.error} />;
  return (
    <>
      <h1>Settings</h1>
      <form onSubmit={(event) => void save(event)} noValidate aria-label="Settings">
        <FormAlert errors={errors} />
        <Status message={status} />
        <Field
          id="settings-pickup-code"
          label="Pickup code"
          path="$.pickupCode"
          errors={errors}
          hint="Starts with * or #, 2 to 6 keys, e.g. *11."
        >
          {(control) => <input {...control} value={pickupCode} onInput={(event) => setPickupCode(targetValue(event))} />}
        </Field>
        <Field
          id="settings-toggle-code"
          label="Schedule toggle code"
          path="$.scheduleToggleCode"
          errors={errors}
          hint="Dialled from a softphone or SIP phone: opens or closes the line (the schedules of the member's groups), e.g. *28."
        >
          {(control) => <input {...control} value={toggleCode} onInput={(event) => setToggleCode(targetValue(event))} />}
        </Field>
        <Field id="settings-language" label="Language" path="$.language" errors={errors} hint="The prompts' language, e.g. en-US or de-DE.">
          {(control) => <input {...control} value={language} onInput={(event) => setLanguage(targetValue(event))} />}
        </Field>
        <fieldset>
          <legend>Prompts</legend>
          <p class="hint">Empty: the built-in text (shown greyed) in the settings' language.</p>
          {PROMPT_NAMES.map((name) => (
            <Field key={name} id={`settings-prompt-${name}`} label={PROMPT_LABELS[name]} path={`$.prompts.${name}`} errors={errors}>
              {(control) => (
                <textarea
                  {...control}
                  rows={2}
                  placeholder={defaultPrompts[name]}
                  value={prompts[name] ?? ''}
                  onInput={(event) => {
                    const text = targetValue(event);
                    setPrompts((current) => ({ ...current, [name]: text }));
                  }}
                />
              )}
            </Field>
          ))}
        </fieldset>
        <div class="row">
          <button type="submit" disabled={saving}>
            Save settings
          </button>
        </div>
      </form>
    </>
  );
}
