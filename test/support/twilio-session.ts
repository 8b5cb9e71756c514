import { Simulation, type Behaviours, type CallerScript, type CallResult, type Transport } from '../../bin/simulator/engine.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { testApiPort } from './api-port.js';
import { inProcessTransport } from './call-player.js';
import type { DynamoDbOutage } from './dynamodb-outage.js';
import { authToken, TEST_HOST } from './invoke.js';

/**
 * Twilio played by the call simulator against the voice handler in this process, with its fake REST
 * API listening (where TWILIO_API_BASE_URL points) until `close`: after the calls, the voicemail
 * reconciliation lists their recordings as it would list Twilio's.
 */
export type TwilioSession = {
  simulation: Simulation;
  api: FakeTwilioApi;
  play(callers: CallerScript[]): Promise<CallResult[]>;
  close(): Promise<void>;
};

export async function startTwilioSession(options: { devices?: Behaviours; transport?: Transport } = {}): Promise<TwilioSession> {
  const simulation = new Simulation({
    baseUrl: `https://${TEST_HOST}`,
    authToken: authToken(),
    transport: options.transport ?? inProcessTransport,
    devices: options.devices ?? {},
  });
  const api = new FakeTwilioApi(simulation, { accountSid: simulation.accountSid, authToken: authToken() });
  await api.listen(testApiPort());
  return {
    simulation,
    api,
    play: (callers) => simulation.run(callers),
    close: () => api.close(),
  };
}

/**
 * The in-process transport with the database cut off while the project handles requests to these
 * paths (e.g. `/voice/recording`): Twilio's request arrives, the table does not answer.
 */
export function databaseDownFor(paths: readonly string[], outage: DynamoDbOutage): Transport {
  return async (request) =>
    paths.includes(new URL(request.url).pathname) ? outage.during(() => inProcessTransport(request)) : inProcessTransport(request);
}
