import type { Simulation } from '../engine.js';
import { error, listPage, notFound, rfc2822, unknownField, PAGING_FIELDS, type Answer, type Params } from './answers.js';

/**
 * The Recordings list (https://www.twilio.com/docs/voice/api/recording): those the simulated calls
 * made with <Record>, and any added as made outside these calls.
 */

/** A recording in the Recordings list: made by a simulated call, or added (another application, a <Dial record>, ...). */
export type TwilioRecordingEntry = {
  sid: string;
  callSid: string | null;
  seconds: number;
  createdAt: Date;
  source?: string;
  status?: string;
};

/**
 * The Recordings list's query parameters. `DateCreated>` and `DateCreated<` are how `DateCreated>=`
 * and `DateCreated<=` arrive.
 */
const RECORDING_LIST_FIELDS = new Set([
  'DateCreated',
  'DateCreated>',
  'DateCreated<',
  'CallSid',
  'ConferenceSid',
  'IncludeSoftDeleted',
  ...PAGING_FIELDS,
]);

/** A `DateCreated` filter value: a day (YYYY-MM-DD, UTC) or an ISO 8601 time; the range it stands for. */
function dateFilter(value: string): { from: number; to: number } | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const from = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(from) ? undefined : { from, to: from + 24 * 3600 * 1000 };
  }
  const at = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : { from: at, to: at + 1 };
}

function recordingResource(accountSid: string, recording: TwilioRecordingEntry): Record<string, unknown> {
  const created = rfc2822(recording.createdAt);
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    call_sid: recording.callSid,
    conference_sid: null,
    date_created: created,
    date_updated: created,
    start_time: rfc2822(new Date(recording.createdAt.getTime() - recording.seconds * 1000)),
    duration: String(recording.seconds),
    sid: recording.sid,
    price: null,
    price_unit: 'USD',
    status: recording.status ?? 'completed',
    channels: 1,
    source: recording.source ?? 'RecordVerb',
    error_code: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Recordings/${recording.sid}.json`,
    encryption_details: null,
    subresource_uris: { transcriptions: `/2010-04-01/Accounts/${accountSid}/Recordings/${recording.sid}/Transcriptions.json` },
    media_url: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recording.sid}`,
  };
}

/**
 * Every recording Twilio holds for this account: those the simulated calls made with <Record> (each
 * dated by its 'record' event, as the engine logs it when the recording ends), and the extra ones.
 */
function allRecordings(simulation: Simulation | undefined, extra: readonly TwilioRecordingEntry[]): TwilioRecordingEntry[] {
  if (simulation === undefined) return [...extra];
  // The simulated clock's second 0 in wall-clock time, from Twilio's own `Timestamp` of now.
  const epoch = Date.parse(simulation.timestamp()) - simulation.clock.now * 1000;
  const made = simulation.recordingsByCall().flatMap(({ callSid, callId, recordings }) => {
    const ended = simulation.events.filter((event) => event.call === callId && event.type === 'record').map((event) => event.at);
    return recordings.map((recording, index): TwilioRecordingEntry => ({
      sid: recording.recordingSid,
      callSid,
      seconds: recording.seconds,
      createdAt: new Date(epoch + (ended[index] ?? simulation.clock.now) * 1000),
    }));
  });
  return [...made, ...extra];
}

/**
 * GET /Recordings.json: newest first, filtered by `DateCreated` (a day), `DateCreated>=`/`<=` (on
 * or after the day's start, on or before its end) and `CallSid`, in pages of `PageSize` (default
 * 50, at most 1000) with Twilio's paging fields; `next_page_uri` is null on the last page.
 */
export function listRecordings(
  simulation: Simulation | undefined,
  extra: readonly TwilioRecordingEntry[],
  accountSid: string,
  params: Params,
): Answer {
  const invalid = unknownField(params, RECORDING_LIST_FIELDS);
  if (invalid !== undefined) return invalid;
  const filters: ((created: number) => boolean)[] = [];
  for (const [field, keep] of [
    ['DateCreated', (range: { from: number; to: number }) => (created: number) => created >= range.from && created < range.to],
    ['DateCreated>', (range: { from: number; to: number }) => (created: number) => created >= range.from],
    ['DateCreated<', (range: { from: number; to: number }) => (created: number) => created < range.to],
  ] as const) {
    const value = params[field];
    if (value === undefined) continue;
    const range = dateFilter(value);
    if (range === undefined)
      return error(400, 20001, `Invalid ${field === 'DateCreated' ? field : `${field}=`} value: ${value} (YYYY-MM-DD)`);
    filters.push(keep(range));
  }
  const matching = allRecordings(simulation, extra)
    .map((recording) => recordingResource(accountSid, recording))
    .filter((recording) => filters.every((keep) => keep(Date.parse(String(recording.date_created)))))
    .filter((recording) => params.CallSid === undefined || recording.call_sid === params.CallSid)
    .sort((a, b) => Date.parse(String(b.date_created)) - Date.parse(String(a.date_created)) || String(a.sid).localeCompare(String(b.sid)));
  return listPage(params, matching, 'recordings', `/2010-04-01/Accounts/${accountSid}/Recordings.json`);
}

/**
 * One MPEG-1 Layer III frame of silence: 32 kbit/s, 32 kHz, mono (header FF FB 18 C0), 144 bytes
 * long, 1152 samples (36 ms). Its side information is all zero, so it decodes to silence: the file
 * a browser's <audio> plays for a fake recording.
 */
const SILENT_FRAME = (() => {
  const frame = new Uint8Array(144);
  frame.set([0xff, 0xfb, 0x18, 0xc0]);
  return frame;
})();
const FRAME_SECONDS = 1152 / 32_000;

/** A valid MP3 of `seconds` of silence (at least one frame). */
export function silentMp3(seconds: number): Uint8Array {
  const frames = Math.max(1, Math.ceil(seconds / FRAME_SECONDS));
  const bytes = new Uint8Array(frames * SILENT_FRAME.length);
  for (let frame = 0; frame < frames; frame += 1) bytes.set(SILENT_FRAME, frame * SILENT_FRAME.length);
  return bytes;
}

/**
 * GET /Recordings/{Sid}.mp3: the recording's audio as `audio/mpeg`
 * (https://www.twilio.com/docs/voice/api/recording#fetch-a-recording-media-file): silence as long as
 * the recording, or the bytes a test set for it; 404 (20404) for a recording the account does not hold.
 */
export function fetchRecordingMedia(
  simulation: Simulation | undefined,
  extra: readonly TwilioRecordingEntry[],
  media: ReadonlyMap<string, Uint8Array>,
  recordingSid: string,
): Answer {
  const recording = allRecordings(simulation, extra).find((candidate) => candidate.sid === recordingSid);
  if (recording === undefined) return notFound(`/Recordings/${recordingSid}.mp3`);
  return { status: 200, body: {}, media: { contentType: 'audio/mpeg', bytes: media.get(recordingSid) ?? silentMp3(recording.seconds) } };
}
