import * as z from 'zod';

/**
 * The admin API's documents, exactly as SPEC section 10 shows them, and the types the rest of the
 * code uses for members, groups, numbers and settings. Objects are strict: a misspelt field is an
 * error the administrator sees, not a setting that silently does nothing.
 */

/** Ids are lowercase slugs (SPEC section 10). */
export const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase slug: a-z, 0-9 and "-", 1 to 63 characters, not starting with "-"');

export const e164Schema = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number such as +493012345678');

/** Member and group extensions share one namespace of 1 to 4 digits (SPEC section 2). */
export const extensionSchema = z.string().regex(/^[0-9]{1,4}$/, 'must be 1 to 4 digits');

const httpsUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const deviceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('client'),
    identity: z.string().regex(/^[A-Za-z0-9_.@-]{1,121}$/, 'must be a Voice SDK identity: letters, digits, "_", ".", "@", "-"'),
  }),
  z.strictObject({
    type: z.literal('sip'),
    // The user part holds no '@': with one, the pattern backtracks over every '@' of a long input.
    uri: z
      .string()
      .max(512, 'must be a SIP URI of at most 512 characters')
      .regex(/^sips?:[^\s<>@]+@[^\s<>]+$/, 'must be a SIP URI such as sip:anna@acme.sip.twilio.com'),
  }),
  z.strictObject({ type: z.literal('phone'), number: e164Schema }),
]);
export type Device = z.infer<typeof deviceSchema>;

export const userDocumentSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  extension: extensionSchema.optional(),
  mobile: e164Schema.optional(),
  devices: z.array(deviceSchema).max(20).default([]),
});
export type UserDocument = z.infer<typeof userDocumentSchema>;

export const memberStatusSchema = z.enum(['available', 'away']);
export type MemberStatus = z.infer<typeof memberStatusSchema>;

/** A member as routing sees it: the document plus id and manual status. */
export type Member = UserDocument & { id: string; status: MemberStatus };

export const distributionSchema = z.enum(['evenly', 'in-order', 'all-at-once']);
export type Distribution = z.infer<typeof distributionSchema>;

export const whenNobodyAnswersSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('voicemail') }),
  z.strictObject({ action: z.literal('forward-to-mobile'), member: idSchema.optional() }),
  z.strictObject({ action: z.literal('forward-to-number'), number: e164Schema }),
  z.strictObject({
    action: z.literal('wait-for-agent'),
    maxWaitSeconds: z.int().min(10).max(86_400).optional(),
    announcePosition: z.boolean().optional(),
  }),
  z.strictObject({ action: z.literal('forward-to-group'), group: idSchema }),
  z.strictObject({ action: z.literal('hangup') }),
]);
export type WhenNobodyAnswers = z.infer<typeof whenNobodyAnswersSchema>;

/**
 * A group's member list is capped so that a group's admin write (the group plus one reference update
 * per member, an extension claim and its release) stays inside DynamoDB's 100-item transaction limit.
 */
export const MAX_GROUP_MEMBERS = 90;

export const groupDocumentSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  members: z
    .array(idSchema)
    .max(MAX_GROUP_MEMBERS)
    .refine((ids) => new Set(ids).size === ids.length, 'must not list a member twice'),
  extension: extensionSchema.optional(),
  distribution: distributionSchema.default('in-order'),
  rings: z.int().min(1).max(20).default(3),
  pickup: z.boolean().default(false),
  whenNobodyAnswers: whenNobodyAnswersSchema.default({ action: 'voicemail' }),
});
export type GroupDocument = z.infer<typeof groupDocumentSchema>;
export type Group = GroupDocument & { id: string };

export const greetingSchema = z.union([
  z.strictObject({ play: httpsUrlSchema }),
  z.strictObject({
    say: z.string().trim().min(1).max(1000),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as de-DE')
      .optional(),
  }),
]);
export type Greeting = z.infer<typeof greetingSchema>;

export const numberDocumentSchema = z.strictObject({
  group: idSchema.optional(),
  extensions: z.boolean().default(false),
  greeting: greetingSchema.optional(),
  holdMusic: httpsUrlSchema.optional(),
});
export type NumberDocument = z.infer<typeof numberDocumentSchema>;
export type PhoneNumber = NumberDocument & { number: string };

/** Every text the caller may hear; settings may override each one. */
export const promptNames = [
  'unknownNumber',
  'noGroup',
  'unknownExtension',
  'voicemail',
  'voicemailThanks',
  'noMessage',
  'apology',
  'position',
  'unknownCaller',
  'notSupported',
  'nothingToPickUp',
] as const;
export type PromptName = (typeof promptNames)[number];

export const settingsDocumentSchema = z.strictObject({
  pickupCode: z
    .string()
    .regex(/^[*#][0-9*#]{1,5}$/, 'must start with * or # and have 2 to 6 keys, such as *11')
    .default('*11'),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en-US')
    .default('en-US'),
  prompts: z.partialRecord(z.enum(promptNames), z.string().trim().min(1).max(1000)).default({}),
});
export type Settings = z.infer<typeof settingsDocumentSchema>;
/**
 * `settingsDocumentSchema.parse({})`, written out: the voice function reads it at import, and a parse
 * there would run zod at every cold start (test/commons/schemas.test.ts holds the two equal).
 */
export const defaultSettings: Settings = { pickupCode: '*11', language: 'en-US', prompts: {} };
