import type { SimCall } from '../call.js';
import type { TwimlElement } from '../twiml.js';

/**
 * The caller ID a <Dial> shows a phone it rings, checked as Twilio checks it
 * (https://www.twilio.com/docs/voice/twiml/dial#callerid, warning 13214
 * https://www.twilio.com/docs/api/errors/13214): "callerId must be the calling number, called number,
 * or a validated outgoing number. Additionally, if the calling leg is a client leg, the caller ID is
 * required and must be a validated outgoing number." Only a <Dial> that rings a phone number is
 * checked: a <Client> may be shown any identifier, and a SIP endpoint is the account's own.
 *
 * Read here: the "calling leg" is a client leg when the call was placed by a softphone (`From` is
 * `client:…`); a call the project created through the REST API calls from its `From`, which Twilio
 * checked when the call was created, so without `callerId` its <Dial> shows that number.
 */
export function callerIdProblem(
  call: SimCall,
  verb: TwimlElement,
  nouns: readonly TwimlElement[],
  isAccountNumber: (number: string) => boolean,
): string | undefined {
  if (!nouns.some((noun) => noun.name === 'Number')) return undefined;
  const callerId = verb.attrs.callerId;
  const clientLeg = call.script.from.startsWith('client:');
  if (callerId === undefined)
    return clientLeg
      ? `a <Dial> from a client leg (${call.script.from}) to a phone number needs a callerId, one of the account's numbers`
      : undefined;
  if (isAccountNumber(callerId)) return undefined;
  if (!clientLeg && (callerId === call.script.from || callerId === call.script.to)) return undefined;
  return clientLeg
    ? `callerId ${callerId} is not one of the account's numbers or verified caller IDs (required from a client leg)`
    : `callerId ${callerId} is neither the calling number ${call.script.from}, the called number ${call.script.to}, nor one of the account's numbers or verified caller IDs`;
}
