import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localContext } from '../../bin/local/lambda-event.js';

type Received = { target: string | undefined; contentType: string | undefined; body: Record<string, unknown> };

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The wake-up's way to SQS, with the real SQS client: a small HTTP server answers SendMessage as SQS
 * does (AWS JSON 1.0, with the body's MD5, which the client checks). AWS itself cannot be reached
 * from here; what is checked is the request the client makes.
 */
describe('wake-ups through SQS', () => {
  let server: Server;
  const received: Received[] = [];
  let failNext = false;

  beforeAll(async () => {
    server = createServer((request, response) => {
      void bodyOf(request).then((text) => {
        const body = JSON.parse(text) as Record<string, unknown>;
        received.push({
          target: request.headers['x-amz-target'] as string | undefined,
          contentType: request.headers['content-type'],
          body,
        });
        if (failNext) {
          failNext = false;
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' }));
          return;
        }
        const md5 = createHash('md5').update(String(body.MessageBody)).digest('hex');
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ MessageId: 'b5d4a1f0-0000-4000-8000-000000000001', MD5OfMessageBody: md5 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    vi.stubEnv('WAKE_UP_QUEUE_URL', `http://127.0.0.1:${port}/123456789012/wake-ups`);
    vi.resetModules();
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends one message per wrap-up, delayed to its end (rounded up to the second), and nothing to this process', async () => {
    const queue = await import('../../functions/wake-ups/queue.js');
    const deliver = vi.fn(async () => undefined);
    const nowMs = 1_800_000_000_400;

    await queue.sendWakeUp({ members: ['anna', 'ben'], at: 1_800_000_030 }, deliver, nowMs);

    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ target: 'AmazonSQS.SendMessage', contentType: 'application/x-amz-json-1.0' });
    expect(received[0]?.body).toMatchObject({ QueueUrl: expect.stringMatching(/\/wake-ups$/), DelaySeconds: 30 });
    expect(JSON.parse(String(received[0]?.body.MessageBody))).toEqual({ members: ['anna', 'ben'], at: 1_800_000_030 });
    expect(queue.pendingWakeUps()).toEqual([]);
    expect(deliver).not.toHaveBeenCalled();
  });

  it('caps the delay at SQS’s 900 seconds and sends an end already past with no delay', async () => {
    const queue = await import('../../functions/wake-ups/queue.js');
    received.length = 0;

    await queue.sendWakeUp({ members: ['anna'], at: 1_800_002_000 }, async () => undefined, 1_800_000_000_000);
    await queue.sendWakeUp({ members: ['anna'], at: 1_799_999_990 }, async () => undefined, 1_800_000_000_000);

    expect(received.map((request) => request.body.DelaySeconds)).toEqual([queue.SQS_MAX_DELAY_SECONDS, 0]);
  });

  it('logs a queue that refuses and goes on: the waiting line polls instead', async () => {
    const queue = await import('../../functions/wake-ups/queue.js');
    received.length = 0;
    failNext = true;

    await expect(
      queue.sendWakeUp({ members: ['anna'], at: 1_800_000_010 }, async () => undefined, 1_800_000_000_000),
    ).resolves.toBeUndefined();
    expect(received).toHaveLength(1);
  });

  it('the wake-up function drops a message that is no wake-up and reports none as failed', async () => {
    const { handler } = await import('../../functions/handlers/wakeups.js');
    const record = (body: string) => ({
      messageId: `m-${body.length}`,
      receiptHandle: 'h',
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:wake-ups',
      awsRegion: 'eu-central-1',
    });

    const result = await handler(
      { Records: [record('not json'), record(JSON.stringify({ members: [], at: 5 })), record(JSON.stringify({ member: 'anna' }))] },
      localContext('wakeups'),
    );

    expect(result).toEqual({ batchItemFailures: [] });
  });
});
