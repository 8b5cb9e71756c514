import type { Settings } from '../commons/schemas.js';
import type { Prompt } from './prompts.js';

/**
 * What an answered leg hears before the bridge (SPEC section 15): the whisper and the confirmation
 * question, in the languages of the built-in prompts (prompts.ts), chosen the same way: by the
 * settings' primary subtag, else English with an English voice.
 */
type LegPromptName = 'whisperGroup' | 'whisperGroupAndCaller' | 'confirmQuestion';

const builtInLegPrompts: Readonly<Record<string, Readonly<Record<LegPromptName, string>>>> = {
  en: {
    whisperGroup: 'Call for {group}.',
    whisperGroupAndCaller: 'Call for {group} from {caller}.',
    confirmQuestion: 'Press 1 to accept.',
  },
  de: {
    whisperGroup: 'Anruf für {group}.',
    whisperGroupAndCaller: 'Anruf für {group} von {caller}.',
    confirmQuestion: 'Drücken Sie die 1, um anzunehmen.',
  },
  fr: {
    whisperGroup: 'Appel pour {group}.',
    whisperGroupAndCaller: 'Appel pour {group} de {caller}.',
    confirmQuestion: 'Appuyez sur 1 pour accepter.',
  },
  es: {
    whisperGroup: 'Llamada para {group}.',
    whisperGroupAndCaller: 'Llamada para {group} de {caller}.',
    confirmQuestion: 'Pulse 1 para aceptar.',
  },
};

const ENGLISH_VOICE = 'en-US';

function legPrompt(language: string, name: LegPromptName, values: Record<string, string>): Prompt {
  const builtIn = builtInLegPrompts[language.split('-')[0]?.toLowerCase() ?? ''];
  const [templates, voice] = builtIn === undefined ? [builtInLegPrompts.en, ENGLISH_VOICE] : [builtIn, language];
  const template = templates?.[name] ?? '';
  return { text: template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole), language: voice };
}

/**
 * The words said to the answered leg: the whisper (when on, or when a confirmation needs it: the
 * member must know what they accept) and the question. "Call for Support from +4930123. Press 1 to
 * accept." A caller without a number is named only by the group.
 */
export function legPrompts(
  settings: Pick<Settings, 'language'>,
  options: { groupName: string; caller: string | undefined; whisper: 'off' | 'group' | 'group-and-caller'; confirm: boolean },
): { whisper: Prompt | undefined; question: Prompt | undefined } {
  const { groupName, caller, confirm } = options;
  // Confirmation says whom the call is for and from whom, whatever the whisper setting (SPEC 15).
  const says = confirm ? 'group-and-caller' : options.whisper;
  const whisper =
    says === 'off'
      ? undefined
      : says === 'group-and-caller' && caller !== undefined
        ? legPrompt(settings.language, 'whisperGroupAndCaller', { group: groupName, caller })
        : legPrompt(settings.language, 'whisperGroup', { group: groupName });
  return { whisper, question: confirm ? legPrompt(settings.language, 'confirmQuestion', {}) : undefined };
}
