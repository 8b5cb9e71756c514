import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

/**
 * The console in a real Chromium against the local stack: each test is a flow an administrator
 * follows, and checks what reached the admin API (or what the simulator's calls show) rather than
 * only what the page says. The tests share one stack, one browser and the configuration they build,
 * in order.
 */
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const NUMBER = '+493012345678';
const CALLER = '+15550002222';

let harness: ConsoleHarness;
let context: BrowserContext;
let page: Page;

/** The text of every element `aria-describedby` names: how a screen reader hears a field's messages. */
async function description(field: Locator): Promise<string> {
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id !== '');
  return (await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()))).join(' ');
}

/** Waits for a held webhook, or fails in time when the call never gets there. */
async function reached(held: Promise<void>, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    held,
    new Promise((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`the call never reached ${what}`)), 15_000))),
  ]);
  clearTimeout(timer);
}

/** A fresh load of the console at `route` (a new hash alone would keep the page as it is). */
async function open(route: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${harness.consoleUrl}#/${route}`);
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  harness = await startConsoleHarness();
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  // Deleting asks first; these tests always mean it.
  page.on('dialog', (dialog) => void dialog.accept());
}, 180_000);

afterAll(async () => {
  await harness?.stop();
}, 60_000);

describe('the console', () => {
  it('creates a member, a group with that member and a number through the forms', async () => {
    // Prepare: two members, the second with a phone number and a mobile.
    await open('members');
    await page.getByRole('link', { name: 'New member' }).click();
    await page.getByLabel('Id', { exact: true }).fill('anna');
    await page.getByLabel('Name', { exact: true }).fill('Anna Schmidt');
    await page.getByLabel('Extension').fill('101');
    await page.getByRole('button', { name: 'Add softphone identity' }).click();
    await page.getByLabel('Softphone identity (device 1)').fill('anna');
    await page.getByRole('button', { name: 'Save member' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved member anna');

    await page.getByRole('link', { name: 'New member' }).click();
    await page.getByLabel('Id', { exact: true }).fill('ben');
    await page.getByLabel('Name', { exact: true }).fill('Ben Braun');
    await page.getByLabel('Mobile').fill('+491709999999');
    await page.getByRole('button', { name: 'Add phone number' }).click();
    await page.getByLabel('Phone number (device 1)').fill('+491708888888');
    await page.getByRole('button', { name: 'Save member' }).click();
    await expect.poll(() => page.getByRole('row', { name: /ben/ }).count()).toBe(1);

    // Act: the group, its members in order, and a missed-call action with its own fields.
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByRole('link', { name: 'New group' }).click();
    await page.getByLabel('Id', { exact: true }).fill('support');
    await page.getByLabel('Name', { exact: true }).fill('Support');
    for (const member of ['anna', 'ben']) {
      await page.getByLabel('Member to add').selectOption(member);
      await page.getByRole('button', { name: 'Add member' }).click();
    }
    await page.getByLabel('Extension').fill('200');
    await page.getByLabel('Distribution').selectOption('in-order');
    await page.getByLabel('Rings').fill('2');
    await page.getByLabel('Pickup').check();
    const action = page.getByLabel('When nobody answers', { exact: true });
    await action.selectOption('forward-to-number');
    await expect.poll(() => page.getByLabel('Number', { exact: true }).count()).toBe(1);
    await action.selectOption('wait-for-agent');
    // Only the fields the action uses are shown.
    expect(await page.getByLabel('Number', { exact: true }).count()).toBe(0);
    expect(await page.getByLabel('Max wait (seconds)').count()).toBe(1);
    await action.selectOption('voicemail');
    expect(await page.getByLabel('Max wait (seconds)').count()).toBe(0);
    await page.getByRole('button', { name: 'Save group' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved group support');

    await page.getByRole('link', { name: 'Numbers' }).click();
    await page.getByRole('link', { name: 'New number' }).click();
    await page.getByLabel('Phone number').fill(NUMBER);
    await page.getByLabel('Group').selectOption('support');
    await page.getByLabel('Say a text').check();
    await page.getByLabel('Greeting text').fill('Welcome to Acme.');
    await page.getByLabel('Language').fill('en-GB');
    await page.getByRole('button', { name: 'Save number' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`Saved number ${NUMBER}`);

    // Assess: what the admin API holds.
    expect((await harness.admin('GET', '/users/anna')).body).toEqual({
      id: 'anna',
      name: 'Anna Schmidt',
      extension: '101',
      status: 'available',
      devices: [{ type: 'client', identity: 'anna' }],
    });
    expect((await harness.admin('GET', '/users/ben')).body).toMatchObject({
      mobile: '+491709999999',
      devices: [{ type: 'phone', number: '+491708888888' }],
    });
    expect((await harness.admin('GET', '/groups/support')).body).toMatchObject({
      name: 'Support',
      members: ['anna', 'ben'],
      extension: '200',
      distribution: 'in-order',
      rings: 2,
      pickup: true,
      whenNobodyAnswers: { action: 'voicemail' },
    });
    expect((await harness.admin('GET', `/numbers/${encodeURIComponent(NUMBER)}`)).body).toMatchObject({
      group: 'support',
      extensions: false,
      greeting: { say: 'Welcome to Acme.', language: 'en-GB' },
    });
  });

  it('shows a bad value at its field, a conflict at the top of the form, and writes nothing', async () => {
    // Prepare
    await open('members/~new');
    await page.getByLabel('Id', { exact: true }).fill('clara');
    await page.getByLabel('Name', { exact: true }).fill('Clara Klein');
    await page.getByLabel('Extension').fill('12345');
    await page.getByRole('button', { name: 'Add SIP URI' }).click();
    await page.getByLabel('SIP URI (device 1)').fill('clara-desk');

    // Act
    await page.getByRole('button', { name: 'Save member' }).click();

    // Assess: each problem at its field, tied to it; the form keeps what was typed; nothing written.
    const extension = page.getByLabel('Extension');
    await expect.poll(() => extension.getAttribute('aria-invalid')).toBe('true');
    expect(await description(extension)).toContain('must be 1 to 4 digits');
    const sip = page.getByLabel('SIP URI (device 1)');
    expect(await sip.getAttribute('aria-invalid')).toBe('true');
    expect(await description(sip)).toContain('must be a SIP URI');
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Clara Klein');
    expect(await sip.inputValue()).toBe('clara-desk');
    expect((await harness.admin('GET', '/users/clara')).status).toBe(404);

    // A 409: an extension another member has. The reason is at the top; the fields stay as typed.
    await extension.fill('101');
    await sip.fill('sip:clara@acme.sip.twilio.com');
    await page.getByRole('button', { name: 'Save member' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/101/);
    expect(await extension.getAttribute('aria-invalid')).toBeNull();
    expect(await extension.inputValue()).toBe('101');
    expect((await harness.admin('GET', '/users/clara')).status).toBe(404);

    // A bad number in the group form's action field.
    await open('groups/support');
    await page.getByLabel('When nobody answers', { exact: true }).selectOption('forward-to-number');
    await page.getByLabel('Number', { exact: true }).fill('0171 12345');
    await page.getByRole('button', { name: 'Save group' }).click();
    const forward = page.getByLabel('Number', { exact: true });
    await expect.poll(() => forward.getAttribute('aria-invalid')).toBe('true');
    expect(await description(forward)).toContain('E.164');
    expect((await harness.admin('GET', '/groups/support')).body).toMatchObject({ whenNobodyAnswers: { action: 'voicemail' } });

    // A wrap-up too long, at its field.
    await page.getByLabel('When nobody answers', { exact: true }).selectOption('voicemail');
    await page.getByLabel('Wrap-up seconds').fill('601');
    await page.getByRole('button', { name: 'Save group' }).click();
    const wrapUp = page.getByLabel('Wrap-up seconds');
    await expect.poll(() => wrapUp.getAttribute('aria-invalid')).toBe('true');
    expect(await description(wrapUp)).toContain('from 0 to 600');
    expect((await harness.admin('GET', '/groups/support')).body).toMatchObject({ wrapUpSeconds: 0 });
  });

  it("reorders a group's members by keyboard and by drag, and saves the order", async () => {
    // Prepare
    await open('groups/support');
    await page.getByRole('button', { name: 'Move ben up' }).waitFor();

    // Act: by keyboard alone.
    await page.getByRole('button', { name: 'Move ben up' }).focus();
    await page.keyboard.press('Enter');
    // The focus stays with ben (the up button is disabled at the top: its twin has it).
    await expect.poll(() => page.locator(':focus').getAttribute('aria-label')).toBe('Move ben down');
    await page.getByRole('button', { name: 'Save group' }).click();

    // Assess
    await expect
      .poll(async () => (await harness.admin<{ members: string[] }>('GET', '/groups/support')).body.members)
      .toEqual(['ben', 'anna']);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved group support');
    await page.screenshot({ path: join(SCREENSHOTS, 'group-form.png'), fullPage: true });

    // Act: by drag, anna back onto the first place.
    await page.locator('li[data-member="anna"]').dragTo(page.locator('li[data-member="ben"]'));
    await expect.poll(() => page.locator('ol.ordered li').first().getAttribute('data-member')).toBe('anna');
    await page.getByRole('button', { name: 'Save group' }).click();
    await expect
      .poll(async () => (await harness.admin<{ members: string[] }>('GET', '/groups/support')).body.members)
      .toEqual(['anna', 'ben']);
  });

  it('sets a member away on the Members page and shows it on the Wallboard', async () => {
    // Act
    await open('members');
    await page.getByRole('switch', { name: 'Set ben away' }).click();
    await expect.poll(async () => (await harness.admin<{ status: string }>('GET', '/users/ben')).body.status).toBe('away');

    // Assess
    await page.getByRole('link', { name: 'Wallboard' }).click();
    const ben = page.locator('section[data-group="support"] tr[data-member="ben"]');
    await expect.poll(() => ben.textContent(), { timeout: 10_000 }).toContain('Away');

    // Back, seen on the wallboard without reloading.
    await harness.admin('PUT', '/users/ben/status', { status: 'available' });
    await expect.poll(() => ben.textContent(), { timeout: 10_000 }).toContain('Available');
  });

  it('shows a simulated call ringing on the Wallboard, then gone', async () => {
    // Prepare: hold the first webhook after the offer rings anna, so the call stands still while the browser looks.
    await open('wallboard');
    const gate = harness.holdNext((request) => 'ParentCallSid' in request.params || 'DialCallStatus' in request.params);
    const call = harness.call([{ id: 'ringing', from: CALLER, to: NUMBER }], { anna: { answerAfter: 4, hangUpAfter: 20 } });

    // Act
    await reached(gate.held, "anna's phone ringing");
    const board = page.locator('section[data-group="support"]');
    await expect.poll(() => board.locator('tr[data-member="anna"]').textContent(), { timeout: 10_000 }).toContain('Ringing');
    expect(await board.locator('table.ringing tbody tr').count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'wallboard.png'), fullPage: true });
    gate.release();
    const [result] = await call;

    // Assess
    expect(result?.answeredBy).toBe('anna');
    await expect.poll(() => board.getByText('No call is ringing.').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => board.locator('tr[data-member="anna"]').textContent(), { timeout: 10_000 }).toContain('Available');
  });

  it('shows a member wrapping up on the Wallboard until when, and ready again once set available', async () => {
    // Prepare: the group gives 10 minutes of wrap-up (real time: the simulated call is over at once).
    const group = (await harness.admin<Record<string, unknown>>('GET', '/groups/support')).body;
    const { id: _id, warnings: _warnings, ...document } = group;
    await harness.admin('PUT', '/groups/support', { ...document, wrapUpSeconds: 600 });
    await open('wallboard');

    // Act
    const [result] = await harness.call([{ id: 'wrapped', from: CALLER, to: NUMBER }], { anna: { answerAfter: 1, hangUpAfter: 5 } });

    // Assess
    expect(result?.answeredBy).toBe('anna');
    const anna = page.locator('section[data-group="support"] tr[data-member="anna"]');
    await expect.poll(() => anna.textContent(), { timeout: 10_000 }).toMatch(/Wrap-up until \d{1,2}:\d{2}:\d{2}/);
    await harness.admin('PUT', '/users/anna/status', { status: 'available' });
    await expect.poll(() => anna.textContent(), { timeout: 10_000 }).toContain('Available');
    await harness.admin('PUT', '/groups/support', { ...document, wrapUpSeconds: 0 });
  });

  it('lists a voicemail with a player that plays it in the page', async () => {
    // Prepare: nobody answers; the caller speaks 6 s.
    const [result] = await harness.call([{ id: 'voicemail', from: CALLER, to: NUMBER, message: 6 }]);
    expect(result?.recordings).toHaveLength(1);
    const recordingSid = result?.recordings[0]?.recordingSid ?? '';

    // Act
    await open('voicemails');
    const row = page.locator(`tr[data-recording="${recordingSid}"]`);
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain(CALLER);
    expect(await row.textContent()).toContain('support');
    await row.getByRole('button', { name: /^Play message from/ }).click();

    // Assess: the audio came through the admin API into an object URL.
    const audio = row.locator('audio');
    await expect.poll(() => audio.getAttribute('src'), { timeout: 10_000 }).toMatch(/^blob:/);
    expect(await audio.getAttribute('controls')).not.toBeNull();
  });

  it('finds the calls in Calls, filtered by group and outcome', async () => {
    // Act
    await open('calls');
    await page.getByLabel('Group').selectOption('support');
    await page.getByLabel('Outcome').selectOption('voicemail');
    await page.getByRole('button', { name: 'Show calls' }).click();

    // Assess
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await rows.first().textContent()).toContain(CALLER);
    expect(await rows.first().textContent()).toContain('Voicemail');
    await page.getByLabel('Outcome').selectOption('answered');
    await page.getByRole('button', { name: 'Show calls' }).click();
    await expect.poll(async () => (await rows.first().textContent()) ?? '').toContain('anna');
    // The call seen ringing on the Wallboard and the one anna wrapped up after.
    expect(await rows.count()).toBe(2);
  });

  it('saves the settings through their form, and shows a bad pickup code at its field', async () => {
    // Act
    await open('settings');
    await page.getByLabel('Pickup code').fill('11');
    await page.getByRole('button', { name: 'Save settings' }).click();

    // Assess: the problem at its field, nothing written
    const pickupCode = page.getByLabel('Pickup code');
    await expect.poll(() => pickupCode.getAttribute('aria-invalid')).toBe('true');
    expect(await description(pickupCode)).toMatch(/start with \* or #/);
    expect((await harness.admin<{ pickupCode: string }>('GET', '/settings')).body.pickupCode).toBe('*11');

    await pickupCode.fill('*12');
    await page.getByLabel('Language').fill('de-DE');
    await page.getByLabel('Voicemail prompt (voicemail)').fill('Bitte sprechen Sie nach dem Ton.');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(async () => (await harness.admin<Record<string, unknown>>('GET', '/settings')).body)
      .toEqual({
        pickupCode: '*12',
        scheduleToggleCode: '*28',
        language: 'de-DE',
        prompts: { voicemail: 'Bitte sprechen Sie nach dem Ton.' },
      });
  });

  it('creates a schedule through its form, shows its state, and lets the number and the group choose it', async () => {
    // Act: a schedule with a weekly range, a holiday and an override that keeps it open (the calls above stay unaffected).
    await open('schedules');
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.getByLabel('Id', { exact: true }).fill('office');
    await page.getByLabel('Name', { exact: true }).fill('Office hours');
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Add weekly range' }).click();
    await page.getByLabel('To (range 1)').fill('18:00');
    await page.getByRole('button', { name: 'Add exception' }).click();
    await page.getByLabel('Date (exception 1)').fill('2026-12-25');
    await page.getByLabel('Name (exception 1)').fill('Christmas Day');
    await page.getByLabel('Override', { exact: true }).selectOption('open');
    await page.getByRole('button', { name: 'Save schedule' }).click();

    // A bad time zone is shown at its field, and nothing is written.
    const timeZone = page.getByLabel('Time zone');
    await expect.poll(() => timeZone.getAttribute('aria-invalid')).toBe('true');
    expect(await description(timeZone)).toMatch(/IANA time zone/);
    expect((await harness.admin('GET', '/schedules/office')).status).toBe(404);
    await timeZone.fill('Europe/Berlin');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved schedule office');

    // Assess: the state now, on the form and in the list, and what the admin API holds.
    await expect.poll(() => page.getByRole('region', { name: 'State now' }).textContent()).toContain('Open: the override says open');
    expect((await harness.admin('GET', '/schedules/office')).body).toMatchObject({
      name: 'Office hours',
      timeZone: 'Europe/Berlin',
      weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }],
      exceptions: [{ date: '2026-12-25', name: 'Christmas Day' }],
      override: { state: 'open' },
    });
    await page.getByRole('link', { name: 'Back to schedules' }).click();
    await expect.poll(() => page.getByRole('row', { name: /office/ }).textContent()).toContain('Open: the override says open');

    // The number and the group choose it, with an action for when it is closed; the group also its confirmation and whisper.
    await open(`numbers/${encodeURIComponent(NUMBER)}`);
    await page.getByLabel('Schedule').selectOption('office');
    await page.getByLabel('Closed greeting').fill('We are closed.');
    await page.getByLabel('When closed', { exact: true }).selectOption('forward-to-number');
    await page.getByLabel('Number (when closed)').fill('+4940123456');
    await page.getByRole('button', { name: 'Save number' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`Saved number ${NUMBER}`);
    expect((await harness.admin('GET', `/numbers/${encodeURIComponent(NUMBER)}`)).body).toMatchObject({
      group: 'support',
      greeting: { say: 'Welcome to Acme.', language: 'en-GB' },
      schedule: 'office',
      closedGreeting: { say: 'We are closed.' },
      whenClosed: { action: 'forward-to-number', number: '+4940123456' },
    });

    await open('groups/support');
    await page.getByLabel('Schedule').selectOption('office');
    await page.getByLabel('When closed', { exact: true }).selectOption('hangup');
    await page.getByLabel('Confirm answers').selectOption('all');
    await page.getByLabel('Whisper').selectOption('group-and-caller');
    await page.getByLabel('Away after misses').fill('3');
    await page.getByLabel('Wrap-up seconds').fill('45');
    await page.getByRole('button', { name: 'Save group' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved group support');
    expect((await harness.admin('GET', '/groups/support')).body).toMatchObject({
      schedule: 'office',
      whenClosed: { action: 'hangup' },
      whenNobodyAnswers: { action: 'voicemail' },
      confirm: 'all',
      whisper: 'group-and-caller',
      awayAfterMisses: 3,
      wrapUpSeconds: 45,
    });
    // Deleting the schedule while they name it is refused with the reason.
    await open('schedules');
    await page.getByRole('button', { name: 'Delete schedule office' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('still referenced by group:support');
  });

  it("sets a group's waiting line through the form, shows it again, and a bad value at its field", async () => {
    // Prepare: a group of its own, so the other tests' group stays as it is.
    expect((await harness.admin('PUT', '/groups/line-desk', { name: 'Line desk', members: [] })).status).toBe(201);
    await open('groups/line-desk');

    // Act: waiting in line, with every setting of the line.
    await page.getByLabel('When nobody answers', { exact: true }).selectOption('wait-for-agent');
    await page.getByLabel('Max callers', { exact: true }).fill('5');
    await page.getByLabel('When the line is full', { exact: true }).selectOption('forward-to-number');
    await page.getByLabel('Number (when the line is full)', { exact: true }).fill('+4940123456');
    await page.getByLabel('When nobody is available', { exact: true }).selectOption('hangup');
    await page.getByLabel('Max wait (seconds)', { exact: true }).fill('300');
    await page.getByLabel('After the longest wait', { exact: true }).selectOption('voicemail');
    await page.getByLabel('Announce estimated wait', { exact: true }).check();
    await page.getByLabel('Key 1: ask for a callback', { exact: true }).check();
    await page.getByLabel('Key 2: leave a voicemail', { exact: true }).check();
    await page.getByLabel('Callback attempts', { exact: true }).fill('2');
    await page.getByLabel('Callback retry delay (seconds)', { exact: true }).fill('60');
    // Every field the line shows has a visible label of its own (run in the page, as a string).
    const unlabelled = await page.evaluate<string[]>(`[...document.querySelectorAll('main form input, main form select')]
      .filter((field) => ![...(field.labels ?? [])].some((label) => label.textContent.trim() !== '' && label.getClientRects().length > 0))
      .map((field) => field.id)`);
    expect(unlabelled).toEqual([]);
    await page.getByRole('button', { name: 'Save group' }).click();

    // Assess: what the admin API holds (voicemail after the longest wait is the default: left out).
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved group line-desk');
    expect((await harness.admin<{ whenNobodyAnswers: unknown }>('GET', '/groups/line-desk')).body.whenNobodyAnswers).toEqual({
      action: 'wait-for-agent',
      maxWaitSeconds: 300,
      maxCallers: 5,
      whenFull: { action: 'forward-to-number', number: '+4940123456' },
      whenNobodyAvailable: { action: 'hangup' },
      announceEstimatedWait: true,
      menu: { callback: true, voicemail: true },
      callback: { attempts: 2, retryDelaySeconds: 60 },
    });

    // The form shows it all again.
    await open('groups/line-desk');
    const maxCallers = page.getByLabel('Max callers', { exact: true });
    await expect.poll(() => maxCallers.inputValue()).toBe('5');
    expect(await page.getByLabel('When nobody answers', { exact: true }).inputValue()).toBe('wait-for-agent');
    expect(await page.getByLabel('When the line is full', { exact: true }).inputValue()).toBe('forward-to-number');
    expect(await page.getByLabel('Number (when the line is full)', { exact: true }).inputValue()).toBe('+4940123456');
    expect(await page.getByLabel('When nobody is available', { exact: true }).inputValue()).toBe('hangup');
    expect(await page.getByLabel('Max wait (seconds)', { exact: true }).inputValue()).toBe('300');
    expect(await page.getByLabel('After the longest wait', { exact: true }).inputValue()).toBe('voicemail');
    expect(await page.getByLabel('Announce position', { exact: true }).isChecked()).toBe(false);
    expect(await page.getByLabel('Announce estimated wait', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Key 1: ask for a callback', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Key 2: leave a voicemail', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Callback attempts', { exact: true }).inputValue()).toBe('2');
    expect(await page.getByLabel('Callback retry delay (seconds)', { exact: true }).inputValue()).toBe('60');

    // A line of no callers is shown at its field, and nothing is written.
    await maxCallers.fill('0');
    await page.getByRole('button', { name: 'Save group' }).click();
    await expect.poll(() => maxCallers.getAttribute('aria-invalid')).toBe('true');
    expect(await description(maxCallers)).toContain('>=1');
    expect(await page.getByLabel('Callback attempts', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await maxCallers.inputValue()).toBe('0');
    expect(
      (await harness.admin<{ whenNobodyAnswers: { maxCallers: number } }>('GET', '/groups/line-desk')).body.whenNobodyAnswers.maxCallers,
    ).toBe(5);
  });

  it.each([
    'members',
    'members/anna',
    'groups/support',
    `numbers/${encodeURIComponent(NUMBER)}`,
    'schedules',
    'schedules/office',
    'settings',
    'wallboard',
    'voicemails',
    'calls',
    'reports',
  ])('page #/%s: every field has a visible label, every button a name, every table header cells', async (route) => {
    // Act
    await open(route);
    await page.locator('main form, main table, main section').first().waitFor({ timeout: 10_000 });

    // Assess
    // Run in the page (a string: this file is type-checked without the DOM's types).
    const problems = await page.evaluate<string[]>(`(() => {
      const found = [];
      for (const field of document.querySelectorAll('input, select, textarea')) {
        if (field.type === 'hidden') continue;
        const visible = [...(field.labels ?? [])].some((label) => label.textContent.trim() !== '' && label.getClientRects().length > 0);
        if (!visible) found.push('field ' + (field.id || field.name || field.outerHTML.slice(0, 60)) + ' has no visible label');
      }
      for (const button of document.querySelectorAll('button')) {
        const name = (button.getAttribute('aria-label') ?? button.textContent ?? '').trim();
        if (name === '') found.push('button ' + button.outerHTML.slice(0, 60) + ' has no name');
      }
      for (const table of document.querySelectorAll('table'))
        if (table.querySelector('th') === null) found.push('table ' + table.outerHTML.slice(0, 60) + ' has no header cells');
      return found;
    })()`);
    expect(problems).toEqual([]);
  });

  it('shows a report of the group with a chart, a total that matches the API, a CSV, and a bad range at its field', async () => {
    // Prepare: one more answered call into support, so today's report has at least one.
    const [result] = await harness.call([{ id: 'reported', from: CALLER, to: NUMBER }], { anna: { answerAfter: 1, hangUpAfter: 5 } });
    expect(result?.answeredBy).toBeDefined();
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 24 * 3600 * 1000).toISOString().slice(0, 10);
    const query = new URLSearchParams({
      group: 'support',
      from: `${today}T00:00:00.000Z`,
      to: `${tomorrow}T00:00:00.000Z`,
      interval: 'day',
      timeZone: 'UTC',
    });
    const expected = (
      await harness.admin<{ total: { counts: { calls: number; answered: number } } | null }>('GET', `/reports?${query.toString()}`)
    ).body;
    expect(expected.total?.counts.answered).toBeGreaterThanOrEqual(1);

    // Act
    await open('reports');
    await page.getByLabel('Group').selectOption('support');
    await page.getByLabel('Interval').selectOption('day');
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByRole('button', { name: 'Show report' }).click();

    // Assess: the total row shows the API's count, the chart is an image with a name, the formulas are there.
    const total = page.locator('table tfoot tr[data-total]');
    await expect.poll(() => total.count(), { timeout: 10_000 }).toBe(1);
    const totalCells = await total.locator('th, td').allTextContents();
    expect(totalCells[0]).toBe('Total');
    expect(totalCells[1]).toBe(String(expected.total?.counts.calls));
    expect(await page.locator(`table tbody tr[data-interval="${today}"]`).count()).toBe(1);
    const chart = page.getByRole('img', { name: 'Calls and service level per day' });
    expect(await chart.count()).toBe(1);
    expect(await chart.evaluate((element) => element.tagName.toLowerCase())).toBe('svg');
    expect(await page.locator('details.formulas dd').count()).toBeGreaterThan(0);
    const headers = await page.locator('table thead th').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('scope')));
    expect(new Set(headers)).toEqual(new Set(['col']));

    // The CSV comes through the admin API's client as a download.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`report-support-${today}-${today}-day.csv`);
    const stream = await download.createReadStream();
    let csv = '';
    for await (const chunk of stream) csv += String(chunk);
    expect(csv.split('\n')[0]).toMatch(/^interval,calls,answered/);
    expect(csv).toContain(`${today},${expected.total?.counts.calls},`);

    // A range that ends before it starts: the API's problem at the From field, and no report.
    await page.getByLabel('From', { exact: true }).fill(tomorrow);
    await page.getByRole('button', { name: 'Show report' }).click();
    const from = page.getByLabel('From', { exact: true });
    await expect.poll(() => from.getAttribute('aria-invalid')).toBe('true');
    expect(await description(from)).toContain('must be before to');
    expect(await page.getByLabel('To', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await total.count()).toBe(0);
  });
});
