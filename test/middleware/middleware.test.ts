import middy from '@middy/core';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { localContext, toLambdaEvent } from '../../bin/local/lambda-event.js';
import { twilioFormBody } from '../../functions/middleware/twilio-form-body.js';
import { publicUrl, twilioSignature } from '../../functions/middleware/twilio-signature.js';
import { twimlErrorHandler } from '../../functions/middleware/twiml-error-handler.js';
import { twimlResult, type HttpResult, type VoiceEvent } from '../../functions/middleware/voice-event.js';

const TOKEN = 'middleware-test-token';

function event(options: { path: string; query?: string; params: Record<string, string>; signature?: string; host?: string }): VoiceEvent {
  return toLambdaEvent({
    method: 'POST',
    rawPath: options.path,
    rawQueryString: options.query ?? '',
    headers: {
      host: options.host ?? 'hooks.example.test',
      'content-type': 'application/x-www-form-urlencoded',
      ...(options.signature === undefined ? {} : { 'x-twilio-signature': options.signature }),
    },
    body: new URLSearchParams(options.params).toString(),
  });
}

/** A small real chain: body parser, signature check, and a handler that records what it saw. */
function chain(seen: VoiceEvent[], publicBaseUrl?: string) {
  return middy<VoiceEvent, HttpResult>(async (request: VoiceEvent) => {
    seen.push(request);
    return twimlResult('<Response/>');
  })
    .use(twilioFormBody())
    .use(twilioSignature({ authToken: async () => TOKEN, ...(publicBaseUrl === undefined ? {} : { publicBaseUrl }) }));
}

describe('twilioSignature', () => {
  it('passes a signed request on with its parameters and public URL', async () => {
    const seen: VoiceEvent[] = [];
    const params = { CallSid: 'CA1', Digits: '12', To: '+4930' };
    const url = 'https://hooks.example.test/voice/extension?g=support';

    const result = await chain(seen)(
      event({ path: '/voice/extension', query: 'g=support', params, signature: getExpectedTwilioSignature(TOKEN, url, params) }),
      localContext('t'),
    );

    expect(result.statusCode).toBe(200);
    expect(seen[0]?.twilioParams).toEqual(params);
    expect(seen[0]?.twilioUrl).toBe(url);
  });

  it('stops a request with a wrong signature before the handler runs', async () => {
    const seen: VoiceEvent[] = [];

    const result = await chain(seen)(
      event({ path: '/voice/incoming', params: { CallSid: 'CA1' }, signature: 'bm90IGEgc2lnbmF0dXJl' }),
      localContext('t'),
    );

    expect(result.statusCode).toBe(403);
    expect(seen).toEqual([]);
  });

  it('rebuilds the URL from the public base URL, the raw path and the raw query string', () => {
    const request = event({ path: '/voice/dial-result', query: 'g=a%2Db&o=x', params: {} });

    expect(publicUrl(request, 'https://voice.acme.example')).toBe('https://voice.acme.example/voice/dial-result?g=a%2Db&o=x');
    expect(publicUrl(request, undefined)).toBe('https://hooks.example.test/voice/dial-result?g=a%2Db&o=x');
  });
});

describe('twimlErrorHandler', () => {
  it('answers TwiML with status 200 when the handler throws', async () => {
    const handler = middy<VoiceEvent, HttpResult>(async () => {
      throw new Error('database on fire');
    }).use(twimlErrorHandler({ fallbackTwiml: () => '<Response><Hangup/></Response>' }));

    const result = await handler(event({ path: '/voice/incoming', params: { CallSid: 'CA1' } }), localContext('t'));

    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: '<Response><Hangup/></Response>',
    });
  });

  it('leaves a response that an earlier error handler already set', async () => {
    const handler = middy<VoiceEvent, HttpResult>(async () => {
      throw new Error('boom');
    })
      .use(twimlErrorHandler({ fallbackTwiml: () => 'fallback' }))
      .use({
        onError: (request) => {
          request.response = { statusCode: 418, body: 'set by another handler' };
        },
      });

    const result = await handler(event({ path: '/voice/incoming', params: {} }), localContext('t'));

    expect(result).toEqual({ statusCode: 418, body: 'set by another handler' });
  });

  it('falls back to a plain hang-up when building the fallback TwiML fails too', async () => {
    const handler = middy<VoiceEvent, HttpResult>(async () => {
      throw new Error('first');
    }).use(
      twimlErrorHandler({
        fallbackTwiml: () => {
          throw new Error('second');
        },
      }),
    );

    const result = await handler(event({ path: '/voice/incoming', params: {} }), localContext('t'));

    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });
});
