import type { PromptName, Settings } from '../commons/schemas.js';

/** What the caller hears unless settings override it (settings.prompts). */
export const defaultPrompts: Readonly<Record<PromptName, string>> = {
  unknownNumber: 'Sorry, this number is not in service. Goodbye.',
  noGroup: 'Sorry, nobody takes calls on this number at the moment. Goodbye.',
  unknownExtension: 'Sorry, that extension does not exist. Please hold.',
  voicemail: 'Nobody is available to take your call. Please leave a message after the tone.',
  voicemailThanks: 'Thank you for your message. Goodbye.',
  noMessage: 'We did not receive a message. Goodbye.',
  apology: 'Sorry, we are having technical difficulties. Please leave a message after the tone.',
  position: 'You are number {position} in line. Please hold.',
  unknownCaller: 'This phone is not registered with any member. Goodbye.',
  notSupported: 'Sorry, that number cannot be called from here. Goodbye.',
  nothingToPickUp: 'There is no call to pick up. Goodbye.',
};

export type Prompt = { readonly text: string; readonly language: string };

export function prompt(
  settings: Pick<Settings, 'prompts' | 'language'>,
  name: PromptName,
  values: Record<string, string | number> = {},
): Prompt {
  const text = (settings.prompts[name] ?? defaultPrompts[name]).replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
  return { text, language: settings.language };
}
