import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoryStep } from '../../functions/routing/ledger.js';
import type { MEMBER_FORMULAS, MemberReport } from '../../functions/routing/report.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

/**
 * A call's story on the Calls page and the member table on the Reports page (SPEC 17), in a real
 * Chromium against the local stack: a call played by the simulator skips an away member, rings one
 * who does not answer and is answered by the next; the page must show what the admin API answers for
 * that call and that day, so each test compares the page with the API's own answer, not with numbers
 * written here.
 */
const NUMBER = '+493012345678';
const CALLER = '+15550003333';
/** Not UTC, so the story's local times are the browser's zone's, not the API's default. */
const BROWSER_ZONE = 'Europe/Berlin';
/** A call the stack never saw: it has no story. */
const UNKNOWN_SID = `CA${'0'.repeat(32)}`;

/** What these tests read of the admin API's answers (the console's own types are in JSX files, outside this tsconfig). */
type CallStory = { callSid: string; timeZone: string; steps: StoryStep[] };
type Report = { members: MemberReport[]; memberFormulas: Record<keyof typeof MEMBER_FORMULAS, string> };

let harness: ConsoleHarness;
let context: BrowserContext;
let page: Page;
let callSid: string;

/** A fresh load of the console at `route` (a new hash alone would keep the page as it is). */
async function open(route: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${harness.consoleUrl}#/${route}`);
}

async function put(path: string, body: unknown): Promise<void> {
  const { status } = await harness.admin('PUT', path, body);
  expect(status, `PUT ${path}`).toBeLessThan(300);
}

/** Today's whole UTC day, as the Reports form asks for it with the time zone UTC. */
function today(): { date: string; from: string; to: string } {
  const date = new Date().toISOString().slice(0, 10);
  const from = `${date}T00:00:00.000Z`;
  return { date, from, to: new Date(Date.parse(from) + 24 * 3600 * 1000).toISOString() };
}

beforeAll(async () => {
  harness = await startConsoleHarness();
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: BROWSER_ZONE });
  page = await context.newPage();

  // anna is away, ben's phone rings unanswered, clara answers: the story has a skip, a missed offer and an answer.
  for (const [id, name] of [
    ['anna', 'Anna Schmidt'],
    ['ben', 'Ben Braun'],
    ['clara', 'Clara Klein'],
  ] as const)
    await put(`/users/${id}`, { name, devices: [{ type: 'client', identity: id }] });
  await put('/groups/support', { name: 'Support', members: ['anna', 'ben', 'clara'], distribution: 'in-order', rings: 2 });
  await put(`/numbers/${encodeURIComponent(NUMBER)}`, { group: 'support' });
  await put('/users/anna/status', { status: 'away' });
  const [result] = await harness.call([{ id: 'story', from: CALLER, to: NUMBER }], {
    ben: 'no-answer',
    clara: { answerAfter: 3, hangUpAfter: 30 },
  });
  expect(result?.answeredBy).toBe('clara');
  callSid = result?.sid ?? '';
}, 180_000);

afterAll(async () => {
  await harness?.stop();
}, 60_000);

describe("a call's story on the Calls page", () => {
  it("opens from the call's row and shows the API's steps at the browser's local times, then gives the focus back", async () => {
    // Prepare: the story as the admin API tells it in the browser's zone.
    const query = new URLSearchParams({ timeZone: BROWSER_ZONE });
    const answer = await harness.admin<CallStory>('GET', `/calls/${callSid}/explain?${query.toString()}`);
    expect(answer.status).toBe(200);
    const story = answer.body;
    expect(story.timeZone).toBe(BROWSER_ZONE);

    // Act
    await open('calls');
    const row = page.locator(`tr[data-call="${callSid}"]`);
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.getByRole('link', { name: /^Story of the call from/ }).click();

    // Assess: the route names the call, the heading has the focus, and the list holds each of the API's steps.
    await expect.poll(() => page.evaluate<string>('location.hash')).toBe(`#/calls/${callSid}`);
    const panel = page.getByRole('region', { name: /^Story of the call from/ });
    const steps = panel.getByRole('list', { name: 'Steps of the call' }).getByRole('listitem');
    await expect.poll(() => steps.count(), { timeout: 10_000 }).toBe(story.steps.length);
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('story-heading');
    const shown = (await steps.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
    expect(shown).toEqual(story.steps.map((step) => `${step.time} ${step.text}`));
    expect(await steps.locator('time').evaluateAll((times) => times.map((time) => time.getAttribute('datetime')))).toEqual(
      story.steps.map((step) => step.at),
    );
    // The steps this call must have: anna's skip, clara's offer and the end.
    expect(shown.some((text) => /anna skipped: away/.test(text))).toBe(true);
    expect(shown.some((text) => /clara offered/.test(text))).toBe(true);
    expect(shown.some((text) => /ended: answered/.test(text))).toBe(true);
    // The local time is the browser's zone's: the first step's UTC instant read in Berlin.
    const first = story.steps[0];
    const berlin = new Intl.DateTimeFormat('en-GB', {
      timeZone: BROWSER_ZONE,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    expect(first?.time).toBe(berlin.format(Date.parse(first?.at ?? '')));
    expect(await row.getAttribute('class')).toContain('current');

    // Closing the story gives the focus back to the row's link.
    await panel.getByRole('link', { name: 'Close story' }).click();
    await expect.poll(() => panel.count()).toBe(0);
    await expect.poll(() => page.evaluate<string | undefined>('document.activeElement?.dataset.story')).toBe(callSid);
  });

  it('says a call without a story has none, never a blank panel', async () => {
    // Prepare: the API has no story for this call.
    expect((await harness.admin('GET', `/calls/${UNKNOWN_SID}/explain`)).status).toBe(404);

    // Act: the story's own address, as a link to it would open it.
    await open(`calls/${UNKNOWN_SID}`);

    // Assess
    const panel = page.getByRole('region', { name: `Story of call ${UNKNOWN_SID}` });
    await expect.poll(() => panel.getByRole('status').textContent(), { timeout: 10_000 }).toContain('This call has no story.');
    expect(await panel.getByRole('list').count()).toBe(0);
    expect(await panel.getByRole('alert').count()).toBe(0);
  });
});

describe('the member table on the Reports page', () => {
  it("shows each member's figures as GET /reports answers them, and the day's queue_log as a download", async () => {
    // Prepare: the API's report of today (UTC), as the form asks for it.
    const { date, from, to } = today();
    const query = new URLSearchParams({ group: 'support', from, to, interval: 'day', timeZone: 'UTC' });
    const report = (await harness.admin<Report>('GET', `/reports?${query.toString()}`)).body;
    const clara = report.members.find((row) => row.member === 'clara');
    const ben = report.members.find((row) => row.member === 'ben');
    expect(clara?.answered).toBeGreaterThanOrEqual(1);
    expect(ben?.missedOffers).toBeGreaterThanOrEqual(1);
    const logQuery = new URLSearchParams({ group: 'support', from, to });
    const logAnswer = await fetch(`${harness.adminUrl}/reports/queue-log?${logQuery.toString()}`);
    expect(logAnswer.status).toBe(200);
    const queueLog = await logAnswer.text();
    expect(queueLog).toContain(callSid);

    // Act
    await open('reports');
    await page.getByLabel('Group').selectOption('support');
    await page.getByLabel('From', { exact: true }).fill(date);
    await page.getByLabel('To', { exact: true }).fill(date);
    await page.getByLabel('Time zone').fill('UTC');
    const [answered] = await Promise.all([
      page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/admin/reports')),
      page.getByRole('button', { name: 'Show report' }).click(),
    ]);
    // The times available and away grow while the test runs: the page's own answer has the ones it shows.
    const shownReport = (await answered.json()) as Report;

    // Assess: one row per member of the API's answer, in its order; the counts as GET /reports gave
    // them to this test, each figure as the page was answered.
    const table = page.getByRole('table', { name: /each member's figures/ });
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(report.members.length);
    expect(await rows.evaluateAll((each) => each.map((row) => row.getAttribute('data-member')))).toEqual(
      report.members.map((row) => row.member),
    );
    for (const figures of report.members) {
      const row = table.locator(`tbody tr[data-member="${figures.member}"]`);
      const cell = (figure: string): ReturnType<Page['locator']> => row.locator(`td[data-figure="${figure}"]`);
      expect(await cell('offers').textContent(), `${figures.member}'s offers`).toBe(String(figures.offers));
      expect(await cell('answered').textContent(), `${figures.member}'s answered`).toBe(String(figures.answered));
      expect(await cell('missedOffers').textContent(), `${figures.member}'s missed offers`).toBe(String(figures.missedOffers));
      expect(await cell('answerRate').textContent(), `${figures.member}'s answer rate`).toBe(
        figures.answerRate === null ? '—' : String(Math.round(figures.answerRate * 1000) / 10),
      );
      const times = shownReport.members.find((each) => each.member === figures.member);
      expect(times?.talkSeconds).toBe(figures.talkSeconds);
      for (const figure of ['talkSeconds', 'availableSeconds', 'awaySeconds'] as const) {
        expect(await cell(figure).locator('time').getAttribute('datetime'), `${figures.member}'s ${figure}`).toBe(`PT${times?.[figure]}S`);
        expect(await cell(figure).textContent()).toMatch(/^\d+:\d{2}:\d{2}$/);
      }
    }
    // Names from the members list, with the id beside them.
    expect(await table.locator('tbody tr[data-member="clara"] th').textContent()).toBe('Clara Klein (clara)');
    // Every member formula, in words.
    const formulas = page.locator('section.report-members details.formulas dd');
    expect(await formulas.count()).toBe(Object.keys(report.memberFormulas).length);
    expect(await formulas.allTextContents()).toEqual(Object.values(report.memberFormulas));

    // The queue_log comes through the admin API's client as a download, the same lines as the API's.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download queue_log' }).click()]);
    expect(download.suggestedFilename()).toBe(`queue_log-support-${date}-${date}.txt`);
    let downloaded = '';
    for await (const chunk of await download.createReadStream()) downloaded += String(chunk);
    expect(downloaded).toBe(queueLog);
  });
});
