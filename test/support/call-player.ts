import { XMLParser } from 'fast-xml-parser';
import { postVoice, TEST_HOST } from './invoke.js';

/**
 * Plays a whole call as Twilio would, against the real voice handler: posts the signed webhooks with
 * Twilio's parameters, follows Gather, Dial, Record and Redirect, and answers each with the outcome
 * the test chooses. It refuses TwiML that Twilio would reject, naming the rule.
 */
export type DeviceBehaviour = 'answer' | 'no-answer' | 'busy' | 'failed';

export type CallScript = {
  from?: string;
  to: string;
  /** Keys pressed while the greeting plays (a <Gather>). */
  digits?: string;
  /** What each device does when rung, by client identity, phone number or SIP URI; default no-answer. */
  devices?: Record<string, DeviceBehaviour>;
  /** Seconds of message the caller leaves at a <Record>; 0 hangs up at the beep. Default 10. */
  voicemailSeconds?: number;
  callSid?: string;
};

export type TranscriptEntry =
  | { verb: 'say'; text: string; language?: string }
  | { verb: 'play'; url: string }
  | { verb: 'gather'; numDigits?: number; digits?: string }
  | { verb: 'dial'; nouns: string[]; timeout: number; status: string; answeredBy?: string }
  | { verb: 'record'; seconds: number }
  | { verb: 'redirect'; url: string }
  | { verb: 'hangup' };

export type PlayedCall = {
  transcript: TranscriptEntry[];
  /** Every request posted, in order. */
  requests: { url: string; params: Record<string, string> }[];
  /** Dial entries only, for short assertions. */
  offers: { nouns: string[]; status: string; answeredBy?: string }[];
  ended: 'hangup' | 'document-ended';
};

export class TwimlRuleError extends Error {
  constructor(rule: string) {
    super(`Twilio would reject this TwiML: ${rule}`);
    this.name = 'TwimlRuleError';
  }
}

type Element = { name: string; attrs: Record<string, string>; children: Element[]; text: string };

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, trimValues: true });

type Parsed = Record<string, unknown>[];
function toElements(nodes: Parsed): Element[] {
  const elements: Element[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((key) => key !== ':@');
    if (name === undefined || name === '#text' || name === '?xml') continue;
    const childNodes = (node[name] ?? []) as Parsed;
    const text = childNodes.map((child) => (typeof child['#text'] === 'string' ? child['#text'] : '')).join('');
    elements.push({ name, attrs: (node[':@'] ?? {}) as Record<string, string>, children: toElements(childNodes), text });
  }
  return elements;
}

export function parseTwiml(xml: string): Element[] {
  const root = toElements(parser.parse(xml) as Parsed)[0];
  if (root?.name !== 'Response') throw new TwimlRuleError('the document root must be <Response>');
  return root.children;
}

const KNOWN_VERBS = new Set(['Say', 'Play', 'Pause', 'Gather', 'Dial', 'Record', 'Redirect', 'Hangup', 'Enqueue', 'Leave', 'Reject']);

function checkDial(dial: Element): void {
  const timeout = Number(dial.attrs.timeout ?? '30');
  if (!Number.isInteger(timeout) || timeout < 5 || timeout > 600) throw new TwimlRuleError(`<Dial timeout="${dial.attrs.timeout}"> must be 5..600`);
  const count = (name: string): number => dial.children.filter((child) => child.name === name).length;
  if (count('Client') > 10) throw new TwimlRuleError('at most 10 <Client> nouns in one <Dial>');
  if (count('Number') > 10) throw new TwimlRuleError('at most 10 <Number> nouns in one <Dial>');
  if (count('Sip') > 0 && dial.children.length > 1) throw new TwimlRuleError('a <Sip> may not share a <Dial> with other nouns');
}

export async function playCall(script: CallScript): Promise<PlayedCall> {
  const callSid = script.callSid ?? `CA${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`;
  const base = { AccountSid: 'AC00000000000000000000000000000000', CallSid: callSid, From: script.from ?? '+15550001111', To: script.to, Direction: 'inbound', ApiVersion: '2010-04-01' };
  const played: PlayedCall = { transcript: [], requests: [], offers: [], ended: 'document-ended' };
  let digitsLeft = script.digits;

  async function post(url: string, extra: Record<string, string>): Promise<Element[]> {
    const target = new URL(url);
    if (target.host !== TEST_HOST) throw new Error(`the call left the project: ${url}`);
    const params = { ...base, ...extra };
    played.requests.push({ url, params });
    if (played.requests.length > 60) throw new Error('the call did not end after 60 webhooks');
    const response = await postVoice({ pathAndQuery: `${target.pathname}${target.search}`, params });
    if (response.statusCode !== 200) throw new Error(`POST ${url} answered ${response.statusCode}: ${response.body}`);
    return parseTwiml(response.body);
  }

  let url = `https://${TEST_HOST}/voice/incoming`;
  let verbs = await post(url, { CallStatus: 'ringing' });
  for (;;) {
    const verb = verbs.shift();
    if (verb === undefined) return played;
    if (!KNOWN_VERBS.has(verb.name)) throw new TwimlRuleError(`unknown verb <${verb.name}>`);
    const next = (relative: string): string => new URL(relative, url).toString();
    switch (verb.name) {
      case 'Say':
        played.transcript.push({ verb: 'say', text: verb.text, ...(verb.attrs.language === undefined ? {} : { language: verb.attrs.language }) });
        break;
      case 'Play':
        played.transcript.push({ verb: 'play', url: verb.text });
        break;
      case 'Pause':
        break;
      case 'Gather': {
        if (verb.attrs.action === undefined) throw new TwimlRuleError('<Gather> without action');
        for (const child of verb.children) {
          if (child.name === 'Say') played.transcript.push({ verb: 'say', text: child.text, ...(child.attrs.language === undefined ? {} : { language: child.attrs.language }) });
          else if (child.name === 'Play') played.transcript.push({ verb: 'play', url: child.text });
          else if (child.name !== 'Pause') throw new TwimlRuleError(`<${child.name}> may not be nested in <Gather>`);
        }
        const numDigits = verb.attrs.numDigits === undefined ? undefined : Number(verb.attrs.numDigits);
        const digits = digitsLeft === undefined || digitsLeft === '' || digitsLeft.startsWith('#') ? undefined : digitsLeft.slice(0, numDigits ?? digitsLeft.length);
        digitsLeft = undefined;
        played.transcript.push({ verb: 'gather', ...(numDigits === undefined ? {} : { numDigits }), ...(digits === undefined ? {} : { digits }) });
        if (digits !== undefined) {
          url = next(verb.attrs.action);
          verbs = await post(url, { CallStatus: 'in-progress', Digits: digits });
        }
        break;
      }
      case 'Dial': {
        checkDial(verb);
        const nouns = verb.children.map((child) => child.text);
        const behaviours = nouns.map((noun) => script.devices?.[noun] ?? 'no-answer');
        const answered = nouns.find((_noun, index) => behaviours[index] === 'answer');
        const status =
          answered !== undefined ? 'completed' : behaviours.length > 0 && behaviours.every((b) => b === 'busy') ? 'busy' : behaviours.length > 0 && behaviours.every((b) => b === 'failed') ? 'failed' : 'no-answer';
        const entry = { nouns, status, ...(answered === undefined ? {} : { answeredBy: answered }) };
        played.transcript.push({ verb: 'dial', timeout: Number(verb.attrs.timeout ?? '30'), ...entry });
        played.offers.push(entry);
        if (verb.attrs.action !== undefined) {
          url = next(verb.attrs.action);
          verbs = await post(url, {
            CallStatus: 'in-progress',
            DialCallStatus: status,
            DialCallSid: `CA${'d'.repeat(32)}`,
            ...(answered === undefined ? {} : { DialCallDuration: '42', DialBridged: 'true' }),
          });
        }
        break;
      }
      case 'Record': {
        const seconds = script.voicemailSeconds ?? 10;
        played.transcript.push({ verb: 'record', seconds });
        const recording = { RecordingSid: `RE${callSid.slice(2)}`, RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE${callSid.slice(2)}`, RecordingDuration: String(seconds) };
        if (verb.attrs.recordingStatusCallback !== undefined) {
          await post(next(verb.attrs.recordingStatusCallback), { ...recording, RecordingStatus: 'completed', RecordingChannels: '1', RecordingSource: 'RecordVerb' });
        }
        if (verb.attrs.action !== undefined) {
          url = next(verb.attrs.action);
          verbs = await post(url, { CallStatus: seconds === 0 ? 'completed' : 'in-progress', ...recording, Digits: seconds === 0 ? 'hangup' : '#' });
        }
        break;
      }
      case 'Redirect':
        played.transcript.push({ verb: 'redirect', url: verb.text });
        url = next(verb.text);
        verbs = await post(url, { CallStatus: 'in-progress' });
        break;
      case 'Hangup':
        played.transcript.push({ verb: 'hangup' });
        played.ended = 'hangup';
        return played;
      default:
        throw new TwimlRuleError(`<${verb.name}> is not expected in this product's calls yet`);
    }
  }
}

/** What the caller heard, one line per <Say>. */
export function spoken(call: PlayedCall): string[] {
  return call.transcript.flatMap((entry) => (entry.verb === 'say' ? [entry.text] : []));
}
