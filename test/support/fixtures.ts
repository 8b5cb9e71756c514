import { put } from './invoke.js';

/** A small company, loaded through the admin API as an administrator would. */
export const NUMBER_PLAIN = '+493000000001';
export const NUMBER_GREETING = '+493000000002';
export const NUMBER_EXTENSIONS = '+493000000003';
export const NUMBER_NO_GROUP = '+493000000004';

export async function loadMembers(): Promise<void> {
  await put('/users/anna', {
    name: 'Anna Schmidt',
    extension: '101',
    mobile: '+491701234567',
    devices: [{ type: 'client', identity: 'anna' }],
  });
  await put('/users/ben', {
    name: 'Ben Braun',
    extension: '102',
    devices: [
      { type: 'client', identity: 'ben' },
      { type: 'phone', number: '+491709999999' },
    ],
  });
  await put('/users/clara', { name: 'Clara Klein', extension: '103', devices: [{ type: 'sip', uri: 'sip:clara@acme.sip.twilio.com' }] });
  await put('/users/dora', { name: 'Dora Dahl', devices: [{ type: 'client', identity: 'dora' }] });
  await put('/users/eve', { name: 'Eve Ernst', devices: [] });
}

export async function loadGroup(id: string, document: Record<string, unknown>): Promise<void> {
  await put(`/groups/${id}`, { name: id, ...document });
}

export async function loadNumber(number: string, document: Record<string, unknown>): Promise<void> {
  await put(`/numbers/${encodeURIComponent(number)}`, document);
}
