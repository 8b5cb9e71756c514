import { describe, expect, it } from 'vitest';
import { promptNames } from '../../functions/commons/schemas.js';
import { builtInLanguages, defaultPrompts, prompt } from '../../functions/twiml/prompts.js';

/** What the caller hears in which language: the settings' text, else the built-in text, else English with an English voice. */
describe('prompts', () => {
  it('speaks the built-in prompts of the settings language, by its primary subtag', () => {
    expect(prompt({ language: 'de-DE', prompts: {} }, 'voicemailThanks')).toEqual({
      text: 'Vielen Dank für Ihre Nachricht. Auf Wiederhören.',
      language: 'de-DE',
    });
    expect(prompt({ language: 'de-AT', prompts: {} }, 'position', { position: 3 })).toEqual({
      text: 'Sie sind an Position 3 der Warteschlange. Bitte bleiben Sie dran.',
      language: 'de-AT',
    });
    expect(prompt({ language: 'fr-CA', prompts: {} }, 'noMessage').text).toBe("Nous n'avons pas reçu de message. Au revoir.");
    expect(prompt({ language: 'es-MX', prompts: {} }, 'voicemailThanks').text).toBe('Gracias por su mensaje. Adiós.');
    expect(prompt({ language: 'en-GB', prompts: {} }, 'apology')).toEqual({ text: defaultPrompts.apology, language: 'en-GB' });
  });

  it('speaks English with an English voice for a language without built-in prompts, unless the settings give the text', () => {
    expect(prompt({ language: 'pl-PL', prompts: {} }, 'voicemail')).toEqual({ text: defaultPrompts.voicemail, language: 'en-US' });
    expect(prompt({ language: 'pl-PL', prompts: { voicemail: 'Prosimy zostawić wiadomość.' } }, 'voicemail')).toEqual({
      text: 'Prosimy zostawić wiadomość.',
      language: 'pl-PL',
    });
  });

  it('has every prompt in every built-in language, with the same placeholders', () => {
    expect(builtInLanguages).toEqual(['en', 'de', 'fr', 'es']);
    for (const language of builtInLanguages)
      for (const name of promptNames) {
        const { text } = prompt({ language, prompts: {} }, name, {});
        expect(text.length, `${language} ${name}`).toBeGreaterThan(10);
        expect(text.match(/\{\w+\}/g) ?? [], `${language} ${name}`).toEqual(defaultPrompts[name].match(/\{\w+\}/g) ?? []);
        if (language !== 'en') expect(text, `${language} ${name}`).not.toBe(defaultPrompts[name]);
      }
  });
});
