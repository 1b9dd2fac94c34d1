/*
 * The Varsel console: a crisis lead's page. Plain JavaScript, no build
 * step, nothing from outside. It talks only to varseld's own /v1 API
 * with the session cookie, and sends the session's CSRF token with every
 * write. Live counts come from Server-Sent Events, never by polling.
 *
 * Safety: every value from the server is put on the page with
 * textContent or an attribute, never as markup (h() below is the only
 * way elements are made). The page is served with a Content-Security-
 * Policy that forbids inline script and style.
 */
'use strict';

(function () {
  const TEXTS = window.VARSEL_TEXTS;
  const LANGS = ['sv', 'en'];
  let lang = LANGS.indexOf(localStorage.getItem('varsel.lang')) >= 0 ?
    localStorage.getItem('varsel.lang') : 'sv';
  let me = null;            /* the session: name, role, scopes, csrf */
  let streams = [];         /* EventSources of the page shown */
  let leaving = [];         /* what to undo when the page changes */
  const metrics = window.varselMetrics = { sentAt: 0, firstLiveAt: 0, liveUpdates: 0 };

  /* ---- words ---------------------------------------------------------- */

  function t(key, vars) {
    let s = (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.sv[key] || key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }

  /* The key's ".one" text when n is 1 and there is one ("1 person"). */
  function one(key, n) {
    return Number(n) === 1 && TEXTS.sv[key + '.one'] ? key + '.one' : key;
  }

  /* A text with one of its {name} as a node (a number in bold). */
  function tNode(key, name, node) {
    const parts = t(key, { [name]: '\u0000' }).split('\u0000');
    return [parts[0], node, parts.slice(1).join('')];
  }

  /* Times as Nykvarn reads them, whatever the computer's own zone. */
  const ZONE = 'Europe/Stockholm';

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    const loc = lang === 'sv' ? 'sv-SE' : 'en-GB';
    const day = x => x.toLocaleDateString('sv-SE', { timeZone: ZONE });
    return day(d) === day(new Date()) ?
      d.toLocaleTimeString(loc, { hour: '2-digit', minute: '2-digit', timeZone: ZONE }) :
      d.toLocaleString(loc, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: ZONE });
  }

  function fmtDuration(s) {
    if (s < 60) return t('time.s', { n: Math.max(1, s) });
    if (s < 3600) return t('time.min', { n: Math.round(s / 60) });
    return t('time.h', { n: (s / 3600).toFixed(1) });
  }

  function num(n) {
    return Number(n || 0).toLocaleString(lang === 'sv' ? 'sv-SE' : 'en-GB');
  }

  /* ---- elements: the only way the page is built ----------------------- */

  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in (attrs || {})) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (v === true) e.setAttribute(k, '');
      else e.setAttribute(k, String(v));
    }
    return put(e, kids);
  }

  /* Append nodes and texts (as text, never markup); skip the absent. */
  function put(e, ...kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return e;
  }

  function clear(e) {
    while (e.firstChild) e.removeChild(e.firstChild);
    return e;
  }

  function can(scope) {
    return me && me.scopes.indexOf(scope) >= 0;
  }

  /* ---- the API ---------------------------------------------------------- */

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || ('HTTP ' + status));
      this.status = status;
      this.code = body && body.error && body.error.code;
      this.field = body && body.error && body.error.field;
    }
  }

  /* What went wrong, in the reader's language: varseld's own message
     (English, for whoever reads the log) only as the detail. */
  function errMsg(e) {
    if (!(e instanceof ApiError)) return t('err.network');
    const k = 'err.' + e.code;
    if (!TEXTS.sv[k]) return e.message;
    return t(k) + (/^HTTP \d+$/.test(e.message) ? '' : ' (' + e.message + ')');
  }

  async function api(method, path, body) {
    const opts = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (method !== 'GET' && me) opts.headers['X-CSRF-Token'] = me.csrf;
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      banner(t('common.offline'), 'warn');
      throw e;
    }
    banner(null);
    const data = res.headers.get('Content-Type') &&
      res.headers.get('Content-Type').startsWith('application/json') ?
      await res.json() : null;
    if (res.status === 401 && path !== '/v1/session') {
      loggedOut(true);
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  /* ---- the frame: header, banner, pages ----------------------------------- */

  const root = document.getElementById('app');

  function banner(text, kind) {
    const b = document.getElementById('banner');
    if (!b) return;
    if (!text) {
      b.hidden = true;
      clear(b);
      return;
    }
    b.hidden = false;
    b.className = 'banner banner-' + (kind || 'info');
    clear(b).append(text);
  }

  function header() {
    const nav = [
      ['#/', 'nav.alerts', true],
      ['#/new', 'nav.new', can('alerts:write')],
      ['#/inbox', 'nav.inbox', true],
      ['#/contacts', 'nav.contacts', true],
      ['#/audit', 'nav.audit', can('audit:read')]
    ];
    const here = location.hash || '#/';
    return h('header', { class: 'top' },
      h('a', { class: 'skip', href: '#main' }, t('nav.skip')),
      h('div', { class: 'brand' },
        h('span', { class: 'brand-name' }, t('app.name')),
        h('span', { class: 'brand-sub' }, t('app.sub'))),
      h('nav', { 'aria-label': t('app.name') },
        h('ul', null, nav.filter(n => n[2]).map(n =>
          h('li', null, h('a', {
            href: n[0], class: n[0] === '#/new' ? 'nav-new' : null,
            'aria-current': (here === n[0] || (n[0] !== '#/' && here.startsWith(n[0]))) ? 'page' : null
          }, t(n[1])))))),
      h('div', { class: 'who' },
        h('span', { class: 'who-name' }, me.name + ' (' + t('role.' + me.role) + ')'),
        h('button', { type: 'button', class: 'link', lang: lang === 'sv' ? 'en' : 'sv', onclick: switchLang }, t('nav.lang')),
        h('button', { type: 'button', class: 'link', onclick: logout }, t('nav.logout'))));
  }

  function frame(title, ...content) {
    document.title = title + ' – ' + t('app.name');
    clear(root).append(header(),
      h('div', { id: 'banner', class: 'banner', role: 'status', hidden: true }),
      h('div', { id: 'providers', class: 'banner', role: 'status', hidden: true }),
      h('main', { id: 'main', tabindex: '-1' }, h('h1', null, title), content));
    renderProviders();
  }

  /* ---- how sending stands: GET /v1/providers every 15 s ------------------ */

  let provState = null, provTimer = null;

  /* What to tell: [text, kind], or null while SMS go their first way. */
  function providerNotice() {
    const s = provState;
    if (!s) return null;
    const up = p => p.state === 'up' || p.state === 'failing';
    const sms = s.providers.filter(p => p.channels.includes('sms'));
    if (s.sms === 'down') return [t('providers.sms.down'), 'alert'];
    if (s.sms === 'failover')
      return [t('providers.sms.failover', {
        via: sms.filter(up).map(p => p.name).join(', '),
        names: sms.filter(p => !up(p)).map(p => p.name).join(', ') }), 'warn'];
    if (s.voice === 'down') return [t('providers.voice.down'), 'warn'];
    return null;
  }

  /* Touched only when what it says changes: a status region whose text
     is put back every 15 s is read out again every 15 s. */
  function renderProviders() {
    const el = document.getElementById('providers');
    if (!el) return;
    const n = providerNotice();
    const cls = 'banner banner-' + (n ? n[1] : 'info');
    if (el.hidden === !n && el.className === cls && el.textContent === (n ? n[0] : '')) return;
    clear(el);
    el.hidden = !n;
    el.className = cls;
    if (n) el.append(n[0]);
  }

  async function loadProviders() {
    if (!me) return;
    try {
      provState = await api('GET', '/v1/providers');
    } catch (e) {
      return;   /* offline: the other banner says so */
    }
    renderProviders();
  }

  function watchProviders() {
    if (provTimer) return;
    loadProviders();
    provTimer = setInterval(loadProviders, 15000);
  }

  function unwatchProviders() {
    clearInterval(provTimer);
    provTimer = null;
    provState = null;
  }

  function switchLang() {
    lang = lang === 'sv' ? 'en' : 'sv';
    localStorage.setItem('varsel.lang', lang);
    document.documentElement.lang = lang;
    route();
  }

  function stopPage() {
    delete document.body.dataset.live;
    streams.forEach(s => s.close());
    streams = [];
    leaving.forEach(f => f());
    leaving = [];
  }

  /* ---- login ---------------------------------------------------------- */

  function loggedOut(ended) {
    stopPage();
    unwatchProviders();
    me = null;
    showLogin(ended ? t('login.ended') : null);
  }

  function showLogin(note) {
    document.title = t('login.title') + ' – ' + t('app.name');
    const msg = h('p', { id: 'login-msg', class: 'form-error', role: 'alert' }, note || '');
    const name = h('input', { id: 'login-name', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
    const pw = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const btn = h('button', { type: 'submit', class: 'primary big' }, t('login.submit'));
    const form = h('form', { class: 'login card', onsubmit: async ev => {
      ev.preventDefault();
      btn.disabled = true;
      btn.textContent = t('login.wait');
      msg.textContent = '';
      try {
        me = await api('POST', '/v1/session', { name: name.value.trim(), password: pw.value });
        pw.value = '';
        route();
      } catch (e) {
        msg.textContent = e.status === 401 || e.status === 422 ? t('login.wrong') :
          e.status === 429 ? t('login.busy') : t('common.error', { msg: errMsg(e) });
        btn.disabled = false;
        btn.textContent = t('login.submit');
        pw.focus();
      }
    } },
    h('h1', null, t('app.name')),
    h('p', { class: 'muted' }, t('app.sub')),
    h('label', { for: 'login-name' }, t('login.name')), name,
    h('label', { for: 'login-password' }, t('login.password')), pw,
    msg, btn,
    h('button', { type: 'button', class: 'link', lang: lang === 'sv' ? 'en' : 'sv', onclick: () => {
      lang = lang === 'sv' ? 'en' : 'sv';
      localStorage.setItem('varsel.lang', lang);
      document.documentElement.lang = lang;
      showLogin(note);
    } }, t('nav.lang')));
    clear(root).append(h('main', { id: 'main', class: 'login-page' }, form));
    name.focus();
    if (!metrics.loginShownAt) metrics.loginShownAt = performance.now();
  }

  async function logout() {
    try {
      await api('DELETE', '/v1/session');
    } catch (e) { /* ended anyway */ }
    me = null;
    stopPage();
    unwatchProviders();
    location.hash = '#/';
    showLogin(null);
  }

  /* ---- shared pieces -------------------------------------------------- */

  function sevBadge(sev) {
    return h('span', { class: 'sev sev-' + sev }, t('sev.' + sev));
  }

  function stateBadge(state) {
    return h('span', { class: 'state state-' + state }, t('state.' + state));
  }

  /* When a scheduled or held alert goes out. */
  function releaseNote(a) {
    if (a.state === 'scheduled' && a.send_at)
      return h('strong', { class: 'release-at' }, t('alert.send_at', { t: fmtTime(a.send_at) }));
    if (a.state === 'held' && a.held_until)
      return h('strong', { class: 'release-at' }, t('alert.held_until', { t: fmtTime(a.held_until) }));
    return null;
  }

  /* A call-out's "we need four": how many of them said JA. */
  function needText(a) {
    if (!a.need) return '';
    return t(a.filled_at ? 'alert.need.filled' : 'alert.need', { y: num(a.acks.yes), need: num(a.need) });
  }

  function errorBox(e) {
    return h('p', { class: 'form-error', role: 'alert' }, t('common.error', { msg: errMsg(e) }));
  }

  /* A stream of one alert's counts and answers; handlers per event. */
  function follow(id, on) {
    const es = new EventSource('/v1/alerts/' + encodeURIComponent(id) + '/events');
    es.addEventListener('counts', ev => {
      metrics.liveUpdates++;
      document.body.dataset.liveUpdates = String(metrics.liveUpdates);
      if (metrics.sentAt && !metrics.firstLiveAt) metrics.firstLiveAt = performance.now();
      on.counts && on.counts(JSON.parse(ev.data));
    });
    es.addEventListener('answer', ev => on.answer && on.answer(JSON.parse(ev.data)));
    es.addEventListener('ended', () => { es.close(); loggedOut(true); });
    /* A lost stream must not leave figures on the page that look live.
       The browser reconnects by itself while varseld is away; a stream
       it gives up on (varseld restarted: the session is gone, 401) is
       asked about once the session answers. */
    es.addEventListener('open', () => { if (lost) { lost = false; delete document.body.dataset.live; banner(null); } });
    es.addEventListener('error', () => {
      lost = true;
      document.body.dataset.live = 'lost';
      banner(t('common.offline.live'), 'warn');
      if (es.readyState === EventSource.CLOSED) {
        const again = setTimeout(async () => {
          try {
            await api('GET', '/v1/session');
            if (streams.indexOf(es) >= 0) route();
          } catch (e) {
            if (e.status === 401) loggedOut(true);
            /* else still away: the banner stays */
          }
        }, 2000);
        leaving.push(() => clearTimeout(again));
      }
    });
    let lost = false;
    streams.push(es);
    return es;
  }

  /* The bar of delivery states and its legend. */
  const BAR_STATES = ['delivered', 'answered', 'sent', 'sending', 'queued', 'held', 'ringing', 'failed', 'expired', 'cancelled', 'suppressed', 'no_answer', 'busy'];

  function progress(a) {
    const c = a.counts || {};
    const total = Math.max(1, a.recipients || 0);
    const bar = h('div', { class: 'bar', role: 'img', 'aria-label': t('alert.summary', {
      d: a.reached || 0, n: a.people || 0, y: (a.acks || {}).yes || 0, no: (a.acks || {}).no || 0 }) });
    const legend = h('ul', { class: 'legend' });
    BAR_STATES.forEach(s => {
      const n = c[s] || 0;
      if (!n && ['delivered', 'failed', 'queued', 'sent'].indexOf(s) < 0) return;
      if (n) bar.append(h('span', { class: 'seg seg-' + s, style: null, dataset: { w: String(n / total) } }));
      legend.append(h('li', { class: 'lg lg-' + s, dataset: { state: s } },
        h('span', { class: 'sw sw-' + s, 'aria-hidden': 'true' }),
        h('span', { class: 'lg-name' }, t('ds.' + s)),
        h('strong', { class: 'lg-n' }, num(n))));
    });
    /* Widths without inline style (the CSP forbids it): CSSOM is fine. */
    bar.querySelectorAll('.seg').forEach(s => { s.style.width = (Number(s.dataset.w) * 100).toFixed(2) + '%'; });
    return h('div', { class: 'progress' }, bar, legend);
  }

  /* ---- alerts list ---------------------------------------------------- */

  async function pageAlerts() {
    const list = h('ol', { class: 'alerts', 'aria-live': 'off' }, h('li', { class: 'muted' }, t('common.loading')));
    frame(t('alerts.title'),
      can('alerts:write') ? h('p', null, h('a', { class: 'button primary big', href: '#/new' }, t('alerts.new'))) : null,
      list);
    let data;
    try {
      data = await api('GET', '/v1/alerts?limit=30');
    } catch (e) {
      clear(list).append(errorBox(e));
      return;
    }
    clear(list);
    if (data.alerts.length === 0) list.append(h('li', { class: 'muted' }, t('alerts.empty')));
    data.alerts.forEach((a, i) => {
      const item = h('li', { class: 'alert-row' });
      const draw = x => {
        clear(item).append(h('a', { class: 'alert-link', href: '#/alert/' + x.id },
          h('div', { class: 'alert-head' },
            h('span', { class: 'alert-id' }, '#' + x.id),
            sevBadge(x.severity), stateBadge(x.state), releaseNote(x),
            h('span', { class: 'muted' }, fmtTime(x.created_at) + ' · ' +
              t('alerts.by', { who: x.author ? x.author.name : '' }) + ' · ' +
              t('alerts.recipients', { n: num(x.recipients) }))),
          x.text ? h('p', { class: 'excerpt' }, x.text) : null,
          x.ack ? h('div', { class: 'alert-acks' },
            h('span', { class: 'ack-yes' }, t('common.yes') + ' ' + num(x.acks.yes)),
            h('span', { class: 'ack-no' }, t('common.no') + ' ' + num(x.acks.no)),
            x.need ? h('span', { class: 'need' }, needText(x)) : null) : null,
          progress(x)));
      };
      draw(a);
      list.append(item);
      /* Live counts for the newest that are still moving. */
      if (i < 8 && a.state !== 'done') follow(a.id, { counts: draw });
    });
  }

  /* ---- compose -------------------------------------------------------- */

  async function pageCompose() {
    if (!can('alerts:write')) { location.hash = '#/'; return; }
    frame(t('compose.title'), h('p', { class: 'muted' }, t('common.loading')));
    let tpls, groups, map, users;
    try {
      [tpls, groups, map, users] = await Promise.all([
        api('GET', '/v1/templates'), api('GET', '/v1/groups'),
        api('GET', '/v1/map'), api('GET', '/v1/users')]);
    } catch (e) {
      frame(t('compose.title'), errorBox(e));
      return;
    }
    const state = { kind: 'template', shape: null };
    const ref = 'console-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8);

    /* 1. what */
    const kindT = h('input', { type: 'radio', name: 'kind', id: 'kind-template', value: 'template', checked: true });
    const kindF = h('input', { type: 'radio', name: 'kind', id: 'kind-free', value: 'free' });
    const tplSel = h('select', { id: 'template' },
      tpls.templates.map(x => h('option', { value: x.name },
        TEXTS.sv['compose.tpl.' + x.name] ? t('compose.tpl.' + x.name) : x.name)));
    const varsBox = h('div', { class: 'vars' });
    const msg = h('textarea', { id: 'message', rows: 4, maxlength: 1600, 'aria-describedby': 'message-hint' });
    const msgBox = h('div', { class: 'field', hidden: true },
      h('label', { for: 'message' }, t('compose.message')), msg,
      h('p', { id: 'message-hint', class: 'hint' }, t('compose.message.hint')));
    const sev = h('select', { id: 'severity' },
      ['extreme', 'severe', 'moderate', 'minor'].map(s => h('option', { value: s, selected: s === 'severe' }, t('sev.' + s))));
    const varInputs = {};
    const varLabel = v => TEXTS.sv['compose.var.' + v] ? t('compose.var.' + v) : v;
    function drawVars() {
      clear(varsBox);
      const tp = tpls.templates.find(x => x.name === tplSel.value);
      (tp ? tp.vars : []).forEach(v => {
        if (!varInputs[v]) varInputs[v] = h('input', { id: 'var-' + v, name: v, oninput: changed });
        varsBox.append(h('div', { class: 'field' }, h('label', { for: 'var-' + v }, varLabel(v)), varInputs[v]));
      });
    }
    /* A call-out asks for an answer by default. */
    tplSel.value = tpls.templates.some(x => x.name === 'nattvandrare-utrop') ? 'nattvandrare-utrop' : tplSel.value;
    /* A call-out asks for an answer; a notice to residents does not. */
    const asks = () => state.kind === 'template' && /utrop|beacon/.test(tplSel.value);
    tplSel.addEventListener('change', () => { drawVars(); ack.checked = asks(); showCallout(); changed(); });
    [kindT, kindF].forEach(r => r.addEventListener('change', () => {
      state.kind = kindT.checked ? 'template' : 'free';
      ack.checked = asks();
      showCallout();
      tplBox.hidden = state.kind !== 'template';
      msgBox.hidden = state.kind === 'template';
      changed();
    }));
    const tplBox = h('div', null,
      h('div', { class: 'field' }, h('label', { for: 'template' }, t('compose.template')), tplSel), varsBox);

    /* 2. who */
    const groupChecks = groups.groups.map(g => {
      const id = 'g-' + g.name;
      const cb = h('input', { type: 'checkbox', id: id, value: g.name, onchange: changed });
      return h('div', { class: 'check' }, cb, h('label', { for: id }, g.name + ' ',
        h('span', { class: 'muted' }, '(' + num(g.members) + ')')));
    });
    const areaChecks = map.areas.filter(a => /^[0-9]+$/.test(a.code)).map(a => {
      const id = 'a-' + a.code;
      const cb = h('input', { type: 'checkbox', id: id, value: a.code, onchange: changed });
      return h('div', { class: 'check' }, cb, h('label', { for: id }, a.name + ' ', h('span', { class: 'muted' }, a.code)));
    });
    const hint = h('p', { class: 'hint', id: 'map-hint', 'aria-live': 'polite' }, t('compose.map.circle.help'));
    const shapeText = h('p', { class: 'shape-text', id: 'shape-text' }, t('compose.map.none'));
    const mapHolder = h('div', { class: 'map', id: 'map' });
    const lat = h('input', { id: 'circle-lat', inputmode: 'decimal', size: 9 });
    const lon = h('input', { id: 'circle-lon', inputmode: 'decimal', size: 9 });
    const radius = h('input', { id: 'circle-radius', type: 'number', min: 50, max: 100000, step: 50, size: 6 });
    const near = h('select', { id: 'circle-near' }, h('option', { value: '' }, t('compose.map.near.none')),
      map.points.map(p => h('option', { value: p.id }, p.name)));
    const modeCircle = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'true', id: 'mode-circle' }, t('compose.map.circle'));
    const modePoly = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false', id: 'mode-polygon' }, t('compose.map.polygon'));
    const polyDone = h('button', { type: 'button', class: 'secondary', hidden: true, id: 'polygon-done' }, t('compose.map.polygon.done'));
    let mp = null;
    function circleFromInputs() {
      if (mp) mp.setCircle(parseFloat(lat.value.replace(',', '.')), parseFloat(lon.value.replace(',', '.')), parseFloat(radius.value));
    }
    [lat, lon, radius].forEach(i => i.addEventListener('change', circleFromInputs));
    near.addEventListener('change', () => {
      const p = map.points.find(q => q.id === near.value);
      if (!p) return;
      lat.value = p.lat.toFixed(5);
      lon.value = p.lon.toFixed(5);
      if (!radius.value) radius.value = 500;
      circleFromInputs();
    });
    function setMode(m) {
      modeCircle.setAttribute('aria-pressed', String(m === 'circle'));
      modePoly.setAttribute('aria-pressed', String(m === 'polygon'));
      polyDone.hidden = m !== 'polygon';
      hint.textContent = t(m === 'circle' ? 'compose.map.circle.help' : 'compose.map.polygon.help');
      mp && mp.setMode(m);
    }
    modeCircle.addEventListener('click', () => setMode('circle'));
    modePoly.addEventListener('click', () => setMode('polygon'));
    polyDone.addEventListener('click', () => mp && mp.finishPolygon());

    /* 3. options */
    const ack = h('input', { type: 'checkbox', id: 'ack', checked: true, onchange: changed });
    const voice = h('input', { type: 'checkbox', id: 'voice', onchange: changed });
    const escalate = h('select', { id: 'escalate', onchange: changed },
      [[0, 'no'], [300, '5'], [900, '15'], [1800, '30']].map(x => h('option', { value: x[0] },
        x[0] ? t('compose.escalate.min', { n: x[1] }) : t('compose.escalate.no'))));
    const expires = h('select', { id: 'expires', onchange: changed },
      [[3600, '1h'], [10800, '3h'], [86400, '24h']].map(x => h('option', { value: x[0], selected: x[0] === 3600 }, t('compose.expires.' + x[1]))));
    /* A call-out: how many are enough, and whom to ask next. */
    const need = h('input', { id: 'need', type: 'number', min: 1, max: 10000, size: 5, oninput: changed });
    const next = h('select', { id: 'next-group', onchange: changed }, h('option', { value: '' }, t('compose.next.none')),
      groups.groups.map(g => h('option', { value: g.name }, g.name)));
    const nextAfter = h('select', { id: 'next-after', onchange: changed },
      [[600, '10'], [900, '15'], [1800, '30']].map(x => h('option', { value: x[0] }, t('compose.escalate.min', { n: x[1] }))));
    const needBox = h('div', { class: 'callout' },
      h('div', { class: 'field' }, h('label', { for: 'need' }, t('compose.need')), need,
        h('p', { class: 'hint' }, t('compose.need.hint'))),
      h('div', { class: 'field' }, h('label', { for: 'next-group' }, t('compose.next')), next, ' ',
        h('label', { for: 'next-after', class: 'inline' }, t('compose.next.after')), nextAfter));
    function showCallout() { needBox.hidden = !ack.checked; }
    /* When: now, or later; quiet hours. */
    const sendAt = h('input', { id: 'send-at', type: 'datetime-local', onchange: changed });
    const quiet = h('input', { type: 'checkbox', id: 'quiet-ignore', onchange: changed });

    /* the preview and the send button */
    const pv = h('div', { class: 'preview-body', 'aria-live': 'polite', id: 'preview' }, h('p', { class: 'muted' }, t('compose.preview.empty')));
    const sendBtn = h('button', { type: 'submit', class: 'primary big', id: 'send', disabled: true }, t('compose.send.disabled'));
    const sendMsg = h('p', { class: 'form-error', role: 'alert', id: 'send-msg' });

    function body() {
      const aud = {};
      const gs = groupChecks.map(d => d.querySelector('input')).filter(c => c.checked).map(c => c.value);
      const as = areaChecks.map(d => d.querySelector('input')).filter(c => c.checked).map(c => c.value);
      if (gs.length) aud.groups = gs;
      if (as.length) aud.areas = as;
      if (state.shape && state.shape.circle) aud.circle = state.shape.circle;
      if (state.shape && state.shape.polygon) aud.polygon = state.shape.polygon;
      const b = { source_ref: ref, severity: sev.value, audience: aud, ack: ack.checked,
        channels: voice.checked ? ['sms', 'voice'] : ['sms'], expires_in_s: Number(expires.value) };
      if (Number(escalate.value) > 0) b.escalate_after_s = Number(escalate.value);
      if (ack.checked && Number(need.value) > 0) b.need = Number(need.value);
      if (ack.checked && next.value) {
        b.escalate_to = { groups: [next.value] };
        b.escalate_to_after_s = Number(nextAfter.value);
      }
      if (sendAt.value) b.send_at = new Date(sendAt.value).toISOString();
      if (quiet.checked) b.quiet_hours = 'ignore';
      if (state.kind === 'template') {
        b.template = tplSel.value;
        b.vars = {};
        const tp = tpls.templates.find(x => x.name === tplSel.value);
        (tp ? tp.vars : []).forEach(v => { b.vars[v] = (varInputs[v] && varInputs[v].value.trim()) || ''; });
      } else {
        b.message = msg.value.trim();
      }
      return b;
    }
    /* As varseld decides it (fanout_to_residents). */
    const residents = b => !!(b.audience.areas ||
      (b.audience.groups || []).indexOf(me.residents_group) >= 0);

    let timer = null, seq = 0, last = null;
    function changed() {
      clearTimeout(timer);
      timer = setTimeout(preview, 250);
    }
    msg.addEventListener('input', changed);
    ack.addEventListener('change', showCallout);
    sev.addEventListener('change', changed);

    async function preview() {
      const b = body();
      const my = ++seq;
      if (Object.keys(b.audience).length === 0) {
        last = null;
        clear(pv).append(h('p', { class: 'muted' }, t('compose.preview.empty')));
        sendBtn.disabled = true;
        sendBtn.textContent = t('compose.send.disabled');
        return;
      }
      /* An empty place or time would go out as "vid  kl ." */
      const missing = state.kind === 'template' ?
        Object.keys(b.vars).filter(v => !String(b.vars[v]).trim()).map(varLabel) : (b.message ? [] : [t('compose.message')]);
      const missingNote = () => h('p', { class: 'form-error', id: 'preview-missing' },
        t('compose.missing', { names: missing.join(', ') }));
      if (state.kind === 'free' && missing.length) {
        last = null;
        clear(pv).append(missingNote());
        sendBtn.disabled = true;
        sendBtn.textContent = t('compose.send.disabled');
        return;
      }
      /* The preview shows where an empty field goes; varseld refuses
         an empty one, and Send stays off until it is filled. */
      const pb = state.kind === 'template' && missing.length ?
        Object.assign({}, b, { vars: Object.fromEntries(Object.keys(b.vars).map(v =>
          [v, String(b.vars[v]).trim() ? b.vars[v] : '[' + varLabel(v) + ']'])) }) : b;
      let p;
      try {
        p = await api('POST', '/v1/preview', pb);
      } catch (e) {
        if (my !== seq) return;
        last = null;
        clear(pv).append(h('p', { class: 'form-error' }, t('compose.preview.error', { msg: errMsg(e) })));
        sendBtn.disabled = true;
        return;
      }
      if (my !== seq) return;
      last = { body: b, preview: p };
      const reach = p.recipients - p.suppressed;
      const needApproval = (reach > me.approval_over || residents(b)) &&
        !(b.severity === 'extreme' && can('alerts:approve'));
      const people = p.people !== undefined ? p.people : reach;
      put(clear(pv),
        h('p', { class: 'reach' }, tNode(one('compose.preview.people', people), 'n',
          h('strong', { id: 'preview-count', dataset: { n: String(reach), people: String(people) } }, num(people)))),
        people !== reach ? h('p', { class: 'muted' }, t('compose.preview.messages', { n: num(reach) })) : null,
        p.state === 'held' ? h('p', { class: 'approval', id: 'preview-held' }, t('compose.preview.held', { t: fmtTime(p.held_until) })) : null,
        p.state === 'scheduled' ? h('p', { class: 'approval', id: 'preview-scheduled' }, t('compose.preview.scheduled', { t: fmtTime(p.send_at) })) : null,
        p.suppressed ? h('p', { class: 'muted' }, t('compose.preview.suppressed', { n: num(p.suppressed) })) : null,
        /* Escalation calls those who do not answer: not those who refuse calls. */
        p.uncallable ? h('p', { class: 'caution', id: 'preview-uncallable' },
          t(one('compose.preview.uncallable', p.uncallable), { n: num(p.uncallable) })) : null,
        h('p', { class: 'langs', id: 'preview-langs' }, t('compose.preview.langs', { list: p.texts
          .filter(x => x.recipients - x.suppressed > 0)
          .map(x => x.lang + (x.channel === 'voice' ? ' ☎' : '') + ' ' + num(x.recipients - x.suppressed)).join(' · ') })),
        h('p', null, t(one('compose.preview.segments', p.segments), { n: p.segments, enc: p.encoding })),
        h('p', null, t('compose.preview.eta', { t: fmtDuration(p.eta_s || 0) })),
        textList(p.texts.slice(0, 1)),
        p.texts.length > 1 ? h('details', { class: 'other-texts' },
          h('summary', null, t(one('compose.preview.others', p.texts.length - 1), { n: p.texts.length - 1 })),
          textList(p.texts.slice(1))) : null,
        needApproval ? approvalNote(users, true) : null);
      sendBtn.disabled = reach === 0;
      if (missing.length) {
        last = null;
        pv.prepend(missingNote());
        sendBtn.disabled = true;
      }
      sendBtn.textContent = needApproval ? t('compose.send.approval', { n: num(reach) }) :
        t('compose.send', { n: t(reach === 1 ? 'common.person' : 'common.people', { n: num(reach) }) });
    }

    function textList(texts) {
      return h('ul', { class: 'texts' }, texts.map(x => h('li', { lang: x.lang, dir: ['ar', 'fa'].indexOf(x.lang) >= 0 ? 'rtl' : 'auto' },
        h('span', { class: 'text-lang' }, x.lang.toUpperCase() + (x.channel === 'voice' ? ' ☎' : '') + ' · ' + num(x.recipients - x.suppressed)),
        h('span', { class: 'text-body' }, x.text))));
    }

    const form = h('form', { class: 'compose', novalidate: true, onsubmit: ev => { ev.preventDefault(); confirmSend(); } },
      h('section', { class: 'card' }, h('h2', null, t('compose.what')),
        h('div', { class: 'radios', role: 'radiogroup' },
          h('div', { class: 'check' }, kindT, h('label', { for: 'kind-template' }, t('compose.kind.template'))),
          h('div', { class: 'check' }, kindF, h('label', { for: 'kind-free' }, t('compose.kind.free')))),
        tplBox, msgBox,
        h('div', { class: 'field' }, h('label', { for: 'severity' }, t('compose.severity')), sev)),
      h('section', { class: 'card' }, h('h2', null, t('compose.who')),
        h('fieldset', null, h('legend', null, t('compose.groups')), h('div', { class: 'checks' }, groupChecks)),
        h('fieldset', null, h('legend', null, t('compose.areas')), h('div', { class: 'checks' }, areaChecks)),
        h('fieldset', { class: 'mapbox' }, h('legend', null, t('compose.map')),
          h('div', { class: 'map-tools' }, modeCircle, modePoly, polyDone,
            h('button', { type: 'button', class: 'secondary', id: 'map-clear', onclick: () => mp && mp.clear() }, t('compose.map.clear')),
            h('span', { class: 'zoom' },
              h('button', { type: 'button', class: 'secondary icon', 'aria-label': t('compose.map.zoomin'), onclick: () => mp && mp.zoomIn() }, '+'),
              h('button', { type: 'button', class: 'secondary icon', 'aria-label': t('compose.map.zoomout'), onclick: () => mp && mp.zoomOut() }, '−'))),
          hint, mapHolder, shapeText,
          h('div', { class: 'circle-inputs' },
            h('div', { class: 'field' }, h('label', { for: 'circle-near' }, t('compose.map.near')), near),
            h('div', { class: 'field' }, h('label', { for: 'circle-lat' }, t('compose.lat')), lat),
            h('div', { class: 'field' }, h('label', { for: 'circle-lon' }, t('compose.lon')), lon),
            h('div', { class: 'field' }, h('label', { for: 'circle-radius' }, t('compose.radius')), radius)))),
      h('section', { class: 'card' }, h('h2', null, t('compose.options')),
        h('div', { class: 'check' }, ack, h('label', { for: 'ack' }, t('compose.ack'))),
        h('div', { class: 'check' }, voice, h('label', { for: 'voice' }, t('compose.voice'))),
        h('div', { class: 'field' }, h('label', { for: 'escalate' }, t('compose.escalate')), escalate),
        needBox,
        h('div', { class: 'field' }, h('label', { for: 'expires' }, t('compose.expires')), expires),
        h('div', { class: 'field' }, h('label', { for: 'send-at' }, t('compose.send_at')), sendAt,
          h('p', { class: 'hint' }, t('compose.send_at.hint'))),
        h('div', { class: 'check' }, quiet, h('label', { for: 'quiet-ignore' }, t('compose.quiet')))),
      h('aside', { class: 'card preview', 'aria-labelledby': 'preview-title' },
        h('h2', { id: 'preview-title' }, t('compose.preview')), pv, sendMsg, sendBtn));
    frame(t('compose.title'), form);
    drawVars();
    showCallout();
    mp = window.VarselMap.create(mapHolder, map, {
      t: t,
      onHint: s => { hint.textContent = s; },
      onChange: shape => {
        state.shape = shape;
        if (shape && shape.circle) {
          const c = shape.circle;
          const p = mp && mp.nearestPoint(c.lat, c.lon);
          lat.value = c.lat.toFixed(5);
          lon.value = c.lon.toFixed(5);
          radius.value = c.radius_m;
          near.value = p && Math.abs(p.lat - c.lat) < 0.00002 && Math.abs(p.lon - c.lon) < 0.00002 ? p.id : '';
          shapeText.textContent = t('compose.map.circle.is', { r: num(c.radius_m), place: p ? p.name : c.lat.toFixed(4) + ', ' + c.lon.toFixed(4) });
        } else if (shape && shape.polygon) {
          shapeText.textContent = t('compose.map.polygon.is', { n: shape.polygon.length });
        } else {
          shapeText.textContent = t('compose.map.none');
        }
        changed();
      }
    });

    function confirmSend() {
      if (!last) return;
      const b = last.body, p = last.preview;
      const reach = p.recipients - p.suppressed;
      const sv = p.texts.find(x => x.lang === 'sv' && x.channel === 'sms') || p.texts[0];
      const waits = (reach > me.approval_over || residents(b)) && !(b.severity === 'extreme' && can('alerts:approve'));
      /* Not "now" when it goes later or waits for someone. */
      const title = waits ? t('compose.confirm.title.approval') :
        p.state === 'scheduled' ? t('compose.confirm.title.scheduled', { t: fmtTime(p.send_at) }) :
        p.state === 'held' ? t('compose.confirm.title.held', { t: fmtTime(p.held_until) }) :
        t('compose.confirm.title');
      const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' },
        h('h2', { id: 'confirm-title' }, title),
        h('p', { class: 'confirm-facts' }, sevBadge(b.severity), h('strong', null, t('compose.confirm.body', { n: num(reach) }))),
        h('blockquote', null, sv ? sv.text : ''),
        b.ack ? h('p', null, t('compose.confirm.ack')) : null,
        waits ? h('p', { class: 'approval' }, t('compose.confirm.approval')) : null,
        h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'secondary', onclick: () => { dlg.close(); dlg.remove(); } }, t('common.cancel')),
          h('button', { type: 'button', class: 'primary', id: 'confirm-send', onclick: async () => {
            dlg.close();
            dlg.remove();
            sendBtn.disabled = true;
            try {
              const r = await api('POST', '/v1/alerts', b);
              metrics.sentAt = performance.now();
              metrics.firstLiveAt = 0;
              location.hash = '#/alert/' + r.id;
            } catch (e) {
              sendMsg.textContent = t('compose.failed', { msg: errMsg(e) });
              sendBtn.disabled = false;
            }
          } }, t('compose.confirm.send'))));
      document.body.append(dlg);
      dlg.showModal();
      dlg.querySelector('#confirm-send').focus();
    }
  }

  /* Who can approve, and whether they are logged in now. */
  function approvalNote(users, withRule) {
    const them = users.users.filter(u => u.approves && u.name !== me.name);
    const online = them.filter(u => u.online).map(u => u.name);
    return h('div', { class: 'approval', role: 'note' },
      withRule ? h('p', null, h('strong', null, t('compose.preview.approval', { n: num(me.approval_over) }))) : null,
      h('p', { id: 'approvers' }, online.length ? t('compose.preview.approvers', { names: online.join(', ') }) :
        t('compose.preview.noapprovers')));
  }

  /* ---- one alert ------------------------------------------------------ */

  async function pageAlert(id) {
    const head = h('div', { class: 'alert-meta' });
    const text = h('blockquote', { class: 'alert-text' });
    const prog = h('div', { id: 'progress' });
    const summary = h('p', { class: 'summary', 'aria-live': 'polite', id: 'summary' });
    const yes = h('strong', { class: 'big-n', id: 'acks-yes' }, '0');
    const no = h('strong', { class: 'big-n', id: 'acks-no' }, '0');
    const answers = h('ul', { class: 'answers', id: 'answers' }, h('li', { class: 'muted' }, t('alert.answers.none')));
    const needNote = h('p', { class: 'need', id: 'need', hidden: true });
    const failures = h('ul', { class: 'failures', id: 'failures' });
    const actions = h('div', { class: 'actions' });
    const note = h('p', { role: 'status', class: 'note' });
    const uncallNote = h('p', { class: 'caution', id: 'uncallable', hidden: true });
    const history = h('ol', { class: 'history', id: 'history' });
    const audience = h('p', { class: 'audience muted', id: 'audience' });
    const waiting = h('section', { class: 'waiting', id: 'waiting', hidden: true, role: 'status' });
    const answersCard = h('section', { class: 'card', id: 'answers-card' }, h('h2', null, t('alert.answers')),
      h('div', { class: 'acks' },
        h('div', { class: 'ack ack-yes' }, yes, h('span', null, t('common.yes'))),
        h('div', { class: 'ack ack-no' }, no, h('span', null, t('common.no')))),
      needNote, answers);
    frame(t('alert.title', { id: id }),
      h('p', null, h('a', { href: '#/' }, '← ' + t('alert.back'))),
      head, text, audience, waiting, actions, note,
      h('section', { class: 'card' }, h('h2', null, t('alert.progress'), ' ', h('span', { class: 'live' }, t('alert.live'))), summary, uncallNote, prog),
      answersCard,
      h('section', { class: 'card' }, h('h2', null, t('alert.failures')), failures),
      h('section', { class: 'card' }, h('h2', null, t('alert.history')), history));

    const seen = new Map();   /* delivery_id -> li */
    let current = null, usersCache = null, failTimer = null, failedSeen = -1, actionsKey = null;

    function drawCounts(a) {
      current = a;
      put(clear(head), sevBadge(a.severity), stateBadge(a.state), releaseNote(a),
        h('span', { class: 'muted' }, t('alert.written', { who: a.author ? a.author.name : '', when: fmtTime(a.created_at) })));
      if (a.text && !text.textContent) text.textContent = a.text;
      answersCard.hidden = !a.ack && !(a.acks.yes || a.acks.no);
      clear(prog).append(progress(a));
      /* People, not deliveries: an SMS and the call that escalated it
         reach one person (the daemon counts each person once). */
      summary.textContent = t(a.ack ? 'alert.summary' : 'alert.summary.noack', {
        d: num(a.reached || 0), n: num(a.people || 0), y: num(a.acks.yes), no: num(a.acks.no) });
      /* The escalation calls those who do not answer: not these. */
      uncallNote.hidden = !a.uncallable;
      if (a.uncallable)
        uncallNote.textContent = t(one('compose.preview.uncallable', a.uncallable), { n: num(a.uncallable) });
      yes.textContent = num(a.acks.yes);
      no.textContent = num(a.acks.no);
      needNote.textContent = needText(a);
      needNote.hidden = !a.need;
      drawActions(a);
      /* Failures change seldom: read them a moment after counts move. */
      if ((a.counts.failed || 0) + (a.counts.expired || 0) !== failedSeen) {
        failedSeen = (a.counts.failed || 0) + (a.counts.expired || 0);
        clearTimeout(failTimer);
        failTimer = setTimeout(loadFailures, 300);
      }
    }

    function drawActions(a) {
      /* A scheduled or held alert has no deliveries yet: it can be stopped too. */
      const pending = (a.counts.queued || 0) + (a.counts.held || 0) > 0 ||
        a.state === 'scheduled' || a.state === 'held';
      /* Drawn again only when they change, not at each live count: a
         button made anew loses the keyboard focus and a click in
         progress, and the status box would be read out again. */
      const key = [a.state, pending, !!usersCache].join();
      if (key === actionsKey) return;
      actionsKey = key;
      clear(actions);
      waiting.hidden = a.state !== 'awaiting_approval';
      clear(waiting);
      if (a.state === 'awaiting_approval') {
        const mine = a.author && a.author.kind === 'user' && a.author.name === me.name;
        waiting.append(h('h2', null, t('alert.waiting')));
        if (can('alerts:approve') && !mine) {
          waiting.append(h('p', null, t('alert.waiting.approver', { who: a.author ? a.author.name : '', n: num(a.counts.held || a.recipients) })));
          actions.append(h('button', { type: 'button', class: 'primary big', id: 'approve', onclick: approve }, t('alert.approve')));
        } else {
          waiting.append(h('p', null, mine ? t('alert.approve.own') : t('alert.waiting.writer')));
          if (usersCache) waiting.append(approvalNote(usersCache, false));
        }
      }
      if (can('alerts:write') && pending) {
        actions.append(h('button', { type: 'button', class: 'danger', id: 'cancel', onclick: cancel }, t('alert.cancel')));
      }
      actions.append(h('a', { class: 'button secondary', href: '/v1/alerts/' + encodeURIComponent(id) + '/report.csv', download: 'varsel-alert-' + id + '.csv' }, t('alert.csv')));
    }

    function drawAnswer(x) {
      if (seen.size === 0) clear(answers);
      const li = h('li', { class: 'answer answer-' + x.answer, dataset: { delivery: String(x.delivery_id) } },
        h('span', { class: 'answer-word' }, x.answer === 'yes' ? t('common.yes') : t('common.no')),
        h('span', { class: 'answer-who' }, x.name || x.phone),
        x.name ? h('span', { class: 'muted' }, x.phone) : null,
        h('span', { class: 'muted' }, fmtTime(x.at)));
      const old = seen.get(x.delivery_id);
      if (old) old.replaceWith(li); else answers.prepend(li);
      seen.set(x.delivery_id, li);
    }

    async function loadFailures() {
      try {
        const d = await api('GET', '/v1/alerts/' + encodeURIComponent(id) + '/deliveries?state=failed&limit=100');
        clear(failures);
        if (d.deliveries.length === 0) failures.append(h('li', { class: 'muted' }, t('alert.failures.none')));
        d.deliveries.forEach(x => failures.append(h('li', null,
          h('span', null, x.phone), ' ', h('span', { class: 'muted' }, (x.provider || '') + ': ' + (x.error || '')))));
      } catch (e) { /* shown at the next move */ }
    }

    async function loadHistory() {
      if (!can('audit:read')) return;
      try {
        const d = await api('GET', '/v1/audit?alert_id=' + encodeURIComponent(id) + '&limit=50');
        clear(history);
        d.audit.slice().reverse().forEach(x => {
          history.append(h('li', null, h('span', { class: 'muted' }, fmtTime(x.at)), ' ',
            h('strong', null, x.actor), ' ', t('act.' + x.action),
            x.detail && x.detail.approval === 'skipped_extreme' ? ' ' + t('audit.extreme') : '',
            x.detail && x.detail.approval === 'awaiting' ? ' ' + t('audit.awaiting') : '',
            x.addr ? ' (' + x.addr + ')' : ''));
          if (x.action === 'alert.posted' && x.detail) {
            text.textContent = x.detail.text || x.detail.message || x.detail.template || '';
            const d = x.detail, parts = [];
            if (d.groups && d.groups.length) parts.push(t('alert.to.groups', { names: d.groups.join(', ') }));
            if (d.areas && d.areas.length) parts.push(t('alert.to.areas', { names: d.areas.join(', ') }));
            if (d.shapes) parts.push(t('alert.to.shapes', { n: d.shapes }));
            if (d.contacts) parts.push(t('alert.to.contacts', { n: d.contacts }));
            audience.textContent = parts.length ? t('alert.to', { list: parts.join('; ') }) : '';
          }
        });
      } catch (e) { /* not for this role */ }
    }

    async function cancel() {
      if (!window.confirm(t('alert.cancel.confirm'))) return;
      try {
        const r = await api('POST', '/v1/alerts/' + encodeURIComponent(id) + '/cancel', {});
        /* Stopped before it went out (scheduled, held, unapproved): there
           may be no messages to count, and "0 stopped" would alarm. */
        note.textContent = r.state === 'cancelled' ? t('alert.cancelled.all') :
          r.cancelled ? t(one('alert.cancelled', r.cancelled), { n: num(r.cancelled) }) :
          t('alert.cancelled.none');
        loadHistory();
      } catch (e) {
        note.textContent = t('common.error', { msg: errMsg(e) });
      }
    }

    async function approve() {
      if (!window.confirm(t('alert.approve.confirm', { id: id, n: num(current ? current.counts.held || current.recipients : 0) }))) return;
      try {
        await api('POST', '/v1/alerts/' + encodeURIComponent(id) + '/approve', {});
        note.textContent = t('alert.approved');
        loadHistory();
      } catch (e) {
        note.textContent = t('common.error', { msg: errMsg(e) });
      }
    }

    try {
      drawCounts(await api('GET', '/v1/alerts/' + encodeURIComponent(id)));
      usersCache = await api('GET', '/v1/users');
      if (current) drawActions(current);
    } catch (e) {
      clear(head).append(errorBox(e));
      return;
    }
    loadHistory();
    follow(id, {
      counts: a => {
        const was = current && current.state;
        drawCounts(a);
        if (a.state !== was) loadHistory();   /* approved, cancelled */
      },
      answer: drawAnswer
    });
    leaving.push(() => clearTimeout(failTimer));
  }

  /* ---- inbox ---------------------------------------------------------- */

  async function pageInbox() {
    const list = h('ol', { class: 'inbox' }, h('li', { class: 'muted' }, t('common.loading')));
    frame(t('inbox.title'), h('p', { class: 'muted' }, t('inbox.help'), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: pageInbox }, t('inbox.refresh'))), list);
    let d;
    try {
      d = await api('GET', '/v1/inbox?limit=50');
    } catch (e) {
      clear(list).append(errorBox(e));
      return;
    }
    clear(list);
    if (d.inbox.length === 0) list.append(h('li', { class: 'muted' }, t('inbox.empty')));
    d.inbox.forEach(m => {
      const who = m.name ? m.name + ' (' + m.from + ')' : m.from;
      const box = h('textarea', { id: 'reply-' + m.id, rows: 2, maxlength: 1600 });
      const status = h('p', { role: 'status', class: 'note' }, m.replies ? t('inbox.replied', { n: m.replies }) : '');
      list.append(h('li', { class: 'card msg' },
        h('p', { class: 'msg-head' }, h('strong', null, who), ' ', h('span', { class: 'muted' }, fmtTime(m.received_at))),
        h('blockquote', null, m.text),
        can('alerts:write') ? h('form', { class: 'reply', onsubmit: async ev => {
          ev.preventDefault();
          if (!box.value.trim()) return;
          try {
            const sent = box.value.trim();
            await api('POST', '/v1/inbox/' + m.id + '/reply', { message: sent });
            box.value = '';
            status.textContent = t('inbox.sent') + ' ' + t('inbox.yousent', { text: sent });
          } catch (e) {
            status.textContent = t('common.error', { msg: errMsg(e) });
          }
        } }, h('label', { for: 'reply-' + m.id }, t('inbox.reply', { who: m.name || m.from })), box,
        h('button', { type: 'submit', class: 'secondary' }, t('inbox.send'))) : null,
        status));
    });
  }

  /* ---- contacts ------------------------------------------------------- */

  function pageContacts() {
    const q = h('input', { id: 'q', type: 'search', autocomplete: 'off' });
    const out = h('div', { 'aria-live': 'polite' });
    async function search(ev) {
      if (ev) ev.preventDefault();
      const s = q.value.trim();
      if (!s) return;
      clear(out).append(h('p', { class: 'muted' }, t('common.loading')));
      try {
        const d = await api('GET', '/v1/contacts?limit=100&q=' + encodeURIComponent(s));
        clear(out);
        if (d.contacts.length === 0) { out.append(h('p', null, t('contacts.empty'))); return; }
        if (!can('contacts:read')) out.append(h('p', { class: 'muted' }, t('contacts.masked')));
        out.append(h('table', { class: 'table' },
          h('thead', null, h('tr', null, ['name', 'phone', 'groups', 'area', 'lang'].map(c => h('th', { scope: 'col' }, t('contacts.col.' + c))))),
          h('tbody', null, d.contacts.map(c => h('tr', null,
            h('td', null, c.name || ''), h('td', null, c.phone), h('td', null, c.groups.join(', ')),
            h('td', null, c.area || ''), h('td', null, c.lang))))));
      } catch (e) {
        clear(out).append(errorBox(e));
      }
    }
    frame(t('contacts.title'),
      h('form', { class: 'search', role: 'search', onsubmit: search },
        h('label', { for: 'q' }, t('contacts.search')), q,
        h('button', { type: 'submit', class: 'primary' }, t('contacts.go'))),
      out);
    q.focus();
  }

  /* ---- audit ---------------------------------------------------------- */

  async function pageAudit() {
    const body = h('tbody', { id: 'audit-rows' });
    const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('common.more'));
    frame(t('audit.title'), h('p', { class: 'muted' }, t('audit.help')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', null, h('tr', null, ['when', 'who', 'what', 'alert', 'contact', 'from'].map(c => h('th', { scope: 'col' }, t('audit.col.' + c))))),
        body)), more);
    let before = 0, last = null;
    /* Rows of one import (the same who, what and from where in a row)
       are one line with their count: a list of 10,000 is not 10,000
       lines to read. */
    const same = (a, b) => a && b && a.action === b.action && a.actor === b.actor &&
      a.via === b.via && a.addr === b.addr && !a.alert_id && !b.alert_id && /^contact\./.test(a.action);
    async function load() {
      try {
        const d = await api('GET', '/v1/audit?limit=500' + (before ? '&before=' + before : ''));
        d.audit.forEach(x => {
          if (same(last, x)) {
            last.n++;
            last.tdContact.textContent = t('audit.contacts', { n: num(last.n) });
            last.tdWhat.textContent = t('act.' + x.action + '.many');
            if (fmtTime(x.at) !== fmtTime(last.at)) last.tdWhen.textContent = fmtTime(x.at) + ' – ' + fmtTime(last.at);
            return;
          }
          const tdWhen = h('td', null, fmtTime(x.at));
          const tdContact = h('td', null, x.contact || '');
          const tdWhat = h('td', null, t('act.' + x.action), x.detail && x.detail.user ? ': ' + x.detail.user : '',
            x.detail && x.detail.approval === 'skipped_extreme' ? ' ' + t('audit.extreme') : '',
            x.detail && x.detail.approval === 'awaiting' ? ' ' + t('audit.awaiting') : '');
          body.append(h('tr', { dataset: { action: x.action } },
            tdWhen,
            h('td', null, x.actor),
            tdWhat,
            h('td', null, x.alert_id ? h('a', { href: '#/alert/' + x.alert_id }, '#' + x.alert_id) : ''),
            tdContact,
            h('td', null, t('audit.via.' + x.via) + (x.addr ? ', ' + x.addr : ''))));
          last = Object.assign({}, x, { n: 1, tdContact: tdContact, tdWhen: tdWhen, tdWhat: tdWhat });
        });
        before = d.next || 0;
        more.hidden = !d.next;
      } catch (e) {
        body.append(h('tr', null, h('td', { colspan: 6 }, errorBox(e))));
      }
    }
    more.addEventListener('click', load);
    load();
  }

  /* ---- the router ----------------------------------------------------- */

  function route() {
    stopPage();
    if (!me) { showLogin(null); return; }
    const hash = location.hash || '#/';
    let m;
    if ((m = hash.match(/^#\/alert\/(\d+)$/))) pageAlert(m[1]);
    else if (hash === '#/new') pageCompose();
    else if (hash === '#/inbox') pageInbox();
    else if (hash === '#/contacts') pageContacts();
    else if (hash === '#/audit') pageAudit();
    else pageAlerts();
    watchProviders();
    const main = document.getElementById('main');
    if (main && document.activeElement === document.body) main.focus({ preventScroll: true });
  }

  window.addEventListener('hashchange', route);
  document.documentElement.lang = lang;
  (async function start() {
    try {
      me = await api('GET', '/v1/session');
    } catch (e) {
      me = null;
    }
    route();
  })();
})();
