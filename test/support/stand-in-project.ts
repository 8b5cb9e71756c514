import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { Simulation, type SimulationOptions, type Transport } from '../../bin/simulator/engine.js';

/**
 * A stand-in project for the call simulator's own tests: TwiML per path, every request recorded with
 * the simulated second it came and whether its signature is valid under STAND_IN_TOKEN.
 */
export const STAND_IN_TOKEN = 'simulator-test-token';
export const STAND_IN_BASE = 'https://project.example';
const XML = '<?xml version="1.0" encoding="UTF-8"?>';

export type Seen = { path: string; query: string; params: Record<string, string>; at: number; signatureValid: boolean };
/** The verbs (inside <Response>) a path answers with. */
export type Route = (params: Record<string, string>, url: URL) => string | Promise<string>;

export function standInProject(
  routes: Record<string, Route>,
  options: Partial<SimulationOptions> = {},
): { simulation: Simulation; seen: Seen[] } {
  const seen: Seen[] = [];
  let simulation: Simulation | undefined;
  const transport: Transport = async ({ url, params, signature }) => {
    const target = new URL(url);
    seen.push({
      path: target.pathname,
      query: target.search,
      params,
      at: simulation?.clock.now ?? -1,
      signatureValid: validateRequest(STAND_IN_TOKEN, signature, url, params),
    });
    const route = routes[target.pathname];
    return { status: 200, body: `${XML}<Response>${route === undefined ? '' : await route(params, target)}</Response>` };
  };
  simulation = new Simulation({ baseUrl: STAND_IN_BASE, authToken: STAND_IN_TOKEN, transport, ...options });
  return { simulation, seen };
}
