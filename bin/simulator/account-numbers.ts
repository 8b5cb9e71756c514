/**
 * The account's own numbers and verified caller IDs, for the checks Twilio makes of a created call's
 * `From` (https://www.twilio.com/docs/api/errors/21210) and of a <Dial callerId>
 * (https://www.twilio.com/docs/api/errors/13214). Declared ones (SimulationOptions.accountNumbers,
 * the fake REST API's seeded numbers) make the checks strict, and the numbers the simulated callers
 * dial count too (Twilio sent those calls to the project, so they are the account's). With none
 * declared the simulation cannot tell the account's numbers: any E.164 number passes.
 */
export const E164 = /^\+[1-9][0-9]{1,14}$/;

export class AccountNumbers {
  private readonly numbers: Set<string>;
  private declared: boolean;

  constructor(declared: readonly string[] | undefined) {
    this.numbers = new Set(declared ?? []);
    this.declared = declared !== undefined;
  }

  /** Numbers the account owns or has verified (e.g. the fake REST API's seed). */
  declare(numbers: readonly string[]): void {
    if (numbers.length > 0) this.declared = true;
    for (const number of numbers) this.numbers.add(number);
  }

  /** A number a caller dialled: one of the account's. */
  dialled(number: string): void {
    if (E164.test(number)) this.numbers.add(number);
  }

  has(number: string): boolean {
    return this.declared ? this.numbers.has(number) : E164.test(number);
  }
}
