import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { localContext, toLambdaEvent } from '../../bin/local/lambda-event.js';
import { seededRandom } from '../../bin/simulator/seeded-random.js';
import { handler as adminHandler } from '../../functions/handlers/admin.js';
import { put } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

/**
 * The admin API against malformed requests on every route: bodies that are not JSON or not the
 * document, wrong types, nulls, huge and odd Unicode strings, bad ids, bad percent-encodings, bad query
 * parameters, wrong content types, unknown routes and methods, and valid documents the store must
 * refuse. Every request must be answered 4xx with a JSON error, never 5xx, and none may change a
 * single item of the table. The requests come from a seeded generator, so a failure repeats.
 */

const SEED = 0x5eed_2026;

// The same seed gives the same requests on every run.
const random = seededRandom(SEED);
const int = (below: number): number => Math.floor(random() * below);
function pick<T>(items: readonly T[]): T {
  const item = items[int(items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

type FuzzRequest = { method: string; path: string; body?: string | Buffer; contentType?: string };
type Answer = { statusCode: number; contentType: string | undefined; body: string };

/** One request through the real admin handler, as a function URL hands it over; bytes are Base64. */
async function send(request: FuzzRequest): Promise<Answer> {
  const [rawPath = '', rawQueryString = ''] = request.path.split(/\?(.*)/s);
  const text = typeof request.body === 'string' ? request.body : '';
  const event = toLambdaEvent({
    method: request.method,
    rawPath,
    rawQueryString,
    headers: { host: 'admin.example.test', 'content-type': request.contentType ?? 'application/json' },
    body: text,
  });
  if (Buffer.isBuffer(request.body)) Object.assign(event, { body: request.body.toString('base64'), isBase64Encoded: true });
  const result = (await adminHandler(event, localContext('admin'))) as APIGatewayProxyStructuredResultV2;
  return { statusCode: result.statusCode ?? 200, contentType: result.headers?.['content-type']?.toString(), body: result.body ?? '' };
}

/** What is wrong with an answer to a malformed request; undefined when it is right. */
function fault(answer: Answer): string | undefined {
  if (answer.statusCode >= 500) return `status ${answer.statusCode}`;
  if (answer.statusCode < 400) return `accepted with ${answer.statusCode}`;
  if (answer.contentType !== 'application/json') return `content-type ${String(answer.contentType)}`;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return 'body is not JSON';
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error !== 'string' || error.trim() === '') return 'no error message';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Values

const lone = '\ud800';
const huge = (length: number): string => 'ß€😀a'.repeat(Math.ceil(length / 5)).slice(0, length);
/** Random text from ASCII, Latin, CJK, emoji, RTL, combining marks, controls and zero-width characters. */
function randomText(maxLength: number): string {
  const alphabets = [
    'abcxyz-_ ./%',
    'ÄÖÜßéñ',
    '日本語中文',
    '😀🎉👩‍💻',
    'مرحبا',
    'a\u0301e\u0308',
    '\u0000\u0007\u001b\t\n',
    '\u200b\u200d\ufeff\u202e',
  ];
  return (
    Array.from({ length: 1 + int(maxLength) }, () => [...pick(alphabets)][0] ?? '').join('') +
    [...pick(alphabets)].slice(0, int(3)).join('')
  );
}
/** A random JSON value, nested up to `depth`. */
function randomJson(depth: number): unknown {
  const kind = int(depth > 0 ? 8 : 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, int(100)]);
    case 3:
    case 4:
      return randomText(12);
    case 5:
      return '';
    case 6:
      return Array.from({ length: int(4) }, () => randomJson(depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: int(4) }, () => [randomText(6), randomJson(depth - 1)]));
  }
}

const notJson = [
  '{',
  '}',
  '[1, 2',
  '{"name": ',
  '{"name": "Anna",}',
  "{'name': 'Anna'}",
  '{name: "Anna"}',
  'nul',
  'undefined',
  'NaN',
  '{"name": "Anna"} {"name": "Ben"}',
  '\ufeff{"name": "Anna", "devices": []}',
  '{"name": "Anna" /* comment */}',
  '{"a": 1,, "b": 2}',
  '"unterminated',
  '{"name": "\\x41"}',
  '{"name": "a\u0000b"}',
  '{"rings": 0x10}',
  '{"rings": 01}',
  '{"rings": +1}',
  '{"rings": .5}',
  `{"name": "${'['.repeat(10)}`,
  '['.repeat(20_000),
  '{"a":'.repeat(5_000),
];

// ---------------------------------------------------------------------------------------------
// Routes and their documents

/** A valid document and, per field, values that make it invalid. */
type DocumentKind = { valid: Record<string, unknown>; bad: Record<string, readonly unknown[]> };

const devices = [{ type: 'client', identity: 'anna' }];
const member: DocumentKind = {
  valid: { name: 'Anna Schmidt', extension: '101', mobile: '+491701234567', devices },
  bad: {
    name: [null, 42, true, [], {}, '', '   ', 'x'.repeat(101), huge(100_000), ['Anna'], `Anna ${lone}`],
    extension: [101, '12345', '', 'abc', '１０１', '10 1', null, '-1', '1.0', '٣'],
    mobile: ['0170123', '+0170123456', 491701234567, '+49 170 1234567', null, `+${'1'.repeat(20)}`, '+491701234567\n'],
    devices: [
      null,
      {},
      'client',
      [null],
      [{}],
      [{ type: 'fax' }],
      [{ type: 'client' }],
      [{ type: 'client', identity: '' }],
      [{ type: 'client', identity: 'a b' }],
      [{ type: 'client', identity: 'x'.repeat(122) }],
      [{ type: 'client', identity: 'anna', extra: 1 }],
      [{ type: 'sip', uri: 'anna' }],
      [{ type: 'sip', uri: `sip:${'a'.repeat(50_000)}` }],
      [{ type: 'sip', uri: 'sip:anna @acme.sip.twilio.com' }],
      [{ type: 'phone', number: '123' }],
      [{ type: 'phone', number: 491709999999 }],
      Array.from({ length: 21 }, (_unused, index) => ({ type: 'client', identity: `device-${index}` })),
      [[{ type: 'client', identity: 'anna' }]],
    ],
  },
};
const status: DocumentKind = {
  valid: { status: 'away' },
  bad: { status: ['busy', 'AVAILABLE', '', null, 1, true, ['away'], { status: 'away' }, 'away ', 'availablé', huge(10_000)] },
};
const group: DocumentKind = {
  valid: {
    name: 'Support',
    members: ['anna', 'ben'],
    extension: '200',
    distribution: 'evenly',
    rings: 3,
    pickup: true,
    whenNobodyAnswers: { action: 'voicemail' },
  },
  bad: {
    name: [null, 7, '', '  ', huge(1000), [], `Support ${lone}`],
    members: [
      'anna',
      null,
      [1],
      ['Anna'],
      ['anna', 'anna'],
      Array.from({ length: 91 }, (_unused, index) => `m-${index}`),
      [[]],
      [null],
      {},
      ['a'.repeat(64)],
      ['-anna'],
      ['ann a'],
    ],
    extension: [200, '20000', '', 'zwei', null],
    distribution: ['random', 'EVENLY', 1, null, ['evenly'], ''],
    rings: [0, 21, 3.5, '3', -1, null, true, 1e6, []],
    pickup: ['true', 1, null, 'yes', []],
    whenNobodyAnswers: [
      null,
      'voicemail',
      {},
      { action: 'dance' },
      { action: 'forward-to-number' },
      { action: 'forward-to-number', number: '123' },
      { action: 'wait-for-agent', maxWaitSeconds: 5 },
      { action: 'wait-for-agent', maxWaitSeconds: 86_401 },
      { action: 'wait-for-agent', maxWaitSeconds: 10.5 },
      { action: 'wait-for-agent', maxWaitSeconds: '60' },
      { action: 'wait-for-agent', announcePosition: 'yes' },
      { action: 'forward-to-group', group: 'Support' },
      { action: 'forward-to-group' },
      { action: 'hangup', extra: true },
      { action: 'voicemail', member: 'anna' },
      [{ action: 'voicemail' }],
      { action: 'forward-to-mobile', member: 'ANNA' },
      { action: null },
    ],
  },
};
const number: DocumentKind = {
  valid: {
    group: 'support',
    extensions: true,
    greeting: { say: 'Willkommen bei Acme', language: 'de-DE' },
    holdMusic: 'https://example.com/hold.mp3',
  },
  bad: {
    group: ['Support', 1, null, '', ['support'], 'a'.repeat(64)],
    extensions: ['true', 1, null, 'yes'],
    greeting: [
      null,
      'hello',
      {},
      { say: '' },
      { say: '   ' },
      { say: 'x'.repeat(1001) },
      { say: huge(200_000) },
      { play: 'ftp://example.com/a.mp3' },
      { play: 'not a url' },
      { play: 'javascript:alert(1)' },
      { say: 'Hallo', play: 'https://example.com/a.mp3' },
      { say: 'Hallo', language: 'German' },
      { say: 'Hallo', language: 'DE' },
      { say: 42 },
      { say: `Hallo ${lone}` },
    ],
    holdMusic: ['file:///etc/passwd', 'music.mp3', 42, null, '', 'https://'],
  },
};
const settings: DocumentKind = {
  valid: { pickupCode: '*8', language: 'de-DE', prompts: { voicemail: 'Bitte sprechen Sie nach dem Ton.' } },
  bad: {
    pickupCode: ['11', '*', '*1234567', 11, null, '*1a', '*١١', ''],
    language: ['English', 'EN-us', 'e', '', null, 1, 'de_DE', 'de-'],
    prompts: [
      null,
      [],
      'x',
      { voicemail: '' },
      { voicemail: 42 },
      { unknownPrompt: 'x' },
      { voicemail: 'x'.repeat(1001) },
      { voicemail: null },
      { voicemail: `Hallo ${lone}` },
      { voicemail: ['x'] },
    ],
  },
};

/** Every PUT route with the document it takes; the paths name documents that exist and ones that do not. */
const putRoutes: { path: string; kind: DocumentKind }[] = [
  { path: '/users/anna', kind: member },
  { path: '/users/new-member', kind: member },
  { path: '/users/anna/status', kind: status },
  { path: '/groups/support', kind: group },
  { path: '/groups/new-group', kind: group },
  { path: '/numbers/+493012345678', kind: number },
  { path: '/numbers/%2B493099999990', kind: number },
  { path: '/settings', kind: settings },
];

/** The document with some of its fields replaced by bad values (or, rarely, an unknown field added). */
function mutated(kind: DocumentKind): Record<string, unknown> {
  const document: Record<string, unknown> = { ...kind.valid };
  const fields = Object.keys(kind.bad);
  for (let count = 1 + int(3); count > 0; count -= 1) {
    const field = pick(fields);
    document[field] = pick(kind.bad[field] ?? []);
  }
  if (random() < 0.2) document[`x-${randomText(8)}`] = randomJson(2);
  return document;
}

const badPercent = ['%', 'anna%', '%4', '%zz', '%G0', '%E0%A4%A', '%E0%A4', '%80', '%FF', '%C0%80', '%ED%A0%80', '%F4%90%80%80', '%%41'];
const badIds = [
  'Anna',
  'ANNA',
  '-anna',
  'anna_b',
  'a'.repeat(64),
  'a'.repeat(5000),
  'anna%20b',
  '%F0%9F%98%80',
  '..',
  '.',
  'anna%2Fben',
  '%00',
  '%20',
  'é',
  '%C3%A9',
  'anna%0A',
  '日本',
];
const badNumbers = [
  '030123',
  '+0301234567',
  '+1',
  '+1234567890123456',
  '%2B',
  '++493012345678',
  '%2B49%2030%2012345678',
  'abc',
  '%2B49301234567x',
  '+٤٩٣٠١٢٣٤٥٦٧',
  '493012345678',
  `%2B${'1'.repeat(500)}`,
];

// ---------------------------------------------------------------------------------------------
// The requests, by kind

const requests = new Map<string, FuzzRequest[]>();
function add(kind: string, request: FuzzRequest): void {
  requests.set(kind, [...(requests.get(kind) ?? []), request]);
}
const json = (value: unknown): string => JSON.stringify(value);

// Malformed percent-encoding, in each route's id segment and in other segments; PUTs carry valid documents.
const segmentTemplates: { method: string; path: (segment: string) => string; body?: Record<string, unknown> }[] = [
  { method: 'GET', path: (s) => `/users/${s}` },
  { method: 'PUT', path: (s) => `/users/${s}`, body: member.valid },
  { method: 'DELETE', path: (s) => `/users/${s}` },
  { method: 'PUT', path: (s) => `/users/${s}/status`, body: status.valid },
  { method: 'GET', path: (s) => `/groups/${s}` },
  { method: 'PUT', path: (s) => `/groups/${s}`, body: group.valid },
  { method: 'DELETE', path: (s) => `/groups/${s}` },
  { method: 'GET', path: (s) => `/groups/${s}/live` },
  { method: 'GET', path: (s) => `/numbers/${s}` },
  { method: 'PUT', path: (s) => `/numbers/${s}`, body: number.valid },
  { method: 'DELETE', path: (s) => `/numbers/${s}` },
  { method: 'GET', path: (s) => `/${s}` },
  { method: 'PUT', path: (s) => `/settings/${s}`, body: settings.valid },
  { method: 'GET', path: (s) => `/users/anna/${s}` },
  { method: 'POST', path: (s) => `/users/${s}` },
  { method: 'GET', path: (s) => `/calls/${s}?limit=5` },
];
for (const template of segmentTemplates) {
  for (const segment of badPercent)
    add('bad percent-encoding', {
      method: template.method,
      path: template.path(segment),
      ...(template.body === undefined ? {} : { body: json(template.body) }),
    });
}

// Ids that are not slugs and numbers that are not E.164, on every route that takes one.
for (const id of badIds) {
  for (const [method, path, body] of [
    ['GET', `/users/${id}`],
    ['PUT', `/users/${id}`, member.valid],
    ['DELETE', `/users/${id}`],
    ['PUT', `/users/${id}/status`, status.valid],
    ['GET', `/groups/${id}`],
    ['PUT', `/groups/${id}`, group.valid],
    ['DELETE', `/groups/${id}`],
    ['GET', `/groups/${id}/live`],
  ] as const) {
    add('bad ids', { method, path, ...(body === undefined ? {} : { body: json(body) }) });
  }
}
for (const e164 of badNumbers) {
  add('bad ids', { method: 'GET', path: `/numbers/${e164}` });
  add('bad ids', { method: 'PUT', path: `/numbers/${e164}`, body: json(number.valid) });
  add('bad ids', { method: 'DELETE', path: `/numbers/${e164}` });
}

// Bodies that are not JSON, or empty, on every PUT route.
for (const route of putRoutes) {
  for (const body of [...notJson, '', '   \n\t']) add('malformed JSON', { method: 'PUT', path: route.path, body });
}

// JSON that is not the document: other top-level values, each bad value of each field, and random mixes.
for (const route of putRoutes) {
  for (const top of [null, true, 0, 'a document', [], [route.kind.valid], huge(50_000)])
    add('wrong types and values', { method: 'PUT', path: route.path, body: json(top) });
  for (const [field, values] of Object.entries(route.kind.bad)) {
    for (const value of values)
      add('wrong types and values', { method: 'PUT', path: route.path, body: json({ ...route.kind.valid, [field]: value }) });
  }
  for (let count = 0; count < 25; count += 1)
    add('wrong types and values', { method: 'PUT', path: route.path, body: json(mutated(route.kind)) });
  add('wrong types and values', { method: 'PUT', path: route.path, body: json({ ...route.kind.valid, colour: 'blue' }) });
  add('wrong types and values', {
    method: 'PUT',
    path: route.path,
    body: `{"__proto__": {"polluted": true}, ${json(route.kind.valid).slice(1)}`,
  });
  // Random JSON objects with at least one unknown field, so none can be a valid document.
  for (let count = 0; count < 6; count += 1)
    add('wrong types and values', {
      method: 'PUT',
      path: route.path,
      body: json({ ...(randomJson(3) as object), [`x-${randomText(5)}`]: randomJson(2) }),
    });
}

// Bodies in other formats and encodings, with the content type they claim.
const utf16 = (text: string): Buffer => Buffer.from(text, 'utf16le');
for (const route of putRoutes) {
  const valid = json(route.kind.valid);
  const bytes = Buffer.from(Array.from({ length: 64 }, () => int(256)));
  for (const [contentType, body] of [
    ['text/plain', 'name=Anna'],
    ['application/x-www-form-urlencoded', 'name=Anna+Schmidt&devices='],
    ['application/xml', '<user><name>Anna</name></user>'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nAnna\r\n--x--'],
    ['text/csv', 'name,extension\nAnna,101'],
    ['application/octet-stream', bytes],
    ['application/octet-stream', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0xfd, 0x22, 0x7d])],
    ['application/json; charset=utf-16', utf16(valid)],
    ['image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...bytes])],
    ['application/gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, ...bytes])],
  ] as const) {
    add('wrong content', { method: 'PUT', path: route.path, body, contentType });
  }
}

// Query parameters GET /calls and GET /voicemails refuse, each beside valid ones of other names.
const badQuery: Record<string, readonly string[]> = {
  limit: ['-1', '0', '1001', '1.5', 'abc', '', '1e2', '0x10', '0b11', '%2010', '+5', '00000', 'Infinity', 'NaN', '%zz', '-0', '10%', '١٠'],
  since: [
    'garbage',
    '',
    '2026-13-45',
    'yesterday',
    '%',
    '2026-11-26T25:00:00Z',
    '0000-00-00',
    '%2B275760-09-13T00:00:00Z',
    '2999-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
  ],
  until: ['garbage', '', '2026-02-30T00:00:00Zx', 'tomorrow', '%E0%A4%A', '-000001-01-01T00:00:00Z'],
  group: ['Support', '%zz', '', '-x', 'a'.repeat(64), 'a%20b', 'é', '%', 'support%00'],
};
const goodQuery: Record<string, string> = { limit: '10', since: '2026-11-01T00:00:00Z', until: '2026-11-20T00:00:00Z', group: 'support' };
for (const [route, names] of [
  ['/calls', ['limit', 'since', 'until', 'group']],
  ['/voicemails', ['limit', 'group']],
] as const) {
  for (const name of names) {
    for (const value of badQuery[name] ?? []) {
      const others = names.filter((other) => other !== name && random() < 0.5);
      const query = [`${name}=${value}`, ...others.map((other) => `${other}=${goodQuery[other] ?? ''}`)]
        .sort(() => random() - 0.5)
        .join('&');
      add('bad query parameters', { method: 'GET', path: `${route}?${query}` });
    }
  }
  for (let count = 0; count < 15; count += 1) {
    const name = pick(names);
    // "~" keeps the random value from being a slug, a number or a time by chance; the first value counts.
    add('bad query parameters', { method: 'GET', path: `${route}?${name}=${encodeURIComponent(randomText(10))}~&${name}=10` });
  }
}

// Methods no route has, and paths no route has.
const knownPaths = [
  '/users',
  '/users/anna',
  '/users/anna/status',
  '/groups',
  '/groups/support',
  '/groups/support/live',
  '/numbers',
  '/numbers/+493012345678',
  '/settings',
  '/voicemails',
  '/calls',
];
const allowed: Record<string, readonly string[]> = {
  '/users': ['GET'],
  '/users/anna': ['GET', 'PUT', 'DELETE'],
  '/users/anna/status': ['PUT'],
  '/groups': ['GET'],
  '/groups/support': ['GET', 'PUT', 'DELETE'],
  '/groups/support/live': ['GET'],
  '/numbers': ['GET'],
  '/numbers/+493012345678': ['GET', 'PUT', 'DELETE'],
  '/settings': ['GET', 'PUT'],
  '/voicemails': ['GET'],
  '/calls': ['GET'],
};
for (const path of knownPaths) {
  for (const method of ['GET', 'PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'BREW', '']) {
    if (!(allowed[path] ?? []).includes(method)) add('unknown routes and methods', { method, path, body: json({ status: 'away' }) });
  }
}
for (const path of [
  '/',
  '/admin/users',
  '/USERS',
  '/Users/anna',
  '/users/anna/devices',
  '/groups/support/live/now',
  '/numbers/+493012345678/calls',
  '/user',
  '/settings/prompts',
  '//users',
  '/users/../settings',
  '/users/anna//status',
  '/groups//live',
  '/calls/today',
  `/${'x'.repeat(10_000)}`,
]) {
  for (const method of ['GET', 'PUT', 'DELETE']) add('unknown routes and methods', { method, path, body: json(member.valid) });
}

// Valid documents the store refuses: missing references, taken extensions, deleting what is named.
for (const [method, path, body] of [
  ['PUT', '/groups/new-group', { name: 'New', members: ['anna', 'ghost'] }],
  ['PUT', '/groups/new-group', { name: 'New', members: ['anna'], whenNobodyAnswers: { action: 'forward-to-mobile', member: 'ghost' } }],
  ['PUT', '/groups/new-group', { name: 'New', members: ['anna'], whenNobodyAnswers: { action: 'forward-to-group', group: 'ghost' } }],
  ['PUT', '/groups/new-group', { name: 'New', members: [], extension: '101' }],
  ['PUT', '/groups/support', { ...group.valid, members: ['anna', 'ben', 'ghost'] }],
  ['PUT', '/numbers/+493055555555', { group: 'ghost' }],
  ['PUT', '/numbers/+493012345678', { ...number.valid, group: 'ghost' }],
  ['PUT', '/users/new-member', { name: 'Zoe', extension: '101', devices: [] }],
  ['PUT', '/users/ben', { name: 'Ben', extension: '200', devices: [] }],
  ['PUT', '/users/nobody/status', { status: 'away' }],
  ['DELETE', '/users/anna', undefined],
  ['DELETE', '/users/nobody', undefined],
  ['DELETE', '/groups/support', undefined],
  ['DELETE', '/groups/sales', undefined],
  ['DELETE', '/groups/nobody', undefined],
  ['DELETE', '/numbers/+491111111111', undefined],
] as const) {
  add('documents the store refuses', { method, path, ...(body === undefined ? {} : { body: json(body) }) });
}

const total = [...requests.values()].reduce((sum, list) => sum + list.length, 0);

describe(`admin API fuzz (seed ${SEED}, ${total} malformed requests)`, () => {
  let before: Record<string, unknown>[] = [];

  beforeAll(async () => {
    await createTestTable();
    // A small configuration, so a request that wrote anything would have something to damage.
    await put('/users/anna', {
      name: 'Anna Schmidt',
      extension: '101',
      mobile: '+491701234567',
      devices: [
        { type: 'client', identity: 'anna' },
        { type: 'sip', uri: 'sip:anna@acme.sip.twilio.com' },
      ],
    });
    await put('/users/ben', { name: 'Ben Braun', extension: '102', devices: [{ type: 'phone', number: '+491709999999' }] });
    await put('/users/clara', { name: 'Clara Klein', devices: [] });
    await put('/users/clara/status', { status: 'away' });
    await put('/groups/support', {
      name: 'Support',
      members: ['anna', 'ben'],
      extension: '200',
      distribution: 'evenly',
      pickup: true,
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 300 },
    });
    await put('/groups/sales', {
      name: 'Sales',
      members: ['ben', 'clara'],
      whenNobodyAnswers: { action: 'forward-to-group', group: 'support' },
    });
    await put('/numbers/+493012345678', {
      group: 'support',
      extensions: true,
      greeting: { say: 'Willkommen bei Acme', language: 'de-DE' },
    });
    await put('/numbers/+493012345679', { group: 'sales' });
    await put('/settings', { pickupCode: '*8', prompts: { voicemail: 'Bitte sprechen Sie nach dem Ton.' } });
    before = await tableSnapshot();
  });

  it('sends at least 1000 requests, over every kind', () => {
    expect(total).toBeGreaterThanOrEqual(1000);
    expect([...requests.keys()].sort()).toEqual([
      'bad ids',
      'bad percent-encoding',
      'bad query parameters',
      'documents the store refuses',
      'malformed JSON',
      'unknown routes and methods',
      'wrong content',
      'wrong types and values',
    ]);
  });

  it.each([...requests.entries()].map(([kind, list]) => ({ kind, list })))(
    '$kind: 4xx with a JSON error for each, and nothing written',
    async ({ list }) => {
      const faults: string[] = [];
      for (const request of list) {
        const problem = fault(await send(request));
        if (problem !== undefined)
          faults.push(
            `${request.method} ${request.path.slice(0, 120)} ${typeof request.body === 'string' ? request.body.slice(0, 120) : request.body === undefined ? '' : '<bytes>'}: ${problem}`,
          );
      }

      expect(faults).toEqual([]);
      expect(await tableSnapshot()).toEqual(before);
    },
  );
});
