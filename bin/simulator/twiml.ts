import { XMLParser } from 'fast-xml-parser';

/**
 * TwiML as Twilio reads it: parsed, then checked against the rules whose breach makes Twilio reject
 * the document (reference/twilio.md). A breach is a TwimlRuleError naming the rule.
 */
export type TwimlElement = { name: string; attrs: Record<string, string>; children: TwimlElement[]; text: string };

export class TwimlRuleError extends Error {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(`Twilio would reject this TwiML (${rule}): ${detail}`);
    this.name = 'TwimlRuleError';
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

type Parsed = Record<string, unknown>[];
function toElements(nodes: Parsed): TwimlElement[] {
  const elements: TwimlElement[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((key) => key !== ':@');
    if (name === undefined || name === '#text' || name === '?xml') continue;
    const childNodes = (node[name] ?? []) as Parsed;
    const text = childNodes.map((child) => (typeof child['#text'] === 'string' ? child['#text'] : '')).join('');
    elements.push({ name, attrs: (node[':@'] ?? {}) as Record<string, string>, children: toElements(childNodes), text });
  }
  return elements;
}

const METHOD = ['GET', 'POST'];
const BOOLEAN = ['true', 'false'];
const NOUN_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];
const nounCallbackAttrs = ['url', 'method', 'statusCallback', 'statusCallbackEvent', 'statusCallbackMethod'];

/** Every verb and noun we accept, with the attributes Twilio documents for it. */
const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  Say: ['voice', 'language', 'loop'],
  Play: ['loop', 'digits'],
  Pause: ['length'],
  Gather: [
    'action',
    'method',
    'timeout',
    'finishOnKey',
    'numDigits',
    'input',
    'hints',
    'language',
    'speechTimeout',
    'actionOnEmptyResult',
    'partialResultCallback',
    'partialResultCallbackMethod',
    'profanityFilter',
    'speechModel',
    'enhanced',
  ],
  Dial: [
    'action',
    'method',
    'timeout',
    'hangupOnStar',
    'timeLimit',
    'callerId',
    'record',
    'trim',
    'recordingStatusCallback',
    'recordingStatusCallbackMethod',
    'recordingStatusCallbackEvent',
    'answerOnBridge',
    'ringTone',
    'recordingTrack',
    'sequential',
    'referUrl',
    'referMethod',
    'events',
  ],
  Record: [
    'action',
    'method',
    'timeout',
    'finishOnKey',
    'maxLength',
    'playBeep',
    'trim',
    'recordingStatusCallback',
    'recordingStatusCallbackMethod',
    'recordingStatusCallbackEvent',
    'storageUrl',
    'storageUrlMethod',
    'transcribe',
    'transcribeCallback',
  ],
  Redirect: ['method'],
  Hangup: [],
  Reject: ['reason'],
  Enqueue: ['action', 'method', 'waitUrl', 'waitUrlMethod', 'workflowSid'],
  Leave: [],
  Client: nounCallbackAttrs,
  Number: [...nounCallbackAttrs, 'sendDigits', 'byoc'],
  Sip: [...nounCallbackAttrs, 'username', 'password'],
  Queue: ['url', 'method', 'reservationSid', 'postWorkActivitySid'],
  // https://www.twilio.com/docs/voice/twiml/conference (and twilio-node's ConferenceAttributes)
  Conference: [
    'muted',
    'beep',
    'startConferenceOnEnter',
    'endConferenceOnExit',
    'waitUrl',
    'waitMethod',
    'maxParticipants',
    'record',
    'region',
    'coach',
    'trim',
    'statusCallbackEvent',
    'statusCallback',
    'statusCallbackMethod',
    'recordingStatusCallback',
    'recordingStatusCallbackMethod',
    'recordingStatusCallbackEvent',
    'eventCallbackUrl',
    'jitterBufferSize',
    'participantLabel',
    'recordingConfigurationId',
  ],
};

const VERBS = new Set(['Say', 'Play', 'Pause', 'Gather', 'Dial', 'Record', 'Redirect', 'Hangup', 'Reject', 'Enqueue', 'Leave']);
const DIAL_NOUNS = new Set(['Client', 'Number', 'Sip', 'Queue', 'Conference']);
const CONFERENCE_EVENTS = ['start', 'end', 'join', 'leave', 'mute', 'hold', 'modify', 'speaker', 'announcement'];
const GATHER_CHILDREN = new Set(['Say', 'Play', 'Pause']);

function fail(rule: string, detail: string): never {
  throw new TwimlRuleError(rule, detail);
}

function intIn(element: TwimlElement, attr: string, min: number, max: number): void {
  const value = element.attrs[attr];
  if (value === undefined) return;
  const number = Number(value);
  if (!/^-?\d+$/.test(value) || number < min || number > max)
    fail('bad attribute value', `<${element.name} ${attr}="${value}"> must be an integer from ${min} to ${max}`);
}

function oneOf(element: TwimlElement, attr: string, allowed: readonly string[]): void {
  const value = element.attrs[attr];
  if (value !== undefined && !allowed.includes(value))
    fail('bad attribute value', `<${element.name} ${attr}="${value}"> must be one of ${allowed.join(', ')}`);
}

function eachOf(element: TwimlElement, attr: string, allowed: readonly string[]): void {
  const value = element.attrs[attr];
  if (value === undefined) return;
  for (const part of value.split(/[\s,]+/).filter(Boolean))
    if (!allowed.includes(part))
      fail('bad attribute value', `<${element.name} ${attr}="${value}">: ${part} is not one of ${allowed.join(', ')}`);
}

function checkAttributes(element: TwimlElement): void {
  const allowed = ALLOWED_ATTRIBUTES[element.name] ?? [];
  for (const attr of Object.keys(element.attrs))
    if (!allowed.includes(attr)) fail('unknown attribute', `<${element.name}> has no attribute ${attr}`);
  for (const attr of ['method', 'waitUrlMethod', 'waitMethod', 'recordingStatusCallbackMethod', 'statusCallbackMethod'])
    oneOf(element, attr, METHOD);
  for (const attr of [
    'playBeep',
    'actionOnEmptyResult',
    'answerOnBridge',
    'hangupOnStar',
    'profanityFilter',
    'muted',
    'startConferenceOnEnter',
    'endConferenceOnExit',
  ])
    oneOf(element, attr, BOOLEAN);
}

/**
 * <Conference> (https://www.twilio.com/docs/voice/twiml/conference): the values Twilio accepts, as its
 * errors 13230-13239 name them; `waitUrl` is a URL or the empty string (no hold music, error 13233).
 */
function checkConference(noun: TwimlElement): void {
  oneOf(noun, 'beep', ['true', 'false', 'onEnter', 'onExit']);
  intIn(noun, 'maxParticipants', 2, 250);
  oneOf(noun, 'record', ['do-not-record', 'record-from-start']);
  oneOf(noun, 'trim', ['trim-silence', 'do-not-trim']);
  oneOf(noun, 'region', ['us1', 'us2', 'ie1', 'sg1', 'br1', 'au1', 'jp1', 'de1']);
  oneOf(noun, 'jitterBufferSize', ['large', 'medium', 'small', 'off']);
  eachOf(noun, 'recordingStatusCallbackEvent', ['in-progress', 'completed', 'absent']);
  const waitUrl = noun.attrs.waitUrl;
  if (waitUrl !== undefined && waitUrl !== '' && (/\s/.test(waitUrl) || !URL.canParse(waitUrl, 'https://base.example/')))
    fail('bad attribute value', `<Conference waitUrl="${waitUrl}"> must be a URL or the empty string`);
}

function checkNoun(noun: TwimlElement): void {
  if (!DIAL_NOUNS.has(noun.name)) fail('unknown noun', `<Dial> cannot contain <${noun.name}>`);
  checkAttributes(noun);
  eachOf(noun, 'statusCallbackEvent', noun.name === 'Conference' ? CONFERENCE_EVENTS : NOUN_EVENTS);
  if (noun.name === 'Conference') checkConference(noun);
  if (noun.text.trim() === '') fail('bad noun', `<${noun.name}> needs a value`);
  if (noun.name === 'Number' && !/^\+?[0-9*#]+$/.test(noun.text)) fail('bad noun', `<Number>${noun.text}</Number> is not a phone number`);
  if (noun.name === 'Sip' && !/^sips?:/.test(noun.text)) fail('bad noun', `<Sip>${noun.text}</Sip> is not a SIP URI`);
}

function checkVerb(verb: TwimlElement): void {
  if (!VERBS.has(verb.name)) fail('unknown verb', `<${verb.name}> is not a TwiML voice verb`);
  checkAttributes(verb);
  switch (verb.name) {
    case 'Say':
    case 'Play':
      intIn(verb, 'loop', 0, 1000);
      if (verb.text.trim() === '') fail('bad verb', `<${verb.name}> needs content`);
      break;
    case 'Pause':
      intIn(verb, 'length', 1, 600);
      break;
    case 'Gather':
      if (verb.attrs.action === undefined)
        fail('Gather without action', '<Gather> must name its action URL (Twilio would post to the current document)');
      intIn(verb, 'timeout', 1, 600);
      intIn(verb, 'numDigits', 1, 100);
      eachOf(verb, 'input', ['dtmf', 'speech']);
      for (const child of verb.children) {
        if (!GATHER_CHILDREN.has(child.name)) fail('bad nesting', `<Gather> may contain only Say, Play and Pause, not <${child.name}>`);
        checkVerb(child);
      }
      break;
    case 'Dial': {
      intIn(verb, 'timeout', 5, 600);
      intIn(verb, 'timeLimit', 1, 14_400);
      eachOf(verb, 'recordingStatusCallbackEvent', ['in-progress', 'completed', 'absent']);
      const nouns = verb.children;
      if (nouns.length === 0 && verb.text.trim() === '') fail('bad verb', '<Dial> needs a number or a noun');
      nouns.forEach(checkNoun);
      const count = (name: string): number => nouns.filter((noun) => noun.name === name).length;
      if (count('Client') > 10) fail('at most 10 <Client> per <Dial>', `this <Dial> has ${count('Client')}`);
      if (count('Number') > 10) fail('at most 10 <Number> per <Dial>', `this <Dial> has ${count('Number')}`);
      if (count('Sip') > 0 && nouns.length > 1)
        fail('<Sip> may not share a <Dial>', `this <Dial> has ${nouns.map((noun) => `<${noun.name}>`).join(' ')}`);
      if (count('Queue') > 0 && nouns.length > 1) fail('<Queue> may not share a <Dial>', 'a <Dial> to a queue has only the <Queue> noun');
      if (count('Conference') > 0 && nouns.length > 1)
        fail('<Conference> may not share a <Dial>', 'a <Dial> to a conference has only the <Conference> noun');
      break;
    }
    case 'Record':
      intIn(verb, 'timeout', 0, 600);
      intIn(verb, 'maxLength', 1, 14_400);
      eachOf(verb, 'recordingStatusCallbackEvent', ['in-progress', 'completed', 'absent']);
      break;
    case 'Redirect':
      if (verb.text.trim() === '') fail('bad verb', '<Redirect> needs a URL');
      break;
    case 'Enqueue':
      if (verb.text.trim() === '' && verb.attrs.workflowSid === undefined) fail('bad verb', '<Enqueue> needs a queue name');
      if (verb.text.length > 64) fail('queue name too long', `queue names have at most 64 characters: ${verb.text}`);
      break;
    case 'Reject':
      oneOf(verb, 'reason', ['rejected', 'busy']);
      break;
    default:
      break;
  }
  if (verb.name !== 'Gather' && verb.name !== 'Dial' && verb.children.length > 0)
    fail('bad nesting', `<${verb.name}> cannot contain <${verb.children[0]?.name}>`);
}

/** Parse and check a TwiML document; the verbs of its <Response>. */
export function parseTwiml(xml: string): TwimlElement[] {
  let parsed: Parsed;
  try {
    parsed = parser.parse(xml, true) as Parsed;
  } catch (error) {
    fail('not XML', error instanceof Error ? error.message : String(error));
  }
  const roots = toElements(parsed);
  const root = roots[0];
  if (roots.length !== 1 || root?.name !== 'Response') fail('no <Response>', 'the document root must be one <Response>');
  if (Object.keys(root.attrs).length > 0) fail('unknown attribute', '<Response> takes no attributes');
  root.children.forEach(checkVerb);
  return root.children;
}
