/*
 * The console in a real browser: Debian's chromium, headless, driven by
 * puppeteer-core (no browser is downloaded), against a real varseld on
 * 127.0.0.1 with the simulator provider. The scenario of issue 13:
 *
 *   a sender logs in, composes a call-out to nattvandrare with a circle
 *   around Lillhagaskolan, sees the preview's count match the API's,
 *   sends, and sees the live counts reach delivered; a JA arrives and
 *   appears without a reload; a 600-recipient alert waits until a
 *   second user approves it; a viewer's crafted POST is refused; the
 *   audit page lists all of it.
 *
 * Screenshots of each page go to tests/browser/out/*.png. The figures
 * (first load, send to first live update) are printed as "figure:"
 * lines. Run by tests/browser/run.sh from make check.
 */
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const SRC = process.env.VARSEL_SRCDIR;
const BUILD = process.env.VARSEL_BUILDDIR;
const OUT = process.env.VARSEL_BROWSER_OUT;
const CHROMIUM = process.env.VARSEL_CHROMIUM || '/usr/bin/chromium';
const TOKEN = 'browser-test-token-with-setup-scopes';
const PASSWORD = { anna: 'anna har ett långt lösen', bo: 'bo godkänner i natt', vera: 'vera läser bara här' };
const SCHOOL = { lat: 59.18290, lon: 17.42350 };
const DEADLINE_MS = 240000;

let passed = 0, failed = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'varsel-browser-'));
let daemon = null, browser = null;

function ok(cond, what) {
  if (cond) {
    passed++;
    console.log('ok - ' + what);
  } else {
    failed++;
    console.log('not ok - ' + what);
    throw new Error(what);
  }
}

function sleep(ms) {
  return new Promise(r => setTimeout(r, ms));
}

/* ---- varseld with three users and contacts ---------------------------- */

function config(portFile) {
  const sha = require('crypto').createHash('sha256').update(TOKEN).digest('hex');
  return [
    '[gateway]',
    'listen = 127.0.0.1:0',
    'port_file = ' + portFile,
    'database = ' + path.join(dir, 'varsel.db'),
    'templates = ' + path.join(SRC, 'templates'),
    'areas = ' + path.join(SRC, 'conf/areas.csv'),
    'trygghetspunkter = ' + path.join(SRC, 'conf/trygghetspunkter.csv'),
    'console = ' + path.join(SRC, 'console'),
    '[dispatch]',
    'approval_over = 500',
    '[provider sim]',
    'type = simulator',
    'rate = 400',
    'delivered_after_ms = 400',
    '[client setup]',
    'token_sha256 = ' + sha,
    'scopes = alerts:read contacts:write contacts:read alerts:write',
    ''
  ].join('\n');
}

async function startDaemon() {
  const conf = path.join(dir, 'varsel.conf');
  const portFile = path.join(dir, 'port');
  fs.writeFileSync(conf, config(portFile), { mode: 0o600 });
  /* The users, made as an operator makes them. */
  for (const [name, role] of [['anna', 'sender'], ['bo', 'approver'], ['vera', 'viewer']]) {
    execFileSync(path.join(BUILD, 'varselctl'), ['user', 'add', name, '--role', role,
      '--config', conf, '--password-stdin'], { input: PASSWORD[name] + '\n', stdio: ['pipe', 'ignore', 'inherit'] });
  }
  const log = fs.openSync(path.join(dir, 'varseld.log'), 'w');
  daemon = spawn(path.join(BUILD, 'varseld'), ['-c', conf], { stdio: ['ignore', log, log] });
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(portFile)) break;
    await sleep(100);
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').trim());
  return 'http://127.0.0.1:' + port;
}

async function call(base, method, p, body) {
  const res = await fetch(base + p, {
    method: method,
    headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  return { status: res.status, json: await res.json() };
}

/* Nattvandrare by the school and elsewhere, neighbours by the school, 600 residents. */
async function seed(base) {
  const c = [];
  const near = (i, r) => ({ lat: SCHOOL.lat + r * Math.cos(i) / 111320,
    lon: SCHOOL.lon + r * Math.sin(i) / (111320 * Math.cos(SCHOOL.lat * Math.PI / 180)) });
  const names = ['Amina Yusuf', 'Bertil Ek', 'Cecilia Lund', 'Dawit Tesfaye', 'Elin Berg', 'Farid Karimi'];
  names.forEach((n, i) => c.push(Object.assign({ phone: '+467017406' + String(5 + i).padStart(2, '0'),
    name: n, lang: i === 3 ? 'en' : 'sv', groups: ['nattvandrare'], area: '15531' }, near(i, 120 + 20 * i))));
  c.push({ phone: '+46701740620', name: 'Gustav Holm', groups: ['nattvandrare'], area: '15535', lat: 59.1670, lon: 17.4520 });
  c.push({ phone: '+46701740621', name: 'Hanna Sjö', groups: ['nattvandrare'], area: '15534' });
  c.push(Object.assign({ phone: '+46701740630', name: 'Ingrid Grann', groups: ['grannsamverkan-lillhagen'], area: '15531' }, near(1, 200)));
  c.push(Object.assign({ phone: '+46701740631', name: 'Johan Grann', lang: 'ar', groups: ['grannsamverkan-lillhagen'], area: '15531' }, near(2, 260)));
  for (let i = 0; i < 600; i++) {
    c.push({ phone: '+4670100' + String(i).padStart(4, '0'), groups: ['invanare'], area: '15532',
      lang: ['sv', 'sv', 'sv', 'ar', 'fi', 'so', 'fa', 'en'][i % 8] });
  }
  const r = await call(base, 'POST', '/v1/contacts', { contacts: c });
  ok(r.status === 200 && r.json.upserted === c.length, 'contacts loaded: ' + c.length);
}

/* ---- the browser -------------------------------------------------------- */

async function newPage(width, height) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport({ width: width || 1280, height: height || 900 });
  page.on('pageerror', e => { failed++; console.log('not ok - page error: ' + e.message); });
  page.on('console', m => { if (m.type() === 'error') console.log('# console: ' + m.text()); });
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, name + '.png'), fullPage: true });
  console.log('# screenshot ' + path.join(OUT, name + '.png'));
  /* A word the console has no text for shows as its key ("state.cancelled"). */
  const keys = await page.evaluate(() => document.body.innerText.match(
    /\b(?:app|nav|role|common|login|alerts?|state|sev|ds|compose|inbox|contacts|audit|act|time)\.[a-z_]+(?:\.[a-z_]+)*\b/g));
  ok(!keys, name + ': every word is translated' + (keys ? ' (shows ' + keys.join(', ') + ')' : ''));
  const blank = await page.evaluate(() => document.body.innerText.match(/\b(?:null|undefined|NaN)\b/g));
  ok(!blank, name + ': no value is missing' + (blank ? ' (shows ' + blank.join(', ') + ')' : ''));
}

async function login(page, base, name) {
  await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#login-name');
  await page.type('#login-name', name);
  await page.type('#login-password', PASSWORD[name]);
  await Promise.all([
    page.waitForSelector('header.top'),
    page.click('form.login button[type=submit]')
  ]);
}

async function text(page, sel) {
  return page.$eval(sel, e => e.textContent);
}

/* The counts of a state as the alert page's legend shows them. */
async function shown(page, state) {
  return page.evaluate(s => {
    const e = document.querySelector('.lg-' + s + ' .lg-n');
    return e ? Number(e.textContent.replace(/\D/g, '')) : 0;
  }, state);
}

async function main() {
  const base = await startDaemon();
  await seed(base);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--user-data-dir=' + path.join(dir, 'chromium')]
  });

  /* First load: bytes over the wire and time to the login form. */
  {
    const page = await newPage();
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0;
    cdp.on('Network.loadingFinished', e => { bytes += e.encodedDataLength; });
    const t0 = Date.now();
    await page.goto(base + '/', { waitUntil: 'load' });
    await page.waitForSelector('#login-name');
    const ms = Date.now() - t0;
    /* In the page: from the start of the navigation to the form. */
    const inPage = await page.evaluate(() => window.varselMetrics.loginShownAt);
    await sleep(200);
    console.log('figure: console first load ' + bytes + ' bytes, ' + inPage.toFixed(0) +
      ' ms from navigation to the login form (' + ms + ' ms with the browser\'s own start of the page)');
    ok(bytes > 0 && bytes < 200000, 'the console loads in under 200 kB, nothing from outside');
    const headers = await page.evaluate(async () => {
      const r = await fetch('/');
      return { csp: r.headers.get('Content-Security-Policy'), xfo: r.headers.get('X-Frame-Options'),
        ref: r.headers.get('Referrer-Policy') };
    });
    ok(/script-src 'self'/.test(headers.csp) && !/unsafe-inline/.test(headers.csp) &&
      headers.xfo === 'DENY' && headers.ref === 'no-referrer', 'CSP without inline script, no frames, no referrer');
    await shot(page, '01-login');
    /* A wrong password says so, and the form stays usable. */
    await page.type('#login-name', 'anna');
    await page.type('#login-password', 'fel lösenord här');
    await page.click('form.login button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#login-msg').textContent.length > 0);
    ok(/Fel användarnamn eller lösenord/.test(await text(page, '#login-msg')), 'a wrong password is told in Swedish');
    await shot(page, '02-login-wrong');
    await page.browserContext().close();
  }

  /* bo, an approver, is logged in somewhere (so anna sees him online). */
  const bo = await newPage();
  await login(bo, base, 'bo');

  /* anna, a sender, composes a call-out to nattvandrare with a circle. */
  const anna = await newPage();
  await login(anna, base, 'anna');
  await shot(anna, '03-alerts-empty');
  await anna.click('a.nav-new');
  await anna.waitForSelector('#var-place');
  /* Every template and every one of its fields has a Swedish name. */
  const raw = [];
  for (const tpl of await anna.$$eval('#template option', os => os.map(o => [o.value, o.textContent]))) {
    if (tpl[0] === tpl[1]) raw.push(tpl[0]);
    await anna.select('#template', tpl[0]);
    raw.push(...await anna.$$eval('.vars label', ls => ls.filter(l => l.htmlFor === 'var-' + l.textContent).map(l => l.textContent)));
  }
  await anna.select('#template', 'nattvandrare-utrop');
  ok(raw.length === 0, 'templates and their fields are named in Swedish' + (raw.length ? ' (not ' + raw.join(', ') + ')' : ''));
  /* A call-out without its place and time cannot be sent ("vid  kl ."). */
  await anna.click('#g-nattvandrare');
  await anna.waitForSelector('#preview-missing', { timeout: 5000 });
  await anna.waitForSelector('.texts .text-body', { timeout: 5000 });
  ok(/Fyll i Plats, Klockslag/.test(await text(anna, '#preview-missing')) &&
    /vid \[Plats\] kl \[Klockslag\]/.test(await text(anna, '.texts .text-body')) &&
    await anna.$eval('#send', e => e.disabled), 'an empty place and time are asked for, shown where they go, and nothing can be sent');
  await anna.type('#var-place', 'Lillhagaskolan');
  await anna.type('#var-time', '22:30');
  await anna.type('#need', '4');   /* "we need four" */
  /* The circle: click the school, then a point some 400 m east. */
  await anna.waitForSelector('[data-point="tp-lillhagaskolan"] circle');
  await anna.$eval('#map', e => e.scrollIntoView({ block: 'center' }));
  const dot = await (await anna.$('[data-point="tp-lillhagaskolan"] circle')).boundingBox();
  await anna.mouse.click(dot.x + dot.width / 2, dot.y + dot.height / 2);
  await anna.mouse.click(dot.x + dot.width / 2 + 55, dot.y + dot.height / 2);
  await anna.waitForFunction(() => /Lillhagaskolan/.test(document.querySelector('#shape-text').textContent));
  await anna.waitForSelector('#preview-count');
  await sleep(600);   /* the last keystroke's preview */
  const circle = await anna.evaluate(() => ({
    lat: Number(document.querySelector('#circle-lat').value),
    lon: Number(document.querySelector('#circle-lon').value),
    radius_m: Number(document.querySelector('#circle-radius').value) }));
  ok(Math.abs(circle.lat - SCHOOL.lat) < 0.0001 && Math.abs(circle.lon - SCHOOL.lon) < 0.0001 &&
    circle.radius_m >= 200 && circle.radius_m <= 1500, 'a circle of ' + circle.radius_m + ' m around Lillhagaskolan');
  const shownCount = Number(await anna.$eval('#preview-count', e => e.dataset.n));
  const api = await call(base, 'POST', '/v1/preview', {
    template: 'nattvandrare-utrop', vars: { place: 'Lillhagaskolan', time: '22:30' }, severity: 'severe',
    ack: true, expires_in_s: 3600, channels: ['sms'], audience: { groups: ['nattvandrare'], circle: circle } });
  const shownPeople = Number(await anna.$eval('#preview-count', e => e.dataset.people));
  ok(api.status === 200 && shownCount === api.json.recipients - api.json.suppressed && shownCount === 10 &&
    shownPeople === api.json.people, 'the preview shows ' + shownPeople + ' people, the API says ' + api.json.people);
  ok(/Svara JA eller NEJ/.test(await text(anna, '#preview')), 'the preview shows the Swedish text');
  ok(await anna.$('.approval') === null, 'ten nattvandrare need no approval');
  await shot(anna, '04-compose');
  /* Asked to call those who do not answer: the ten take SMS only. */
  await anna.select('#escalate', '300');
  await anna.waitForSelector('#preview-uncallable', { timeout: 5000 });
  ok(/^10 av dem tar inte emot samtal/.test(await text(anna, '#preview-uncallable')),
    'with escalation, the preview says the ten take no calls');
  await shot(anna, '04b-compose-uncallable');
  await anna.select('#escalate', '0');
  await anna.waitForFunction(() => !document.querySelector('#preview-uncallable'), { timeout: 5000 });
  await sleep(600);
  await anna.click('#send');
  await anna.waitForSelector('dialog.confirm[open]');
  ok(await text(anna, '#confirm-title') === 'Skicka larmet nu?', 'the confirmation asks to send now');
  await shot(anna, '05-confirm');
  await Promise.all([
    anna.waitForFunction(() => /^#\/alert\/\d+$/.test(location.hash)),
    anna.click('#confirm-send')
  ]);
  const id1 = Number((await anna.evaluate(() => location.hash)).split('/')[2]);
  await anna.evaluate(() => { window.__sameDocument = true; });
  /* Live counts through the simulator, without a reload. */
  await anna.waitForFunction(() => window.varselMetrics.firstLiveAt > 0, { timeout: 10000 });
  const m1 = await anna.evaluate(() => window.varselMetrics);
  console.log('figure: send to first live update ' + (m1.firstLiveAt - m1.sentAt).toFixed(0) + ' ms');
  await anna.waitForFunction(() => {
    const d = document.querySelector('.lg-delivered .lg-n');
    return d && Number(d.textContent.replace(/\D/g, '')) === 10;
  }, { timeout: 20000 });
  const m2 = await anna.evaluate(() => window.varselMetrics);
  ok(await shown(anna, 'delivered') === 10 && m2.liveUpdates > 1, 'live counts reached delivered 10 (' + m2.liveUpdates + ' updates)');
  await anna.waitForFunction(() => /^Levererat till 10 av 10\./.test(document.querySelector('#summary').textContent), { timeout: 5000 });
  ok(true, 'the summary counts the people reached: 10 of 10');
  await shot(anna, '06-alert-delivered');

  /* Amina answers JA: it appears, with her name, without a reload. */
  const form = new URLSearchParams({ from: '+46701740605', message: 'JA', id: 'sim-ja-1' });
  const hook = await fetch(base + '/hooks/sim/sms', { method: 'POST', body: form });
  ok(hook.status === 200, 'the simulator took the JA');
  await anna.waitForSelector('#answers li.answer-yes', { timeout: 10000 });
  ok(/Amina Yusuf/.test(await text(anna, '#answers')) && await text(anna, '#acks-yes') === '1',
    'the JA appears with the name');
  await anna.waitForFunction(() => /1 av 4 JA som behövs/.test(document.querySelector('#need').textContent), { timeout: 5000 });
  ok(true, 'the call-out says how many of the four it needs have said JA');
  ok(await anna.evaluate(() => window.__sameDocument === true), 'no reload happened');
  await shot(anna, '07-alert-answered');

  /* 600 residents: it waits for bo. */
  await anna.click('a.nav-new');
  await anna.waitForSelector('#kind-free');
  await anna.click('#kind-free');
  /* Too long a text is told in Swedish, not in varseld's English. */
  await anna.click('#g-invanare');
  await anna.$eval('#message', e => { e.value = 'Å'.repeat(700); e.dispatchEvent(new Event('input')); });
  await anna.waitForFunction(() => /för lång/.test(document.querySelector('#preview').textContent), { timeout: 5000 });
  ok(/^Kan inte förhandsvisa: Texten är för lång för ett SMS-larm/.test(await text(anna, '#preview')),
    'a text too long is told in Swedish');
  await anna.$eval('#message', e => { e.value = ''; });
  await anna.click('#g-invanare');
  await anna.type('#message', 'Nykvarns kommun: Vattnet i Stensborg är avstängt till kl 06. Drick inte kranvatten. Vid fara ring 112.');
  await anna.select('#severity', 'moderate');
  await anna.click('#g-invanare');
  await anna.waitForSelector('.approval', { timeout: 10000 });
  ok(Number(await anna.$eval('#preview-count', e => e.dataset.n)) === 600, 'the preview counts 600 residents');
  ok(/bo/.test(await text(anna, '#approvers')), 'the writer sees that bo is online to approve');
  await shot(anna, '08-compose-approval');
  await anna.click('#send');
  await anna.waitForSelector('dialog.confirm[open]');
  ok(await text(anna, '#confirm-title') === 'Skicka larmet för godkännande?', 'the confirmation does not say "now" for what waits');
  await Promise.all([
    anna.waitForFunction(id => /^#\/alert\/\d+$/.test(location.hash) && location.hash !== '#/alert/' + id, {}, id1),
    anna.click('#confirm-send')
  ]);
  const id2 = Number((await anna.evaluate(() => location.hash)).split('/')[2]);
  await anna.waitForSelector('.state-awaiting_approval');
  ok(await anna.$('#approve') === null, 'the writer has no approve button');
  await sleep(500);
  const waiting = await call(base, 'GET', '/v1/alerts/' + id2);
  ok(waiting.json.state === 'awaiting_approval' && waiting.json.counts.held === 600 && waiting.json.counts.sent === 0,
    'the 600 wait, held, nothing sent');
  await shot(anna, '09-awaiting-approval');

  await bo.goto(base + '/#/alert/' + id2, { waitUntil: 'domcontentloaded' });
  await bo.waitForSelector('#approve');
  await shot(bo, '10-approver-sees');
  /* anna's stop button while the 600 go out: the live counts do not make
     it anew (a new button loses the focus and a click in progress). */
  await anna.evaluate(() => {
    window.__actionsRedrawn = 0;
    window.__updatesBefore = window.varselMetrics.liveUpdates;
    /* One batch that takes the buttons away is one drawing anew. */
    new MutationObserver(ms => { if (ms.some(m => m.removedNodes.length)) window.__actionsRedrawn++; })
      .observe(document.querySelector('.actions'), { childList: true });
  });
  let approveAsk = '';
  bo.once('dialog', d => { approveAsk = d.message(); d.accept(); });
  await bo.click('#approve');
  await bo.waitForSelector('.state-dispatching, .state-done', { timeout: 10000 });
  ok(/till 600 mottagare/.test(approveAsk), 'the approver is asked about the 600 it will reach: ' + approveAsk);
  /* anna's page follows, live. */
  await anna.waitForSelector('.state-dispatching, .state-done', { timeout: 10000 });
  await anna.waitForFunction(() => {
    const d = document.querySelector('.lg-delivered .lg-n');
    return d && Number(d.textContent.replace(/\D/g, '')) === 600;
  }, { timeout: 30000 });
  const redraw = await anna.evaluate(() => ({ redrawn: window.__actionsRedrawn,
    updates: window.varselMetrics.liveUpdates - window.__updatesBefore }));
  /* At most: approved, nothing more queued, done. */
  ok(redraw.redrawn <= 3,
    'the buttons were drawn ' + redraw.redrawn + ' times for ' + redraw.updates + ' live updates');
  await anna.waitForFunction(() => /bo/.test(document.querySelector('#history').textContent), { timeout: 5000 });
  ok(/bo\s+godkände larm/.test(await text(anna, '#history')), 'approved by bo, the 600 delivered, the writer\'s page says who approved');
  await shot(anna, '11-approved-delivered');

  /* vera, a viewer: no writes, however the request is made. */
  const vera = await newPage();
  await login(vera, base, 'vera');
  ok(await vera.$('a.nav-new') === null, 'a viewer has no "Nytt larm"');
  const crafted = await vera.evaluate(async () => {
    const s = await (await fetch('/v1/session')).json();
    const post = (p, b) => fetch(p, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf },
      body: JSON.stringify(b) }).then(r => r.status);
    return [await post('/v1/alerts', { source_ref: 'vera-1', message: 'test', audience: { groups: ['nattvandrare'] } }),
      await post('/v1/alerts/1/cancel', {}), await post('/v1/contacts', { contacts: [] })];
  });
  ok(crafted.every(s => s === 403), 'a viewer\'s crafted POSTs are refused: ' + crafted.join(', '));
  await vera.goto(base + '/#/alert/' + id1, { waitUntil: 'domcontentloaded' });
  await vera.waitForSelector('#answers li.answer-yes');
  ok(/\+4670\*{5}605/.test(await text(vera, '#answers')), 'the viewer sees numbers masked');
  await shot(vera, '12-viewer-alert');

  /* The audit page lists it all. */
  await vera.goto(base + '/#/audit', { waitUntil: 'domcontentloaded' });
  await vera.waitForSelector('#audit-rows tr');
  /* Older rows (the import, the users) are a click away. */
  for (let i = 0; i < 10 && !(await vera.$('#audit-rows tr[data-action="user.added"]')); i++) {
    const more = await vera.$('main > button.secondary:not([hidden])');
    if (!more) break;
    const n = (await vera.$$('#audit-rows tr')).length;
    await more.click();
    await vera.waitForFunction(k => document.querySelectorAll('#audit-rows tr').length > k ||
      document.querySelector('#audit-rows tr[data-action="user.added"]'), {}, n);
  }
  const actions = await vera.$$eval('#audit-rows tr', rows => rows.map(r => r.dataset.action));
  ok(/610 kontakter/.test(await text(vera, '#audit-rows')), 'the import of 610 contacts is one line');
  ok(actions.filter(a => a === 'alert.posted').length === 2 && actions.includes('alert.approved') &&
    actions.includes('contact.added') && actions.includes('session.login') && actions.includes('user.added'),
  'the audit lists the alerts, the approval, the contacts, the logins and the users');
  await shot(vera, '13-audit');

  /* The inbox: a resident writes, anna answers. */
  await fetch(base + '/hooks/sim/sms', { method: 'POST', body: new URLSearchParams({ from: '+46701000007',
    message: 'Det luktar rök vid Lillhagaskolan, vad ska vi göra?', id: 'sim-in-2' }) });
  await anna.goto(base + '/#/inbox', { waitUntil: 'domcontentloaded' });
  await anna.waitForSelector('ol.inbox li.msg');
  await anna.type('ol.inbox li.msg textarea', 'Räddningstjänsten är på väg. Håll er inomhus. Vid fara ring 112.');
  await anna.click('ol.inbox li.msg form.reply button');
  await anna.waitForFunction(() => /skickas/.test(document.querySelector('ol.inbox li.msg [role=status]').textContent));
  ok(true, 'a reply to the inbox is on its way');
  await shot(anna, '14-inbox');
  await anna.goto(base + '/#/contacts', { waitUntil: 'domcontentloaded' });
  await anna.type('#q', 'natt');
  await anna.keyboard.press('Enter');
  await anna.waitForSelector('table.table tbody tr');
  await shot(anna, '15-contacts');
  await vera.goto(base + '/#/contacts', { waitUntil: 'domcontentloaded' });
  await vera.type('#q', 'natt');
  await vera.keyboard.press('Enter');
  await vera.waitForSelector('table.table tbody tr');
  ok(!/\+4670174060\d/.test(await text(vera, 'table.table')), 'contacts: the viewer sees no number whole');
  await shot(vera, '16-contacts-viewer');

  /* A scheduled alert says when it goes, can be stopped until then, and says so. */
  const later = new Date(Date.now() + 2 * 3600 * 1000).toISOString();
  const sch = await call(base, 'POST', '/v1/alerts', { source_ref: 'browser-scheduled', severity: 'severe',
    template: 'nattvandrare-utrop', vars: { place: 'Lillhagaskolan', time: '23:30' }, ack: true,
    audience: { groups: ['nattvandrare'] }, send_at: later });
  ok(sch.status === 202 && sch.json.state === 'scheduled', 'an alert is scheduled for later');
  await anna.goto(base + '/#/alert/' + sch.json.id, { waitUntil: 'domcontentloaded' });
  await anna.waitForSelector('.state-scheduled');
  const hhmm = new Date(later).toLocaleTimeString('sv-SE', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Stockholm' });
  ok((await text(anna, '.alert-meta')).includes('Skickas') && (await text(anna, '.alert-meta')).includes(hhmm),
    'the scheduled alert says it goes out at ' + hhmm);
  await anna.waitForSelector('#cancel', { timeout: 5000 });
  await shot(anna, '16a-alert-scheduled');
  anna.once('dialog', d => d.accept());
  await anna.click('#cancel');
  await anna.waitForSelector('.state-cancelled');
  ok((await call(base, 'GET', '/v1/alerts/' + sch.json.id)).json.state === 'cancelled', 'the console stopped it');
  ok(/Larmet är stoppat/.test(await text(anna, 'p.note')), 'and says the alert is stopped, not "0 meddelanden stoppades"');
  ok(await text(anna, '.state-cancelled') === 'Stoppat', 'a stopped alert says "Stoppat"');
  await shot(anna, '16b-alert-stopped');

  /* The list of alerts; English; a phone. */
  await anna.goto(base + '/#/', { waitUntil: 'domcontentloaded' });
  await anna.waitForSelector('.alert-row .alert-link');
  await shot(anna, '17-alerts');
  await anna.click('header .who button.link');
  await anna.waitForFunction(() => document.documentElement.lang === 'en');
  await anna.waitForSelector('.alert-row .alert-link');
  ok(/Alerts/.test(await text(anna, 'h1')), 'English at one click');
  await shot(anna, '18-alerts-en');
  await anna.click('header .who button.link');
  const phone = await newPage(390, 844);
  await login(phone, base, 'anna');
  await phone.goto(base + '/#/alert/' + id1, { waitUntil: 'domcontentloaded' });
  await phone.waitForSelector('#answers li.answer-yes');
  await shot(phone, '19-phone-alert');
  await phone.goto(base + '/#/new', { waitUntil: 'domcontentloaded' });
  await phone.waitForSelector('#map svg');
  await shot(phone, '20-phone-compose');
  ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'nothing is wider than a phone');

  /* An alert that calls those who leave its SMS unanswered, to
     nattvandrare who take SMS only: its page says whom it cannot call. */
  const esc = await call(base, 'POST', '/v1/alerts', { source_ref: 'browser-escalate',
    message: 'Prov: svara JA om du kan komma.', ack: true, escalate_after_s: 600,
    audience: { groups: ['nattvandrare'] } });
  ok(esc.status === 202 && esc.json.uncallable === esc.json.people && esc.json.people > 0,
    'the 202 says all ' + esc.json.people + ' nattvandrare take no calls');
  await phone.goto(base + '/#/alert/' + esc.json.id, { waitUntil: 'domcontentloaded' });
  await phone.waitForFunction(() => { const u = document.getElementById('uncallable'); return u && !u.hidden; }, { timeout: 10000 });
  ok(new RegExp('^' + esc.json.people + ' av dem tar inte emot samtal').test(await text(phone, '#uncallable')),
    'the alert page says whom the escalation cannot call');
  await shot(phone, '20b-phone-alert-uncallable');

  /* How sending stands: nothing to say while the simulator takes SMS;
     with every provider down (as GET /v1/providers would answer, the
     answer put in by the browser) the page says that nothing goes out
     now and that it waits; with the first down, which way SMS go. */
  await anna.goto(base + '/#/', { waitUntil: 'domcontentloaded' });
  await anna.waitForSelector('.alert-row .alert-link');
  const real = await call(base, 'GET', '/v1/providers');
  ok(real.status === 200 && real.json.sms === 'ok' && real.json.providers[0].state === 'up',
    'GET /v1/providers: the simulator is up, SMS are ok');
  await sleep(300);
  ok(await anna.$eval('#providers', e => e.hidden), 'nothing is said about providers while SMS go out');
  const canned = { body: null };
  const answer = req => {
    if (canned.body && req.url().endsWith('/v1/providers'))
      req.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(canned.body) });
    else
      req.continue();
  };
  await anna.setRequestInterception(true);
  anna.on('request', answer);
  canned.body = { sms: 'down', voice: 'down', providers: [
    { name: 'elks', type: '46elks', priority: 1, channels: ['sms', 'voice'], state: 'silent', inflight: 16 },
    { name: 'tw', type: 'twilio', priority: 2, channels: ['sms', 'voice'], state: 'down', inflight: 0,
      until: new Date(Date.now() + 30000).toISOString() }] };
  await anna.reload({ waitUntil: 'domcontentloaded' });
  /* A predicate that throws stops puppeteer's polling: ask for the
     element first, and never read a property of null. */
  await anna.waitForSelector('#providers');
  await anna.waitForFunction(() => { const p = document.getElementById('providers'); return p && !p.hidden; },
    { timeout: 10000 });
  ok(/^Inga sms kan skickas just nu: ingen leverantör tar emot dem\. Utskicken väntar i kön/.test(
    await text(anna, '#providers')), 'every provider down: the page says nothing goes out now, and it waits');
  await shot(anna, '17b-alerts-providers-down');
  canned.body.sms = 'failover';
  canned.body.voice = 'failover';
  canned.body.providers[1].state = 'up';
  delete canned.body.providers[1].until;
  await anna.reload({ waitUntil: 'domcontentloaded' });
  await anna.waitForSelector('#providers');
  await anna.waitForFunction(() => { const p = document.getElementById('providers'); return p && /^Sms går via/.test(p.textContent); },
    { timeout: 10000 });
  ok(await text(anna, '#providers') === 'Sms går via tw: elks tar inte emot just nu.',
    'the first provider down: the page says which way SMS go');
  anna.off('request', answer);
  await anna.setRequestInterception(false);
  await anna.reload({ waitUntil: 'domcontentloaded' });
  await anna.waitForSelector('.alert-row .alert-link');
  await sleep(500);
  ok(await anna.$eval('#providers', e => e.hidden), 'and nothing once SMS go their first way again');

  /* Logging out ends the session for the API too. */
  await anna.click('header .who button.link + button.link');
  await anna.waitForSelector('#login-name');
  const after = await anna.evaluate(async () => (await fetch('/v1/alerts')).status);
  ok(after === 401, 'after logout the session is gone');

  /* varseld goes away while an alert is followed: the page says its
     figures may be old instead of looking live. */
  /* The page is the same document as the alert before it: wait for an
     update of this alert's own stream, not the count of all so far. */
  const seen = await phone.evaluate(() => Number(document.body.dataset.liveUpdates || 0));
  await phone.goto(base + '/#/alert/' + id1, { waitUntil: 'domcontentloaded' });
  await phone.waitForFunction(n => Number(document.body.dataset.liveUpdates || 0) > n, {}, seen);
  daemon.kill('SIGTERM');
  /* Another request (the providers' poll) may find varseld gone before
     the stream does: wait for the stream's own word. */
  await phone.waitForFunction(() => { const b = document.getElementById('banner');
    return b && !b.hidden && document.body.dataset.live === 'lost'; }, { timeout: 10000 });
  ok(/Ingen kontakt med Varsel/.test(await text(phone, '#banner')) &&
    await phone.$eval('.live', e => getComputedStyle(e).display === 'none'),
  'a lost live stream is told, and "Direkt" is gone');
  await shot(phone, '21-phone-varseld-gone');
}

(async function () {
  const timer = setTimeout(() => { console.log('not ok - the browser test took over ' + DEADLINE_MS + ' ms'); process.exit(1); }, DEADLINE_MS);
  fs.mkdirSync(OUT, { recursive: true });
  try {
    await main();
  } catch (e) {
    if (failed === 0) failed++;
    console.log('# ' + (e && e.stack ? e.stack : e));
    /* What each page showed when it failed. */
    try {
      let n = 0;
      for (const ctx of browser ? browser.browserContexts() : [])
        for (const pg of await ctx.pages())
          await pg.screenshot({ path: path.join(OUT, '99-failed-' + (++n) + '.png'), fullPage: true });
    } catch (ignore) { /* no pages */ }
    try {
      console.log('# varseld log tail:\n' + fs.readFileSync(path.join(dir, 'varseld.log'), 'utf8').split('\n').slice(-30).join('\n'));
    } catch (ignore) { /* no log */ }
  } finally {
    clearTimeout(timer);
    if (browser) await browser.close().catch(() => {});
    if (daemon) daemon.kill('SIGTERM');
    await sleep(300);
    if (!process.env.VARSEL_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed === 0 ? 0 : 1);
})();
