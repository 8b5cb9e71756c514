import { describe, expect, it } from 'vitest';
import { defaultSettings, settingsDocumentSchema } from '../../functions/commons/schemas.js';

describe('defaultSettings', () => {
  it('is what the settings schema makes of an empty document (written out so that no parse runs at import)', () => {
    expect(defaultSettings).toStrictEqual(settingsDocumentSchema.parse({}));
  });
});
