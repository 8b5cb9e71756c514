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

const voicemailActionSchema = z.strictObject({ action: z.literal('voicemail') });
const forwardToMobileSchema = z.strictObject({ action: z.literal('forward-to-mobile'), member: idSchema.optional() });
const forwardToNumberSchema = z.strictObject({ action: z.literal('forward-to-number'), number: e164Schema });
const forwardToGroupSchema = z.strictObject({ action: z.literal('forward-to-group'), group: idSchema });
const hangupActionSchema = z.strictObject({ action: z.literal('hangup') });

/**
 * What the waiting line does with a caller it does not keep (SPEC 16: full, nobody available, waited
 * too long): any missed-call action but waiting itself (another group's line is `forward-to-group`).
 */
export const lineActionSchema = z.discriminatedUnion('action', [
  voicemailActionSchema,
  forwardToMobileSchema,
  forwardToNumberSchema,
  forwardToGroupSchema,
  hangupActionSchema,
]);
export type LineAction = z.infer<typeof lineActionSchema>;

/** The waiting line (SPEC sections 7 and 16). */
export const waitForAgentSchema = z.strictObject({
  action: z.literal('wait-for-agent'),
  maxWaitSeconds: z.int().min(10).max(86_400).optional(),
  announcePosition: z.boolean().optional(),
  /** After `maxWaitSeconds`; absent: voicemail. */
  whenMaxWait: lineActionSchema.optional(),
  /** At most this many callers wait; the next one gets `whenFull` (absent: voicemail). */
  maxCallers: z.int().min(1).max(1000).optional(),
  whenFull: lineActionSchema.optional(),
  /** When no member of the group is available (all away, or without devices): this at once instead of waiting. */
  whenNobodyAvailable: lineActionSchema.optional(),
  /** The hold announcement says the estimated wait, when there is enough recent history. */
  announceEstimatedWait: z.boolean().optional(),
  /** Keys the caller may press while waiting: 1 to be called back keeping their place, 2 to leave a voicemail. */
  menu: z.strictObject({ callback: z.boolean().optional(), voicemail: z.boolean().optional() }).optional(),
  /** Callbacks: how often the caller's number is tried, and how long apart. */
  callback: z
    .strictObject({
      attempts: z.int().min(1).max(5).default(3),
      retryDelaySeconds: z.int().min(30).max(3600).default(120),
    })
    .optional(),
});
export type WaitForAgent = z.infer<typeof waitForAgentSchema>;

export const whenNobodyAnswersSchema = z.discriminatedUnion('action', [
  voicemailActionSchema,
  forwardToMobileSchema,
  forwardToNumberSchema,
  waitForAgentSchema,
  forwardToGroupSchema,
  hangupActionSchema,
]);
export type WhenNobodyAnswers = z.infer<typeof whenNobodyAnswersSchema>;

/** An action with the actions of its waiting line (whenFull, whenNobodyAvailable, whenMaxWait): what it may name. */
export function lineActionsOf(action: WhenNobodyAnswers | undefined): (WhenNobodyAnswers | LineAction)[] {
  if (action === undefined) return [];
  if (action.action !== 'wait-for-agent') return [action];
  return [action, ...[action.whenFull, action.whenNobodyAvailable, action.whenMaxWait].filter((each) => each !== undefined)];
}

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
  /** The group's opening hours (a schedule's id); without one it is always open. */
  schedule: idSchema.optional(),
  /** What a call to the group gets while its schedule is closed; absent: `whenNobodyAnswers`. */
  whenClosed: whenNobodyAnswersSchema.optional(),
  /**
   * Which answered legs must press 1 before the offer counts as answered, since a voicemail box can
   * answer them: `phones` (default) phone devices and the forwards to a mobile or a number, `all`
   * every device, `off` none.
   */
  confirm: z.enum(['phones', 'all', 'off']).default('phones'),
  /** What the member hears before the bridge: nothing, the group's name, or the name and the caller's number. */
  whisper: z.enum(['off', 'group', 'group-and-caller']).default('off'),
  /**
   * After this many offers in a row that rang a member and ended unanswered by them, the member is set
   * `away` with a reason (SPEC 15); absent: off.
   */
  awayAfterMisses: z
    .int({ error: 'must be a whole number from 1 to 10 (leave it out to turn it off)' })
    .min(1, 'must be a whole number from 1 to 10 (leave it out to turn it off)')
    .max(10, 'must be a whole number from 1 to 10 (leave it out to turn it off)')
    .optional(),
  /**
   * Seconds after a call of this group ends during which the member is offered no call (SPEC 15:
   * wrap-up, to finish notes); when they end the member is offered the longest-waiting caller at once.
   */
  wrapUpSeconds: z
    .int({ error: 'must be a whole number of seconds from 0 to 600' })
    .min(0, 'must be a whole number of seconds from 0 to 600')
    .max(600, 'must be a whole number of seconds from 0 to 600')
    .default(0),
  /** Reports (SPEC 17): a call answered within this many seconds of its start counts toward the service level. */
  serviceLevelSeconds: z.int().min(1).max(600).default(20),
  /** Reports: callers who hang up within this many seconds are counted apart, not as abandoned. */
  shortAbandonSeconds: z.int().min(0).max(60).default(5),
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
  /** The number's opening hours (a schedule's id); without one it is always open. */
  schedule: idSchema.optional(),
  /** What a caller gets while the number's schedule is closed (after `closedGreeting`); absent: voicemail for the number's group. */
  whenClosed: whenNobodyAnswersSchema.optional(),
  /** Played first while the number is closed. */
  closedGreeting: greetingSchema.optional(),
});
export type NumberDocument = z.infer<typeof numberDocumentSchema>;
export type PhoneNumber = NumberDocument & { number: string };

/** A local time of day, `HH:MM` on the 24-hour clock; `24:00` only as a range's end (the day's end). */
const timeOfDaySchema = z
  .string()
  .regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'must be a time of day HH:MM such as 08:00 (24:00 for the end of the day)');

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

/**
 * Open from `from` to `to`, local time. A range whose `to` is not after its `from` (`22:00` to
 * `02:00`) runs past midnight into the next day; `to` of `24:00` ends at midnight.
 */
export const openRangeSchema = z
  .strictObject({ from: timeOfDaySchema, to: timeOfDaySchema })
  .refine((range) => range.from !== range.to, { message: 'from and to must differ (24 hours open: 00:00 to 24:00)', path: ['to'] })
  .refine((range) => range.from !== '24:00', { message: 'must be 00:00 to 23:59; 24:00 is only an end', path: ['from'] });
export type OpenRange = z.infer<typeof openRangeSchema>;

export const weeklyRangeSchema = z
  .strictObject({
    days: z
      .array(z.enum(weekdays, { error: 'must be one of mon, tue, wed, thu, fri, sat, sun' }))
      .min(1, 'must name at least one day')
      .refine((days) => new Set(days).size === days.length, 'must not name a day twice'),
    from: timeOfDaySchema,
    to: timeOfDaySchema,
  })
  .refine((range) => range.from !== range.to, { message: 'from and to must differ (24 hours open: 00:00 to 24:00)', path: ['to'] })
  .refine((range) => range.from !== '24:00', { message: 'must be 00:00 to 23:59; 24:00 is only an end', path: ['from'] });
export type WeeklyRange = z.infer<typeof weeklyRangeSchema>;

/** A calendar date `YYYY-MM-DD` that exists. */
const dateSchema = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'must be a date YYYY-MM-DD such as 2026-12-25')
  .refine((date) => {
    const parsed = new Date(`${date}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date);
  }, 'must be a date that exists');

/** A dated exception: without `open` closed all day, else open only in these ranges that day. */
export const scheduleExceptionSchema = z.strictObject({
  date: dateSchema,
  name: z.string().trim().min(1).max(100).optional(),
  open: z.array(openRangeSchema).min(1, 'must hold at least one range; leave it out to close all day').max(10).optional(),
});
export type ScheduleException = z.infer<typeof scheduleExceptionSchema>;

/** An ISO 8601 time with its offset or Z, such as 2026-11-27T18:00:00Z. */
export const isoTimeSchema = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-11-27T18:00:00Z' });

export const scheduleOverrideSchema = z.strictObject({
  state: z.enum(['open', 'closed'], { error: 'must be open or closed' }),
  /** Until when the override holds; absent: until it is removed or toggled. */
  until: isoTimeSchema.optional(),
});
export type ScheduleOverride = z.infer<typeof scheduleOverrideSchema>;

/** Whether `zone` is an IANA time zone this runtime knows (Intl throws a RangeError for any other). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** Opening hours (SPEC section 14): the override beats the exceptions, which beat the weekly ranges. */
export const scheduleDocumentSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
  weekly: z.array(weeklyRangeSchema).max(50).default([]),
  exceptions: z
    .array(scheduleExceptionSchema)
    .max(400)
    .refine((list) => new Set(list.map((exception) => exception.date)).size === list.length, 'must not list a date twice')
    .default([]),
  override: scheduleOverrideSchema.optional(),
  /** Members who may toggle the override with the toggle code besides the members of the groups using it. */
  toggledBy: z
    .array(idSchema)
    .max(100)
    .refine((ids) => new Set(ids).size === ids.length, 'must not list a member twice')
    .optional(),
});
export type ScheduleDocument = z.infer<typeof scheduleDocumentSchema>;
export type Schedule = ScheduleDocument & { id: string };

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
  'lineClosed',
  'lineOpen',
  'notAllowedToToggle',
  'toggleFailed',
  'estimatedWait',
  'estimatedWaitOne',
  'menuCallback',
  'menuVoicemail',
  'menuUnknownKey',
  'callbackOffer',
  'callbackEnterNumber',
  'callbackBadNumber',
  'callbackBooked',
  'callbackAlreadyBooked',
  'callbackWhisper',
  'callbackWhisperOne',
  'callbackNotReached',
] as const;
export type PromptName = (typeof promptNames)[number];

const dialCodeSchema = (example: string) =>
  z.string().regex(/^[*#][0-9*#]{1,5}$/, `must start with * or # and have 2 to 6 keys, such as ${example}`);

export const settingsDocumentSchema = z
  .strictObject({
    pickupCode: dialCodeSchema('*11').default('*11'),
    /** Dialled by a member: toggles the override of the schedules they may toggle (SPEC section 14). */
    scheduleToggleCode: dialCodeSchema('*28').default('*28'),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en-US')
      .default('en-US'),
    prompts: z.partialRecord(z.enum(promptNames), z.string().trim().min(1).max(1000)).default({}),
  })
  .refine((settings) => settings.scheduleToggleCode !== settings.pickupCode, {
    message: 'must differ from pickupCode',
    path: ['scheduleToggleCode'],
  });
export type Settings = z.infer<typeof settingsDocumentSchema>;
/**
 * `settingsDocumentSchema.parse({})`, written out: the voice function reads it at import, and a parse
 * there would run zod at every cold start (test/commons/schemas.test.ts holds the two equal).
 */
export const defaultSettings: Settings = { pickupCode: '*11', scheduleToggleCode: '*28', language: 'en-US', prompts: {} };
